"""The organization figures (orgs/figures.py): existence as of a day (established, created,
dissolved), branches, terms due."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core import stats
from dangjian.core.months import add_years
from dangjian.orgs.actions import do_update_organization

pytestmark = pytest.mark.django_db

TOTAL, BRANCHES, TERMS_DUE = (stats.get_figure(k) for k in ("orgs.total", "orgs.branches", "orgs.terms_due"))


@pytest.fixture
def orgs(tree: Any, root_user: Any) -> Any:
    """county 1950, towns 1960, branch_a1 2000, branch_a2 established 100 days ago, branch_b1 with no
    date (its record was created today)."""
    today = timezone.localdate()
    for org, day in ((tree.county, dt.date(1950, 1, 1)), (tree.town_a, dt.date(1960, 1, 1)),
                     (tree.town_b, dt.date(1960, 1, 1)), (tree.branch_a1, dt.date(2000, 1, 1)),
                     (tree.branch_a2, today - dt.timedelta(days=100))):
        do_update_organization(org, {"established_on": day}, acting_user=root_user)
    return tree


def test_organizations_existing_as_of_a_day(orgs, root_user):
    today = timezone.localdate()
    county = orgs.county.path
    earlier = today - dt.timedelta(days=200)
    assert stats.figure_value(TOTAL, county, earlier) == 4
    assert stats.breakdown(TOTAL, county, earlier, "kind") == {"committee": 3, "branch": 1}
    assert stats.figure_value(TOTAL, county, today) == 6
    assert stats.figure_value(TOTAL, county, today - dt.timedelta(days=1)) == 5  # branch_b1 not yet recorded


def test_a_deactivated_organization_is_dated_and_leaves_the_count(orgs, root_user):
    today = timezone.localdate()
    do_update_organization(orgs.branch_a1, {"is_active": False}, acting_user=root_user)
    orgs.branch_a1.refresh_from_db()
    assert orgs.branch_a1.dissolved_on == today
    assert stats.figure_value(TOTAL, orgs.county.path, today) == 5
    assert stats.figure_value(TOTAL, orgs.county.path, today - dt.timedelta(days=1)) == 5
    assert stats.figure_value(BRANCHES, orgs.town_a.path, today) == 1
    do_update_organization(orgs.branch_a1, {"is_active": True}, acting_user=root_user)
    orgs.branch_a1.refresh_from_db()
    assert orgs.branch_a1.dissolved_on is None
    assert stats.figure_value(TOTAL, orgs.county.path, today) == 6


def test_branches_by_kind_and_child(orgs):
    today = timezone.localdate()
    assert stats.figure_value(BRANCHES, orgs.county.path, today) == 3
    assert stats.breakdown(BRANCHES, orgs.county.path, today, stats.CHILD) == {orgs.town_a.path: 2,
                                                                               orgs.town_b.path: 1}
    assert [o.name for o in stats.filtered_rows(BRANCHES, orgs.county.path, today, {"kind": "branch"})] == [
        "甲镇一村党支部", "甲镇二村党支部", "乙镇社区党支部"]


def test_terms_due_within_90_days_or_ended(orgs, root_user):
    today = timezone.localdate()
    limit = today + dt.timedelta(days=90)
    terms = {
        orgs.county: (add_years(today + dt.timedelta(days=30), -3), 3),   # ends in 30 days
        orgs.town_a: (add_years(today, -5) - dt.timedelta(days=1), 5),    # ended yesterday
        orgs.town_b: (add_years(today + dt.timedelta(days=100), -3), 3),  # ends in 100 days
        orgs.branch_b1: (add_years(limit, -3), 3),                        # ends on the 90th day
    }
    for org, (start, years) in terms.items():
        do_update_organization(org, {"term_started_on": start, "term_years": years}, acting_user=root_user)
    due = stats.filtered_rows(TERMS_DUE, orgs.county.path, today)
    assert {o.name for o in due} == {orgs.county.name, orgs.town_a.name, orgs.branch_b1.name}
    row = TERMS_DUE.row(due[0])
    assert row["url"] == f"/orgs/{due[0].pk}/" and row["term_years"] == due[0].term_years
