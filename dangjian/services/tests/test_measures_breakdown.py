"""Measures per matter and per organization: the counted figures split by matter (dimension
``matter``) and by child organization, side by side on the measures page with the on-time rate,
the rounds of returns, 补正 and re-submissions, the working days per step and the rating."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.services.actions import (
    do_rate_application,
    do_request_supplement,
    do_resubmit_application,
    do_return_application,
    do_sign_step,
    do_submit_application,
    do_supply_material,
)
from dangjian.services.figures import measures
from dangjian.testing.figures import value
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(tree: Any, users: Any, sv: Any, grid_service: Any) -> Any:
    """Proof: one approved on time (rated 4) after a return and a resubmission, one waiting for
    material twice. Hardship: one submitted. Grid (town B): two requests, one resolved."""
    proof = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    do_return_application(proof, "用途不对", acting_user=users.secretary)
    do_resubmit_application(proof, {"purpose": "就业"}, acting_user=users.member)
    do_sign_step(proof, "approve", acting_user=users.secretary)
    do_sign_step(proof, "approve", acting_user=users.admin)
    do_rate_application(proof, 4, acting_user=users.member)
    waiting = do_submit_application(sv.proof, {"purpose": "入学"}, acting_user=users.member)
    for note in ("第一次", "第二次"):
        do_request_supplement(waiting, "请补充", acting_user=users.secretary)
        do_supply_material(waiting, {"note": note}, acting_user=users.member)
    do_submit_application(sv.hardship, {"details": "因病致困"}, acting_user=users.member)
    grid_a = do_submit_application(grid_service.matter, {"what": "路灯"}, organization=grid_service.grid.pk,
                                   acting_user=users.public)
    do_sign_step(grid_a, "approve", "已修复", acting_user=grid_service.worker)
    do_submit_application(grid_service.matter, {"what": "噪音"}, organization=grid_service.grid.pk,
                          acting_user=users.public)
    return sv


def test_per_matter_rows_add_up_to_the_figures(tree: Any, year: Any, grid_service: Any) -> None:
    today = timezone.localdate()
    rows = {r["key"]: r for r in measures(tree.county.path, today, "matter")}
    proof, hardship, grid = rows[str(year.proof.pk)], rows[str(year.hardship.pk)], rows[str(grid_service.matter.pk)]
    assert proof["label"] == "党员身份证明"
    assert (proof["received"], proof["decided"], proof["on_time"], proof["on_time_rate"]) == (2, 1, 1,
                                                                                                Decimal("100.0"))
    assert (proof["returned"], proof["returns"], proof["resubmitted"], proof["resubmissions"]) == (1, 1, 1, 1)
    assert (proof["supplemented"], proof["supplement_rounds"]) == (1, 2)
    assert (proof["rated"], proof["rating"]) == (1, Decimal("4.0"))
    assert proof["step_days"] is not None
    assert (hardship["received"], hardship["decided"], hardship["on_time_rate"], hardship["step_days"]) == (
        1, 0, None, None)
    assert (grid["received"], grid["decided"], grid["on_time"]) == (2, 1, 1)
    for key in ("received", "decided", "on_time", "returned", "supplemented", "resubmitted", "rated"):
        assert sum(r[key] for r in rows.values()) == value(f"services.{key}", tree.county, today)
        assert proof[key] == value(f"services.{key}", tree.county, today, matter=str(year.proof.pk))


def test_per_organization_rows_are_the_child_subtrees(tree: Any, year: Any, grid_service: Any) -> None:
    today = timezone.localdate()
    rows = {r["key"]: r for r in measures(tree.county.path, today, "child")}
    assert set(rows) == {tree.town_a.path, tree.town_b.path}
    assert (rows[tree.town_a.path]["label"], rows[tree.town_a.path]["received"]) == (tree.town_a.name, 3)
    assert (rows[tree.town_b.path]["received"], rows[tree.town_b.path]["decided"]) == (2, 1)
    assert rows[tree.town_b.path]["received"] == value("services.received", tree.town_b, today)
    assert [r["key"] for r in measures(tree.town_b.path, today, "child")] == [grid_service.grid.path]


def test_the_measures_page_is_scoped_and_bounded(tree: Any, users: Any, sv: Any, year: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    client = Client()
    client.login(username=users.admin.username, password=PASSWORD)
    with django_assert_max_num_queries(60) as first:
        page = client.get("/services/measures/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="measures-matter"' in html and tree.town_b.name in html
    for _ in range(5):
        do_submit_application(sv.hardship, {"details": "困难"}, acting_user=users.member)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/services/measures/")
    town = Client()
    town.login(username=users.organizer.username, password=PASSWORD)
    html = town.get("/services/measures/").content.decode()
    assert tree.town_a.name in html and tree.town_b.name not in html  # town A's own subtree only
    assert town.get(f"/services/measures/?org={tree.town_b.pk}").status_code == 404
    member = Client()
    member.login(username=users.member.username, password=PASSWORD)
    assert member.get("/services/measures/").status_code == 403
