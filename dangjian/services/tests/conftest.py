from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.core.roles import Role
from dangjian.orgs.actions import do_create_organization
from dangjian.services import Anchor, Audience, SignOffRule
from dangjian.services.actions import do_save_matter
from dangjian.testing.fixtures import make_user

PROOF_FIELDS = [
    {"key": "name", "label": "姓名", "type": "text", "known": "name"},
    {"key": "organization", "label": "所在党组织", "type": "text", "known": "organization"},
    {"key": "purpose", "label": "用途", "type": "choice", "required": True, "choices": ["入学", "就业", "政审"]},
    {"key": "copies", "label": "份数", "type": "number", "rules": {"min": 1, "max": 5}},
    {"key": "note", "label": "说明", "type": "textarea", "rules": {"max_length": 20}},
]


def set_today(monkeypatch: Any, day: dt.date) -> None:
    from dangjian.services import actions

    monkeypatch.setattr(actions, "_today", lambda: day)


@pytest.fixture
def sv(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Approvers: the branch A1 secretary (users.secretary), the town A organizer (users.organizer),
    the county administrator (users.admin); a second county approver; a proof-of-membership matter
    (branch → county, document issued) and a three-step hardship matter (branch, all → nearest
    committee → county)."""
    county_two = make_user("county-two", Role.ORGANIZER, tree.county, acting_user=root_user)
    proof = do_save_matter(tree.county, {
        "title": "党员身份证明", "audience": Audience.MEMBERS, "time_limit_days": 5, "active": True,
        "issues_document": True, "document_text": "兹证明 $name 同志系中国共产党党员，组织关系在 $organization。"},
        [{"name": "党支部审核", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 2},
         {"name": "县委组织部出具", "anchor": Anchor.FIXED, "fixed_organization": tree.county.pk,
          "rule": SignOffRule.ANY, "time_limit_days": 3}],
        fields=PROOF_FIELDS, acting_user=users.admin)
    hardship = do_save_matter(tree.county, {
        "title": "困难党员帮扶", "audience": Audience.MEMBERS, "time_limit_days": 10, "active": True},
        [{"name": "支部核实", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 3},
         {"name": "镇党委审核", "anchor": Anchor.ANCESTOR, "anchor_kind": "committee", "rule": SignOffRule.ANY,
          "time_limit_days": 3},
         {"name": "县委组织部审批", "anchor": Anchor.FIXED, "fixed_organization": tree.county.pk,
          "rule": SignOffRule.ALL, "time_limit_days": 4}],
        fields=[{"key": "details", "label": "困难情况", "type": "textarea", "required": True}], acting_user=users.admin)
    return SimpleNamespace(proof=proof, hardship=hardship, county_two=county_two)


@pytest.fixture
def grid(tree: Any, root_user: Any) -> SimpleNamespace:
    """A working committee with a branch, and a community grid branch under town B."""
    def org(parent: Any, name: str, kind: str, **extra: Any) -> Any:
        return do_create_organization(parent, {"name": name, "kind": kind, **extra}, acting_user=root_user)

    wc = org(tree.county, "县直机关工委", "working_committee")
    # (the grid's request matter and its worker are in ``grid_service`` below)
    wc_branch = org(wc, "县财政局机关党支部", "branch")
    grid_branch = org(tree.town_b, "幸福里社区网格党支部", "grid_branch", grid_type="community")
    return SimpleNamespace(wc=wc, wc_branch=wc_branch, grid_branch=grid_branch)


@pytest.fixture
def grid_service(tree: Any, users: Any, grid: Any, root_user: Any) -> SimpleNamespace:
    """A grid-service matter of the county (anyone may ask; one step at the grid branch, one
    working day) and a grid worker: a department handler on the grid branch."""
    worker = make_user("grid-worker", Role.DEPT_HANDLER, grid.grid_branch, acting_user=root_user)
    town_b = make_user("town-b-organizer", Role.ORGANIZER, tree.town_b, acting_user=root_user)
    matter = do_save_matter(tree.county, {
        "title": "社区诉求", "audience": Audience.PUBLIC, "time_limit_days": 5, "active": True, "grid_service": True},
        [{"name": "网格处理", "anchor": Anchor.OWN, "rule": SignOffRule.ANY, "time_limit_days": 1}],
        fields=[{"key": "name", "label": "姓名", "type": "text", "known": "name"},
                {"key": "what", "label": "诉求", "type": "textarea", "required": True}], acting_user=users.admin)
    return SimpleNamespace(matter=matter, worker=worker, town_b=town_b, grid=grid.grid_branch)
