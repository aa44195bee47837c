"""Reminders before and warnings after the deadlines; idempotent; the scheduled job is registered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core.models import Notification
from dangjian.core.scheduler import JOBS
from dangjian.members.development import rules
from dangjian.members.development.actions import do_publish_notice, do_record_step
from dangjian.members.development.deadlines import run_deadline_checks
from dangjian.members.development.models import DeadlineNotice
from dangjian.members.development.tasks import development_deadlines
from dangjian.members.development.tests.helpers import advance, create, step_input

pytestmark = pytest.mark.django_db
APPLIED = dt.date(2025, 1, 31)


def _titles(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind="development.deadline").values_list("title", flat=True))


def test_talk_reminder_then_warning_once_each(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    due = rules.talk_due(APPLIED)
    assert due == dt.date(2025, 2, 28)
    assert run_deadline_checks(due - dt.timedelta(days=8)) == {"remind": 0, "overdue": 0}
    assert run_deadline_checks(due - dt.timedelta(days=7)) == {"remind": 1, "overdue": 0}
    assert run_deadline_checks(due - dt.timedelta(days=3)) == {"remind": 0, "overdue": 0}  # sent already
    assert run_deadline_checks(due) == {"remind": 0, "overdue": 0}
    assert run_deadline_checks(due + dt.timedelta(days=1)) == {"remind": 0, "overdue": 1}
    assert run_deadline_checks(due + dt.timedelta(days=2)) == {"remind": 0, "overdue": 0}
    # The branch secretary and the organizer above (both manage the branch) are told; others not.
    assert len(_titles(users.secretary)) == 2 and len(_titles(users.organizer)) == 2
    assert any("Overdue" in t or "逾期" in t for t in _titles(users.secretary))
    assert _titles(users.publicity) == [] and _titles(users.member) == []
    assert DeadlineNotice.objects.filter(file=f).count() == 2
    # Once the talk is recorded the deadline is gone.
    clock.set(due + dt.timedelta(days=3))
    do_record_step(f, 2, step_input(f, 2, clock.today, tree, late_reason="病假"), acting_user=users.secretary)
    f.refresh_from_db()
    assert f.next_due_on is None
    assert run_deadline_checks(due + dt.timedelta(days=4)) == {"remind": 0, "overdue": 0}


def test_approval_and_notice_reminders(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    f = advance(f, 12, tree, users, clock)
    f = do_publish_notice(f, start=clock.today, acting_user=users.secretary)
    sent = run_deadline_checks(clock.today)
    assert sent["remind"] == 1  # the notice ends within the reminder window
    assert DeadlineNotice.objects.filter(file=f, kind="notice.remind").exists()
    f = advance(f, 15, tree, users, clock)
    assert f.due_kind == "approval" and f.next_due_on == rules.approval_due(f.assembly_on)  # type: ignore[arg-type]
    assert run_deadline_checks(f.next_due_on + dt.timedelta(days=1))["overdue"] == 1  # type: ignore[operator]


def test_job_is_registered_and_task_runs(tree: Any, users: Any, clock: Any) -> None:
    job = JOBS["development.deadlines"]
    assert job.task_path == "dangjian.members.development.tasks.development_deadlines"
    clock.set(APPLIED)
    create(tree, users.secretary, APPLIED)
    clock.set(rules.talk_due(APPLIED) + dt.timedelta(days=1))
    result = development_deadlines.enqueue()
    assert result.return_value == {"remind": 0, "overdue": 1}


def test_half_yearly_assessment_of_activists(tree: Any, users: Any, clock: Any) -> None:
    """Step 6 is due every 6 months from the activist date (then from the last assessment): a
    reminder before, a warning after, once each; recording the assessment moves the next due date."""
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    f = advance(f, 5, tree, users, clock)
    due = rules.add_months(f.activist_on, 6)  # type: ignore[arg-type]
    remind_day = due - dt.timedelta(days=rules.config("REMIND_DAYS_BEFORE"))
    assert run_deadline_checks(remind_day - dt.timedelta(days=1)) == {"remind": 0, "overdue": 0}
    assert run_deadline_checks(remind_day) == {"remind": 1, "overdue": 0}
    assert run_deadline_checks(remind_day) == {"remind": 0, "overdue": 0}  # idempotent
    assert run_deadline_checks(due + dt.timedelta(days=1)) == {"remind": 0, "overdue": 1}
    assert DeadlineNotice.objects.filter(file=f, kind__startswith="assessment.").count() == 2
    titles = _titles(users.secretary)
    assert any(f.person.name in t for t in titles) and len(titles) == 2
    # the assessment is recorded late; the next one is due 6 months after it
    clock.set(due + dt.timedelta(days=3))
    do_record_step(f, 6, step_input(f, 6, clock.today, tree), acting_user=users.secretary)
    nxt = rules.add_months(clock.today, 6)
    assert run_deadline_checks(clock.today) == {"remind": 0, "overdue": 0}
    assert run_deadline_checks(nxt - dt.timedelta(days=2))["remind"] >= 1
    assert DeadlineNotice.objects.filter(file=f, kind="assessment.remind", due_on=nxt).exists()


def test_step_7_heads_up_before_the_earliest_day(tree: Any, users: Any, clock: Any) -> None:
    """Before an activist reaches more than one year, the branch is told the earliest day for
    step 7 (once), so the confirmation is not held too early."""
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    f = advance(f, 6, tree, users, clock)
    earliest = rules.candidate_earliest(f.activist_on)  # type: ignore[arg-type]
    week = rules.config("REMIND_DAYS_BEFORE")
    run_deadline_checks(earliest - dt.timedelta(days=week + 1))
    assert not DeadlineNotice.objects.filter(file=f, kind="candidate.earliest").exists()
    run_deadline_checks(earliest - dt.timedelta(days=week))
    run_deadline_checks(earliest - dt.timedelta(days=1))
    notices = DeadlineNotice.objects.filter(file=f, kind="candidate.earliest")
    assert notices.count() == 1 and notices.get().due_on == earliest
    assert any(earliest.isoformat() in t for t in _titles(users.secretary))


def test_half_yearly_assessment_of_probationary_members(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    f = advance(f, 20, tree, users, clock)
    due = rules.add_months(f.assembly_on, 6)  # type: ignore[arg-type]
    if due < clock.today:  # the walk took longer than 6 months: the assessment is already late
        assert run_deadline_checks(clock.today)["overdue"] >= 1
    else:
        assert run_deadline_checks(due - dt.timedelta(days=1))["remind"] >= 1
    assert DeadlineNotice.objects.filter(file=f, step=20, kind__startswith="assessment.", due_on=due).exists()
    clock.set(clock.today + dt.timedelta(days=1))
    do_record_step(f, 21, step_input(f, 21, clock.today, tree), acting_user=users.secretary)
    nxt = rules.add_months(clock.today, 6)
    run_deadline_checks(nxt + dt.timedelta(days=1))
    assert DeadlineNotice.objects.filter(file=f, step=21, kind="assessment.overdue", due_on=nxt).exists()
