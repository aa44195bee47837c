from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import translation

from dangjian.cases import CaseCategory, MemberRole
from dangjian.cases.actions import do_add_department_member, do_assign_case, do_create_department
from dangjian.cases.sources import CaseSource, register_source
from dangjian.core.roles import Role
from dangjian.testing.fixtures import make_user

#: Steps the "test" source was told about: (case number, step kind).
STEPS: list[tuple[str, str]] = []

register_source(CaseSource(
    kind="test", label="Test source",
    describe=lambda case: {"label": f"T-{case.source_id}", "url": ""},
    on_step=lambda case, kind, text: STEPS.append((case.number, kind)),
))


@pytest.fixture(autouse=True)
def _fresh_steps() -> None:
    """Every test's database numbers its cases from AJ…-000001 again: forget earlier tests' steps."""
    STEPS.clear()


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are asserted in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def depts(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Two county departments and one town department, with heads, handlers and a supervisor."""
    d = SimpleNamespace()
    d.housing = do_create_department({"name": "县住房和城乡建设局", "organization": tree.county}, acting_user=users.admin)
    d.transport = do_create_department({"name": "县交通运输局", "organization": tree.county}, acting_user=users.admin)
    d.town_office = do_create_department({"name": "乙镇综合办", "organization": tree.town_b}, acting_user=users.admin)
    d.h1 = make_user("housing-1", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    d.h2 = make_user("housing-2", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    d.head = make_user("housing-head", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    d.t1 = make_user("transport-1", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    d.b1 = make_user("town-b-1", Role.DEPT_HANDLER, tree.town_b, acting_user=root_user)
    d.supervisor = make_user("supervisor-x", None, None, acting_user=root_user)
    for dept, user, role in (
        (d.housing, d.h1, MemberRole.HANDLER), (d.housing, d.h2, MemberRole.HANDLER),
        (d.housing, d.head, MemberRole.HEAD), (d.housing, d.supervisor, MemberRole.SUPERVISOR),
        (d.transport, d.t1, MemberRole.HANDLER), (d.town_office, d.b1, MemberRole.HANDLER),
    ):
        do_add_department_member(dept, user, role, acting_user=users.admin)
    return d


@pytest.fixture
def make_case(users: Any, depts: Any) -> Any:
    def make(dept: Any = None, category: str = CaseCategory.COMPLAINT, **extra: Any) -> Any:
        return do_assign_case(
            title=extra.pop("title", "村口路灯不亮"), summary="甲镇一村村口路灯坏了三天。", category=category,
            lead_department=dept or depts.housing, source_kind="test", source_id=extra.pop("source_id", 1),
            acting_user=extra.pop("acting_user", users.admin), **extra,
        )
    return make
