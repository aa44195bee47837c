"""协办: co-departments owe their input; the lead replies only once it is in (or waived); overdue
co-departments are escalated once; their cooperation shows on the case and the public timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.cases import CaseCategory, CaseState, CoInputState, EventKind
from dangjian.cases.actions import (
    do_accept_case,
    do_reassign_case,
    do_reply_case,
    do_send_back_case,
    do_submit_co_input,
    do_waive_co_input,
    run_supervision,
)
from dangjian.cases.models import CaseEvent, CoInput
from dangjian.cases.selectors import case_timeline
from dangjian.core.models import AuditEvent, Notification

TZ = timezone.get_default_timezone()
REPLY = "已协调交通部门处理，路灯已修复。"


def at(y: int, m: int, d: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=TZ)


@pytest.fixture
def co_case(make_case: Any, depts: Any) -> Any:
    return make_case(co_departments=[depts.transport, depts.town_office])


@pytest.mark.django_db
def test_assignment_creates_one_owed_input_per_co_department(co_case: Any, depts: Any) -> None:
    rows = list(CoInput.objects.filter(case=co_case).order_by("department__name"))
    assert {r.department_id for r in rows} == {depts.transport.pk, depts.town_office.pk}
    assert all(r.state == CoInputState.PENDING for r in rows)
    # due 3 working days after assignment, never after the case's own deadline
    assert all(r.deadline <= co_case.deadline for r in rows)


@pytest.mark.django_db
def test_lead_cannot_reply_until_inputs_are_in(co_case: Any, depts: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    do_accept_case(co_case, acting_user=depts.h1)
    with pytest.raises(ValidationError) as exc:
        do_reply_case(co_case, reply=REPLY, acting_user=depts.h1)
    assert "县交通运输局" in str(exc.value) and "乙镇综合办" in str(exc.value)
    with django_capture_on_commit_callbacks(execute=True):
        do_submit_co_input(co_case, depts.transport, text="我局已安排检修车辆。", acting_user=depts.t1)
    with pytest.raises(ValidationError):
        do_reply_case(co_case, reply=REPLY, acting_user=depts.h1)
    with django_capture_on_commit_callbacks(execute=True):
        do_submit_co_input(co_case, depts.town_office, text="镇里已核实现场情况。", acting_user=depts.b1)
    do_reply_case(co_case, reply=REPLY, acting_user=depts.h1)
    assert co_case.state == CaseState.REPLIED
    assert AuditEvent.objects.filter(action="case.co_input").count() == 2
    # the lead department was told each time an input arrived
    assert Notification.objects.filter(kind="cases.co_input", recipient=depts.h1).count() == 2


@pytest.mark.django_db
def test_supervisor_waives_an_input(co_case: Any, depts: Any, users: Any) -> None:
    do_submit_co_input(co_case, depts.transport, text="我局已安排检修车辆。", acting_user=depts.t1)
    # a handler of the lead department is no supervisor
    with pytest.raises(PermissionDenied):
        do_waive_co_input(co_case, depts.town_office, reason="镇里无人答复", acting_user=depts.h1)
    with pytest.raises(ValidationError) as exc:
        do_waive_co_input(co_case, depts.town_office, reason="", acting_user=depts.supervisor)
    assert "reason" in exc.value.message_dict
    do_waive_co_input(co_case, depts.town_office, reason="镇里已口头答复", acting_user=depts.supervisor)
    assert CoInput.objects.get(case=co_case, department=depts.town_office).state == CoInputState.WAIVED
    do_accept_case(co_case, acting_user=depts.h1)
    # a given input cannot be waived, a waived one cannot be given afterwards
    with pytest.raises(ValidationError):
        do_waive_co_input(co_case, depts.transport, reason="不再等待", acting_user=users.admin)
    with pytest.raises(ValidationError):
        do_submit_co_input(co_case, depts.town_office, text="补充意见如下。", acting_user=depts.b1)
    do_reply_case(co_case, reply=REPLY, acting_user=depts.h1)
    assert co_case.state == CaseState.REPLIED


@pytest.mark.django_db
def test_only_the_co_departments_own_people_give_its_input(co_case: Any, depts: Any, users: Any) -> None:
    # the lead department's handler, another co-department's handler, staff: refused
    for user in (depts.h1, depts.b1, users.admin):
        with pytest.raises(PermissionDenied):
            do_submit_co_input(co_case, depts.transport, text="我局已安排检修车辆。", acting_user=user)
    # a department that is not a co-department of this case
    other = CoInput.objects.filter(case=co_case).count()
    with pytest.raises(ValidationError):
        do_submit_co_input(co_case, depts.housing, text="我局意见如下。", acting_user=depts.h1)
    assert CoInput.objects.filter(case=co_case).count() == other
    with pytest.raises(ValidationError) as exc:
        do_submit_co_input(co_case, depts.transport, text="好", acting_user=depts.t1)
    assert "text" in exc.value.message_dict
    assert CoInput.objects.get(case=co_case, department=depts.transport).state == CoInputState.PENDING


@pytest.mark.django_db
def test_public_timeline_shows_cooperation_without_its_text(co_case: Any, depts: Any) -> None:
    do_submit_co_input(co_case, depts.transport, text="内部意见：需财政追加预算。", acting_user=depts.t1)
    do_waive_co_input(co_case, depts.town_office, reason="镇里已口头答复", acting_user=depts.supervisor)
    steps = case_timeline(co_case)
    kinds = [s["kind"] for s in steps]
    assert kinds == [EventKind.ASSIGNED, EventKind.CO_INPUT, EventKind.CO_WAIVED]
    assert steps[1]["department"] == "县交通运输局" and "县交通运输局" in steps[1]["text"]
    assert all("财政" not in s["text"] and "口头" not in s["text"] for s in steps)


@pytest.mark.django_db
def test_overdue_co_department_is_escalated_once(make_case: Any, depts: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # assigned Wed 30 Sep 2026, complaint (10 working days); co-input due 3 working days later:
    # (counted like the case deadline: 30 Sep, then National Day 1–8 Oct, 9 Oct, and Saturday 10 Oct,
    # a make-up working day)
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 9, 30))
    case = make_case(category=CaseCategory.COMPLAINT, co_departments=[depts.transport])
    monkeypatch.undo()
    co_input = CoInput.objects.get(case=case)
    assert co_input.deadline == dt.date(2026, 10, 10)
    assert run_supervision(now=at(2026, 10, 10))["co_escalated"] == 0
    assert run_supervision(now=at(2026, 10, 12))["co_escalated"] == 1
    assert run_supervision(now=at(2026, 10, 12, 15))["co_escalated"] == 0
    told = set(Notification.objects.filter(kind="cases.overdue").values_list("recipient_id", flat=True))
    # the lead department (waiting), the lead's supervisor, the county admin above both
    assert {depts.h1.pk, depts.h2.pk, depts.head.pk, depts.supervisor.pk} <= told
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CO_OVERDUE, public=False).count() == 1


@pytest.mark.django_db
def test_given_input_is_not_escalated(make_case: Any, depts: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at(2026, 9, 30))
    case = make_case(category=CaseCategory.COMPLAINT, co_departments=[depts.transport])
    monkeypatch.undo()
    do_submit_co_input(case, depts.transport, text="我局已安排检修车辆。", acting_user=depts.t1)
    assert run_supervision(now=at(2026, 10, 20))["co_escalated"] == 0


@pytest.mark.django_db
def test_reassignment_keeps_given_inputs_and_drops_owed_ones(co_case: Any, depts: Any, users: Any) -> None:
    do_submit_co_input(co_case, depts.transport, text="我局已安排检修车辆。", acting_user=depts.t1)
    do_send_back_case(co_case, reason="不属于本局职责", acting_user=depts.h1)
    do_reassign_case(co_case, lead_department=depts.town_office, co_departments=[depts.transport, depts.housing],
                     acting_user=users.admin)
    rows = {r.department_id: r.state for r in CoInput.objects.filter(case=co_case)}
    assert rows == {depts.transport.pk: CoInputState.SUBMITTED, depts.housing.pk: CoInputState.PENDING}


@pytest.mark.django_db
def test_case_page_co_department_form_and_waive(co_case: Any, depts: Any) -> None:
    t = Client()
    t.force_login(depts.t1)
    html = t.get(f"/cases/{co_case.pk}/").content.decode()
    assert 'id="co-inputs"' in html and "co-input-form" in html and 'id="accept-case"' not in html
    bad = t.post(f"/cases/co_input/{co_case.pk}/", {"department": depts.transport.pk, "text": ""})
    assert bad.status_code == 400
    # naming a co-department one does not act for: 404, nothing written
    assert t.post(f"/cases/co_input/{co_case.pk}/", {"department": depts.town_office.pk,
                                                     "text": "我局已安排检修车辆。"}).status_code == 404
    ok = t.post(f"/cases/co_input/{co_case.pk}/", {"department": depts.transport.pk, "text": "我局已安排检修车辆。"})
    assert ok.status_code == 302
    assert CoInput.objects.get(case=co_case, department=depts.transport).state == CoInputState.SUBMITTED
    # the lead department sees the input text on the case
    h = Client()
    h.force_login(depts.h1)
    do_accept_case(co_case, acting_user=depts.h1)
    html = h.get(f"/cases/{co_case.pk}/").content.decode()
    assert "我局已安排检修车辆。" in html and 'id="co-pending"' in html and "乙镇综合办" in html
    # the supervisor waives the town office's input from the page; the handler cannot
    assert h.post(f"/cases/waive/{co_case.pk}/", {"department": depts.town_office.pk,
                                                 "reason": "不再等待"}).status_code in (403, 302)
    assert CoInput.objects.get(case=co_case, department=depts.town_office).state == CoInputState.PENDING
    s = Client()
    s.force_login(depts.supervisor)
    assert s.post(f"/cases/waive/{co_case.pk}/", {"department": depts.town_office.pk,
                                                 "reason": "镇里已口头答复"}).status_code == 302
    assert CoInput.objects.get(case=co_case, department=depts.town_office).state == CoInputState.WAIVED
    assert 'id="co-pending"' not in h.get(f"/cases/{co_case.pk}/").content.decode()


@pytest.mark.django_db
def test_incident_co_departments_answer_within_the_hours(depts: Any, users: Any) -> None:
    from dangjian.cases.actions import do_open_incident

    case = do_open_incident(title="网传某小区停水三天", summary="网络舆情：小区停水。", lead_department=depts.housing,
                            co_departments=[depts.transport], hours=4, acting_user=users.admin)
    assert CoInput.objects.get(case=case).deadline <= case.deadline == timezone.localdate(case.due_at)


@pytest.mark.django_db
def test_api_co_input(co_case: Any, depts: Any) -> None:
    login = Client().post("/api/v1/auth/login", {"username": depts.t1.username, "password": "correct-horse-battery-9"},
                          content_type="application/json")
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    c = Client()
    detail = c.get(f"/api/v1/cases/{co_case.pk}", headers=auth).json()
    assert {ci["state"] for ci in detail["co_inputs"]} == {"pending"}
    ok = c.post(f"/api/v1/cases/{co_case.pk}/co-input", {"text": "我局已安排检修车辆。"},
                content_type="application/json", headers=auth)
    assert ok.status_code == 200, ok.content
    mine = [ci for ci in ok.json()["co_inputs"] if ci["department"]["id"] == depts.transport.pk]
    assert mine[0]["state"] == "submitted" and mine[0]["text"] == "我局已安排检修车辆。"
    again = c.post(f"/api/v1/cases/{co_case.pk}/co-input", {"text": "再补充一点。"},
                   content_type="application/json", headers=auth)
    assert again.status_code == 400 and again.json()["field"] == "state"
    # the lead department's handler is not a co-department: 404
    login = Client().post("/api/v1/auth/login", {"username": depts.h1.username, "password": "correct-horse-battery-9"},
                          content_type="application/json")
    lead = {"Authorization": f"Bearer {login.json()['token']}"}
    assert c.post(f"/api/v1/cases/{co_case.pk}/co-input", {"text": "我局意见如下。"},
                  content_type="application/json", headers=lead).status_code == 404
