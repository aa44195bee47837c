from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.orglife.actions import do_close_activity, do_send_assembly_reminders, do_start_activity
from dangjian.orglife.compliance import branches_under, compliance_for, inactive_branches, quarter_bounds
from dangjian.orglife.conf import frequencies
from dangjian.orglife.models import ReminderMark
from dangjian.orglife.tests.conftest import at, plan
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

CLOSE = {"minutes": "会议按议程进行。", "chair": "张书记", "minute_taker": "李委员"}
TODAY = dt.date(2026, 11, 25)


def held(org: Any, user: Any, kind: str, starts_at: dt.datetime) -> Any:
    a = plan(org, user, kind=kind, starts_at=starts_at)
    do_start_activity(a, acting_user=user)
    return do_close_activity(a, CLOSE, acting_user=user)


def _kind(rows: list, org: Any, kind: str) -> Any:
    row = next(r for r in rows if r.branch.pk == org.pk)
    return next(k for k in row.kinds if k.kind == kind)


def test_default_frequencies_follow_domain_rules() -> None:
    f = frequencies()
    assert f["branch_assembly"] == ("quarter", 1) and f["committee_meeting"] == ("month", 1)
    assert f["group_meeting"] == ("month", 1) and f["party_lecture"] == ("quarter", 1)
    assert f["theme_day"] == ("month", 1) and f["life_meeting"] == ("year", 1) and f["member_review"] == ("year", 1)
    assert "heart_talk" not in f


def test_frequencies_are_overridable(settings: Any) -> None:
    settings.ORGLIFE = {"FREQUENCIES": {"party_lecture": ("month", 2)}}
    assert frequencies()["party_lecture"] == ("month", 2)
    assert frequencies()["branch_assembly"] == ("quarter", 1)


def test_quarter_boundary_is_in_shanghai_time(tree: Any, users: Any) -> None:
    # 23:30 on 31 March in Shanghai is Q1; 00:30 on 1 April (still 31 March in UTC) is Q2
    held(tree.branch_a1, users.secretary, "branch_assembly", at(2026, 3, 31, 23, 30))
    held(tree.branch_a1, users.secretary, "branch_assembly", at(2026, 4, 1, 0, 30))
    k = _kind(compliance_for([tree.branch_a1], 2026, today=TODAY), tree.branch_a1, "branch_assembly")
    assert (k.required, k.held, k.periods_met, k.periods_due) == (4, 2, 2, 3)
    assert k.missing_periods == [3] and k.behind


def test_year_boundary_is_in_shanghai_time(tree: Any, users: Any) -> None:
    held(tree.branch_a1, users.secretary, "life_meeting", at(2025, 12, 31, 23, 30))  # 2025
    held(tree.branch_a1, users.secretary, "theme_day", at(2026, 1, 1, 0, 30))  # 2026 (UTC: 2025-12-31)
    rows25 = compliance_for([tree.branch_a1], 2025, today=TODAY)
    rows26 = compliance_for([tree.branch_a1], 2026, today=TODAY)
    assert _kind(rows25, tree.branch_a1, "life_meeting").held == 1
    assert _kind(rows25, tree.branch_a1, "life_meeting").missing_periods == []
    assert _kind(rows26, tree.branch_a1, "life_meeting").held == 0
    assert _kind(rows25, tree.branch_a1, "theme_day").held == 0
    theme = _kind(rows26, tree.branch_a1, "theme_day")
    assert (theme.held, theme.periods_met, theme.required) == (1, 1, 12)
    assert theme.missing_periods == list(range(2, 11))  # February to October ended without one


def test_only_closed_activities_count_and_two_in_one_month_meet_one_period(tree: Any, users: Any) -> None:
    held(tree.branch_a1, users.secretary, "theme_day", at(2026, 5, 3))
    held(tree.branch_a1, users.secretary, "theme_day", at(2026, 5, 20))
    plan(tree.branch_a1, users.secretary, kind="theme_day", starts_at=at(2026, 6, 3))  # planned only
    k = _kind(compliance_for([tree.branch_a1], 2026, today=TODAY), tree.branch_a1, "theme_day")
    assert (k.held, k.periods_met) == (2, 1)


def test_group_and_committee_requirements_apply_only_where_they_exist(tree: Any, users: Any, root_user: Any) -> None:
    from dangjian.orgs.models import PartyGroup

    rows = compliance_for([tree.branch_a1], 2026, today=TODAY)
    assert not _kind(rows, tree.branch_a1, "group_meeting").applies
    assert not _kind(rows, tree.branch_a1, "committee_meeting").applies  # 2 members: no committee
    PartyGroup.objects.create(branch=tree.branch_a1, name="一组")
    for i in range(5):
        make_member(tree.branch_a1, f"成员{i}", acting_user=root_user)
    rows = compliance_for([tree.branch_a1], 2026, today=TODAY)
    assert _kind(rows, tree.branch_a1, "group_meeting").applies
    assert _kind(rows, tree.branch_a1, "committee_meeting").required == 12


def test_dashboard_queries_are_bounded(tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    held(tree.branch_a1, users.secretary, "branch_assembly", at(2026, 2, 1))
    branches = list(branches_under(tree.county))
    assert {b.pk for b in branches} == {tree.branch_a1.pk, tree.branch_a2.pk, tree.branch_b1.pk}
    with django_assert_max_num_queries(5):  # four, plus the committee seats (none here)
        rows = compliance_for(branches, 2026, today=TODAY)
    assert len(rows) == 3


def test_inactive_branches_flagged(tree: Any, users: Any, settings: Any) -> None:
    held(tree.branch_a1, users.secretary, "theme_day", timezone.now() - dt.timedelta(days=3))
    held(tree.branch_a2, users.organizer, "theme_day", timezone.now() - dt.timedelta(days=40))
    assert set(inactive_branches(tree.town_a).values_list("pk", flat=True)) == {tree.branch_a2.pk}
    rows = compliance_for(list(branches_under(tree.town_a)), timezone.localdate().year)
    assert {r.branch.pk: r.inactive for r in rows} == {tree.branch_a1.pk: False, tree.branch_a2.pk: True}
    settings.ORGLIFE = {"INACTIVE_DAYS": 60}
    assert not inactive_branches(tree.town_a).exists()


def test_quarter_bounds() -> None:
    assert quarter_bounds(2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert quarter_bounds(2026, 4) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_assembly_reminder_counts_working_days_and_runs_once(tree: Any, users: Any, settings: Any) -> None:
    settings.ORGLIFE = {"ASSEMBLY_REMINDER_WORKDAYS": 5}
    held(tree.branch_a1, users.secretary, "branch_assembly", at(2026, 8, 10))  # a1 is fine in Q3
    # 21 Sep: six working days left (the Mid-Autumn holiday on 25 Sep does not count) — too early
    assert do_send_assembly_reminders(dt.date(2026, 9, 21)) == 0
    # 22 Sep: five working days left (by weekends alone there would still be six)
    assert do_send_assembly_reminders(dt.date(2026, 9, 22)) == 2
    assert set(ReminderMark.objects.values_list("organization_id", flat=True)) == {tree.branch_a2.pk, tree.branch_b1.pk}
    notes = Notification.objects.filter(kind="orglife.reminder")
    assert notes.filter(recipient=users.organizer).count() == 1  # organizer of town_a: branch_a2
    assert not notes.filter(recipient=users.secretary).exists()  # branch_a1 held its assembly
    assert do_send_assembly_reminders(dt.date(2026, 9, 23)) == 0  # idempotent
    assert do_send_assembly_reminders(dt.date(2026, 9, 30)) == 0


def test_reminder_task_is_registered() -> None:
    from dangjian.core.scheduler import JOBS

    job = JOBS["orglife.assembly_reminders"]
    assert job.task_path == "dangjian.orglife.tasks.remind_missing_assemblies"
    from dangjian.orglife.tasks import remind_missing_assemblies

    assert remind_missing_assemblies.call() >= 0
