"""督办: reminders before the deadline, escalation when overdue (idempotent), notes, the board."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dangjian.cases import CaseCategory, EventKind
from dangjian.cases.actions import do_accept_case, do_add_supervision_note, do_reply_case, run_supervision
from dangjian.cases.models import Case, CaseEvent
from dangjian.cases.selectors import board
from dangjian.cases.tasks import supervise_cases
from dangjian.core.models import Notification
from dangjian.core.scheduler import JOBS

TZ = timezone.get_default_timezone()


def at(y: int, m: int, d: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=TZ)


def recipients(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


@pytest.fixture
def case_at(make_case: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    def make(when: dt.datetime, **kw: Any) -> Any:
        monkeypatch.setattr(timezone, "now", lambda: when)
        case = make_case(**kw)
        monkeypatch.undo()
        return case
    return make


@pytest.mark.django_db
def test_job_is_registered() -> None:
    job = JOBS["cases.supervise"]
    assert job.task_path == "dangjian.cases.tasks.supervise_cases"


@pytest.mark.django_db
def test_reminder_one_working_day_before_then_escalation(case_at: Any, depts: Any, users: Any) -> None:
    # assigned Wed 30 Sep 2026, urgent (2 working days): due Fri 9 Oct (National Day in between)
    case = case_at(at(2026, 9, 30), category=CaseCategory.URGENT)
    assert case.deadline == dt.date(2026, 10, 9)
    # Thursday 8 Oct: the deadline is 1 working day away → reminder
    assert run_supervision(now=at(2026, 10, 7)) == {"reminded": 0, "escalated": 0, "co_escalated": 0}
    assert run_supervision(now=at(2026, 10, 8)) == {"reminded": 1, "escalated": 0, "co_escalated": 0}
    assert recipients("cases.reminder") == {depts.h1.pk, depts.h2.pk, depts.head.pk}
    # the job runs again the same day: nothing new
    assert run_supervision(now=at(2026, 10, 8, 15)) == {"reminded": 0, "escalated": 0, "co_escalated": 0}
    # on the deadline day it is still in time
    assert run_supervision(now=at(2026, 10, 9)) == {"reminded": 0, "escalated": 0, "co_escalated": 0}
    # Saturday 10 Oct (a make-up working day) it is overdue → escalated to head, supervisor, county admin
    assert run_supervision(now=at(2026, 10, 10)) == {"reminded": 0, "escalated": 1, "co_escalated": 0}
    assert recipients("cases.overdue") == {depts.head.pk, depts.supervisor.pk, users.admin.pk}
    assert run_supervision(now=at(2026, 10, 12)) == {"reminded": 0, "escalated": 0, "co_escalated": 0}
    assert Notification.objects.filter(kind="cases.overdue").count() == 3
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", "public"))
    assert (EventKind.REMINDED, False) in kinds and (EventKind.OVERDUE, False) in kinds


@pytest.mark.django_db
def test_replied_cases_are_not_escalated(case_at: Any, depts: Any) -> None:
    case = case_at(at(2026, 9, 30), category=CaseCategory.URGENT)
    do_accept_case(case, acting_user=depts.h1)
    do_reply_case(case, reply="已处理完毕，路灯恢复正常。", acting_user=depts.h1)
    assert run_supervision(now=at(2026, 10, 20)) == {"reminded": 0, "escalated": 0, "co_escalated": 0}


@pytest.mark.django_db
def test_task_runs_the_job(case_at: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    case_at(at(2026, 9, 1), category=CaseCategory.URGENT)
    result = supervise_cases.enqueue()  # ImmediateBackend in tests
    assert result.return_value == {"reminded": 0, "escalated": 1, "co_escalated": 0}
    assert supervise_cases.enqueue().return_value == {"reminded": 0, "escalated": 0, "co_escalated": 0}


@pytest.mark.django_db
def test_supervision_note(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    with pytest.raises(PermissionDenied):
        do_add_supervision_note(case, text="请加快办理", acting_user=depts.h1)
    do_add_supervision_note(case, text="请加快办理", acting_user=depts.supervisor)
    do_add_supervision_note(case, text="请于周五前答复", acting_user=users.admin)
    notes = CaseEvent.objects.filter(case=case, kind=EventKind.SUPERVISION)
    assert notes.count() == 2 and not notes.filter(public=True).exists()


@pytest.mark.django_db
def test_board_colours_and_bounded_queries(case_at: Any, depts: Any, users: Any,
                                           django_assert_max_num_queries: Any) -> None:
    today = dt.date(2026, 10, 12)  # Monday
    now = at(2026, 10, 12)
    case_at(at(2026, 9, 1), category=CaseCategory.URGENT)  # housing: overdue → red
    case_at(at(2026, 10, 9), category=CaseCategory.URGENT, dept=depts.transport)  # due 12 Oct → yellow
    for _ in range(3):
        case_at(at(2026, 10, 9), category=CaseCategory.SUGGESTION, dept=depts.transport)  # green
    with django_assert_max_num_queries(4):
        rows = {r.name: r for r in board(users.admin, now=now)}
    assert (rows["县住房和城乡建设局"].colour, rows["县住房和城乡建设局"].red) == ("red", 1)
    assert (rows["县交通运输局"].colour, rows["县交通运输局"].yellow, rows["县交通运输局"].green) == ("yellow", 1, 3)
    assert rows["乙镇综合办"].colour == "green" and rows["乙镇综合办"].total == 0
    # a department's supervisor sees their own department only; a town secretary sees none
    assert [r.name for r in board(depts.supervisor, now=now)] == ["县住房和城乡建设局"]
    assert board(users.secretary, now=now) == []
    # many more cases: still the same number of queries
    Case.objects.bulk_create([Case(
        number=f"AJX-{i}", title="x", source_kind="test", category="complaint", lead_department=depts.housing,
        org_path=depts.housing.org_path, deadline_days=1, deadline=today, created_at=timezone.now(),
    ) for i in range(200)])
    with django_assert_max_num_queries(4):
        rows = {r.name: r for r in board(users.admin, now=now)}
    assert rows["县住房和城乡建设局"].yellow == 200
