"""The "orgs" search provider of the workbench's search box."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.core.search import search_all

pytestmark = pytest.mark.django_db


def _titles(user: Any, q: str) -> list[str]:
    groups = search_all(user, q, kinds={"orgs"})
    return [h.title for g in groups for h in g["items"]]


def test_finds_organizations_in_scope_only(tree: Any, users: Any) -> None:
    assert _titles(users.organizer, "甲镇") == ["中共甲镇委员会", "甲镇一村党支部", "甲镇二村党支部"]
    assert _titles(users.organizer, "乙镇") == []
    assert _titles(users.secretary, "支部") == ["甲镇一村党支部"]
    assert set(_titles(users.admin, "支部")) == {"甲镇一村党支部", "甲镇二村党支部", "乙镇社区党支部"}
    assert _titles(users.member, "支部") == [] and _titles(users.nobody, "支部") == []


def test_hit_links_to_the_organization_with_its_parents(tree: Any, users: Any) -> None:
    [group] = search_all(users.admin, "社区", kinds={"orgs"})
    [hit] = group["items"]
    assert hit.url == f"/orgs/{tree.branch_b1.pk}/"
    assert "中共乙镇委员会" in hit.detail
