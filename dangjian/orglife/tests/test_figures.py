"""Organizational life's figures against hand-counted meetings held through the actions (2026, the
default frequencies; the fixture's branches are small and have no party groups, so committee and
group meetings are not required of them):
    branch_a1  assembly 10 Jan, party lecture 10 Feb, theme days 5 Jan, 5 Feb, 5 Mar
    branch_a2  theme days 5 Jan, 5 Feb
    branch_b1  theme day 20 Dec 2025 only; a theme day planned for 5 Mar 2026 and never held
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dangjian.core import stats
from dangjian.orglife.actions import do_close_activity, do_start_activity
from dangjian.orglife.tests.conftest import at, plan
from dangjian.orgs.models import Organization
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db

CLOSE = {"minutes": "会议按议程进行。", "chair": "张书记", "minute_taker": "李委员"}


def held(org: Any, user: Any, kind: str, starts_at: dt.datetime, **close: Any) -> Any:
    a = plan(org, user, kind=kind, starts_at=starts_at)
    do_start_activity(a, acting_user=user)
    return do_close_activity(a, {**CLOSE, **close}, acting_user=user)


@pytest.fixture
def meetings(tree: Any, users: Any) -> None:
    Organization.objects.update(established_on=dt.date(2020, 1, 1))
    a1, a2, b1, admin = tree.branch_a1, tree.branch_a2, tree.branch_b1, users.admin
    held(a1, admin, "branch_assembly", at(2026, 1, 10))
    held(a1, admin, "party_lecture", at(2026, 2, 10), lecturer=tree.alice.pk)
    for month in (1, 2, 3):
        held(a1, admin, "theme_day", at(2026, month, 5))
    for month in (1, 2):
        held(a2, admin, "theme_day", at(2026, month, 5))
    held(b1, admin, "theme_day", at(2025, 12, 20))
    plan(b1, admin, kind="theme_day", starts_at=at(2026, 3, 5))


def test_end_of_march(tree: Any, meetings: None) -> None:
    day = dt.date(2026, 3, 31)  # January–March and the first quarter have ended
    assert value("orglife.noncompliant", tree.county, day) == 2             # a2 (March, Q1), b1 (all)
    assert value("orglife.compliance_rate", tree.county, day) == Decimal("33.3")
    assert value("orglife.compliance_rate", tree.branch_a1, day) == Decimal("100.0")
    assert value("orglife.meetings", tree.county, day) == 7
    assert value("orglife.meetings", tree.county, day, kind="theme_day") == 5
    fig = figure("orglife.meetings")
    assert stats.breakdown(fig, tree.county.path, day, stats.CHILD) == {tree.town_a.path: 7}
    rows = list(stats.filtered_rows(figure("orglife.noncompliant"), tree.county.path, day))
    a2 = next(o for o in rows if o.pk == tree.branch_a2.pk)
    assert (a2.miss_theme_day, a2.miss_branch_assembly, a2.miss_party_lecture, a2.miss_life_meeting) == (
        True, True, True, False)


def test_as_of_earlier_dates(tree: Any, meetings: None) -> None:
    end_of_february = dt.date(2026, 2, 28)  # only January and February have ended
    assert value("orglife.noncompliant", tree.county, end_of_february) == 1   # b1
    assert value("orglife.compliance_rate", tree.county, end_of_february) == Decimal("66.7")
    assert value("orglife.meetings", tree.county, end_of_february) == 6
    mid_january = dt.date(2026, 1, 15)  # no period has ended yet
    assert value("orglife.compliance_rate", tree.county, mid_january) == Decimal("100.0")
    assert value("orglife.meetings", tree.county, dt.date(2025, 12, 31)) == 1  # b1's, in 2025
    # A branch established after the day is not counted.
    Organization.objects.filter(pk=tree.branch_b1.pk).update(established_on=dt.date(2026, 3, 1))
    assert value("orglife.compliance_rate", tree.county, end_of_february) == Decimal("100.0")


def test_records_page_and_scope(client: Any, tree: Any, users: Any, meetings: None) -> None:
    day = dt.date(2026, 3, 31)
    response = assert_records(client, users.admin, "orglife.noncompliant", tree.county, day, 2)
    assert "甲镇二村党支部" in response.content.decode()
    assert_records(client, users.admin, "orglife.meetings", tree.county, day, 7)
    admin = assert_records(client, users.admin, "orglife.meetings", tree.branch_a1, day, 5)
    own = assert_records(client, users.secretary, "orglife.meetings", tree.branch_a1, day, 5)
    assert admin.context["rows"] == own.context["rows"]
    assert figure("orglife.compliance_rate").drill_key == "orglife.noncompliant"
    assert_not_found(client, users.publicity, "orglife.meetings", tree.town_a, day)      # no orglife.view
    assert_not_found(client, users.secretary, "orglife.noncompliant", tree.town_a, day)  # outside the scope
