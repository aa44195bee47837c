"""舆情 fast lane: due in hours, leaders alerted at once, a public statement timeline, escalation by the hour."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.cases.actions import (
    do_accept_case,
    do_open_incident,
    do_publish_statement,
    do_reply_case,
    run_incident_supervision,
)
from dangjian.cases.models import Case
from dangjian.cases.selectors import board, case_timeline, filter_cases
from dangjian.cases.tasks import supervise_incidents
from dangjian.core.models import Notification
from dangjian.core.scheduler import JOBS

TZ = timezone.get_default_timezone()
SUMMARY = "网传某小区供水异常，多人反映水有异味。"


def open_incident(depts: Any, users: Any, hours: int | None = 4) -> Any:
    return do_open_incident(title="小区供水异常舆情", summary=SUMMARY, lead_department=depts.housing, hours=hours,
                            acting_user=users.admin)


@pytest.mark.django_db
def test_incident_is_due_in_hours_and_alerts_leaders_at_once(depts: Any, users: Any,
                                                             django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = open_incident(depts, users)
    assert case.category == "incident" and case.source_kind == "incident"
    assert case.due_at == case.assigned_at + dt.timedelta(hours=4)
    assert case.deadline == timezone.localdate(case.due_at)
    leaders = set(Notification.objects.filter(kind="cases.incident").values_list("recipient_id", flat=True))
    assert leaders == {depts.head.pk, depts.supervisor.pk, users.admin.pk}
    # handlers get the ordinary assignment notice as well
    assert depts.h1.pk in set(Notification.objects.filter(kind="cases.assigned").values_list("recipient_id", flat=True))


@pytest.mark.django_db
def test_incident_hours_validated_and_configurable(depts: Any, users: Any, settings: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        open_incident(depts, users, hours=0)
    assert "hours" in exc.value.message_dict
    assert not Case.objects.exists()
    settings.CASES_INCIDENT_HOURS = 2
    case = open_incident(depts, users, hours=None)
    assert case.due_at == case.assigned_at + dt.timedelta(hours=2)


@pytest.mark.django_db
def test_overdue_by_the_hour_escalates_once_and_turns_red(depts: Any, users: Any) -> None:
    case = open_incident(depts, users)
    assert JOBS["cases.supervise_incidents"].cron == "*/15 * * * *"
    before = case.due_at - dt.timedelta(minutes=1)
    after = case.due_at + dt.timedelta(minutes=1)
    assert run_incident_supervision(now=before) == {"escalated": 0}
    rows = {r.name: r for r in board(users.admin, now=before)}
    assert rows["县住房和城乡建设局"].colour == "yellow"
    assert not case.is_overdue() or timezone.now() > case.due_at
    assert run_incident_supervision(now=after) == {"escalated": 1}
    assert run_incident_supervision(now=after) == {"escalated": 0}
    rows = {r.name: r for r in board(users.admin, now=after)}
    assert rows["县住房和城乡建设局"].colour == "red"
    assert list(filter_cases(Case.objects.all(), overdue=True, now=after)) == [case]
    assert list(filter_cases(Case.objects.all(), overdue=True, now=before)) == []


@pytest.mark.django_db
def test_task_escalates_past_incidents(depts: Any, users: Any) -> None:
    case = open_incident(depts, users, hours=1)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert supervise_incidents.enqueue().return_value == {"escalated": 1}


@pytest.mark.django_db
def test_public_statements_timeline(depts: Any, users: Any) -> None:
    case = open_incident(depts, users)
    with pytest.raises(PermissionDenied):
        do_publish_statement(case, text="经初步核查，供水管道维修导致水质浑浊。", acting_user=depts.h1)
    with pytest.raises(ValidationError):
        do_publish_statement(case, text="短", acting_user=users.admin)
    do_publish_statement(case, text="经初步核查，供水管道维修导致水质浑浊。", acting_user=users.admin)
    do_accept_case(case, acting_user=depts.h1)
    do_publish_statement(case, text="管道已修复，水质检测合格，恢复正常供水。", acting_user=depts.head)
    do_reply_case(case, reply="已完成管道抢修并公布水质检测结果。", acting_user=depts.h1)
    kinds = [s["kind"] for s in case_timeline(case)]
    assert kinds == ["assigned", "statement", "accepted", "statement", "replied"]
    page = Client().get(f"/cases/incidents/{case.number}/")
    html = page.content.decode()
    assert page.status_code == 200 and "管道已修复" in html and "housing-1" not in html
    assert Client().get("/cases/incidents/AJ1999-000001/").status_code == 404


@pytest.mark.django_db
def test_statements_only_on_incidents(make_case: Any, users: Any) -> None:
    with pytest.raises(ValidationError):
        do_publish_statement(make_case(), text="这不是舆情交办件，不应发布通报。", acting_user=users.admin)


@pytest.mark.django_db
def test_incident_pages(depts: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.admin)
    assert c.get("/cases/incidents/new/").status_code == 200
    assert c.post("/cases/incidents/new/", {"title": "", "hours": "0"}).status_code == 400
    ok = c.post("/cases/incidents/new/", {"title": "小区供水异常舆情", "summary": SUMMARY,
                                          "lead_department": depts.housing.pk, "hours": 6})
    assert ok.status_code == 302
    case = Case.objects.get(source_kind="incident")
    assert 'id="statement-form"' in c.get(f"/cases/{case.pk}/").content.decode()
    assert c.post(f"/cases/statement/{case.pk}/", {"text": "经初步核查，供水管道维修导致水质浑浊。"}).status_code == 302
    h = Client()
    h.force_login(depts.h1)
    assert h.get("/cases/incidents/new/").status_code == 403
