"""The case transitions: one function each, illegal steps refused, every step audited and on the timeline."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.cases import CaseState, EventKind, Rating
from dangjian.cases.actions import (
    do_accept_case,
    do_add_department_member,
    do_assign_case,
    do_close_case,
    do_create_department,
    do_reassign_case,
    do_reopen_case,
    do_reply_case,
    do_send_back_case,
    do_start_case,
    rate_case_from_source,
)
from dangjian.cases.models import CaseEvent
from dangjian.cases.selectors import case_timeline
from dangjian.cases.tests.conftest import STEPS
from dangjian.core.models import AuditEvent, Notification

REPLY = "已安排维修人员更换灯泡，路灯今晚恢复照明。"


def audit_actions(case: Any) -> list[str]:
    return list(AuditEvent.objects.filter(target_type="cases.case", target_id=str(case.pk))
                .order_by("pk").values_list("action", flat=True))


@pytest.mark.django_db
def test_full_path_assign_accept_start_reply_rate_close(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    assert case.state == CaseState.ASSIGNED and case.number.startswith("AJ")
    do_accept_case(case, acting_user=depts.h1)
    assert case.state == CaseState.ACCEPTED and case.handler == depts.h1
    do_start_case(case, acting_user=depts.h1)
    do_reply_case(case, reply=REPLY, acting_user=depts.h2)
    assert case.state == CaseState.REPLIED and case.reply == REPLY
    rate_case_from_source(case, Rating.SATISFIED, acting_user=None)
    assert case.state == CaseState.RATED and case.rating == Rating.SATISFIED
    do_close_case(case, acting_user=users.admin)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at is not None
    assert audit_actions(case) == ["case.assigned", "case.accepted", "case.started", "case.replied", "case.rated",
                                   "case.closed"]
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["assigned", "accepted", "started", "replied", "rated", "closed"]
    # the source module was told about every public step
    assert [k for no, k in STEPS if no == case.number] == kinds


@pytest.mark.django_db
def test_assignment_notifies_the_departments_handlers(make_case: Any, depts: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case()
    recipients = set(Notification.objects.filter(kind="cases.assigned").values_list("recipient_id", flat=True))
    assert recipients == {depts.h1.pk, depts.h2.pk, depts.head.pk}
    assert all(case.number in n.title for n in Notification.objects.filter(kind="cases.assigned"))


@pytest.mark.django_db
def test_only_the_lead_departments_people_act(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    for outsider in (depts.t1, depts.supervisor, users.handler, users.secretary):
        with pytest.raises(PermissionDenied):
            do_accept_case(case, acting_user=outsider)
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED


@pytest.mark.django_db
def test_illegal_transitions_are_refused_with_a_message(make_case: Any, depts: Any) -> None:
    case = make_case()
    with pytest.raises(ValidationError) as exc:
        do_reply_case(case, reply=REPLY, acting_user=depts.h1)
    assert "“Assigned”" in str(exc.value) or "已交办" in str(exc.value)
    with pytest.raises(ValidationError):
        do_start_case(case, acting_user=depts.h1)
    do_accept_case(case, acting_user=depts.h1)
    with pytest.raises(ValidationError, match="already been accepted"):
        do_accept_case(case, acting_user=depts.h2)
    with pytest.raises(ValidationError):
        do_send_back_case(case, reason="不属于本部门职责", acting_user=depts.h1)


@pytest.mark.django_db
def test_send_back_needs_a_reason_then_reassign(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    with pytest.raises(ValidationError) as exc:
        do_send_back_case(case, reason=" ", acting_user=depts.h1)
    assert "reason" in exc.value.message_dict
    do_send_back_case(case, reason="路灯属于交通局管理的公路段", acting_user=depts.h1)
    assert case.state == CaseState.SENT_BACK and case.send_back_count == 1
    with pytest.raises(PermissionDenied):
        do_reassign_case(case, lead_department=depts.transport, acting_user=depts.h1)
    do_reassign_case(case, lead_department=depts.transport, co_departments=[depts.housing], acting_user=users.admin)
    case.refresh_from_db()
    assert case.state == CaseState.ASSIGNED and case.lead_department == depts.transport
    assert list(case.co_departments.all()) == [depts.housing]
    do_accept_case(case, acting_user=depts.t1)
    # the send-back reason is internal: not in the public timeline
    public = case_timeline(case)
    assert [s["kind"] for s in public] == ["assigned", "reassigned", "accepted"]
    assert all("交通局管理" not in s["text"] for s in public)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.SENT_BACK, public=False).exists()


@pytest.mark.django_db
def test_reply_is_validated(make_case: Any, depts: Any) -> None:
    case = make_case()
    do_accept_case(case, acting_user=depts.h1)
    with pytest.raises(ValidationError) as exc:
        do_reply_case(case, reply="好", acting_user=depts.h1)
    assert "reply" in exc.value.message_dict
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.reply == ""


@pytest.mark.django_db
def test_not_satisfied_can_be_reopened_once(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    do_accept_case(case, acting_user=depts.h1)
    do_reply_case(case, reply=REPLY, acting_user=depts.h1)
    rate_case_from_source(case, Rating.NOT_SATISFIED, comment="灯还是不亮", acting_user=None)
    with pytest.raises(PermissionDenied):
        do_reopen_case(case, reason="群众不满意，重新办理", acting_user=depts.h1)
    first_deadline = case.deadline
    do_reopen_case(case, reason="群众不满意，重新办理", acting_user=users.admin)
    assert case.state == CaseState.IN_PROGRESS and case.reopen_count == 1
    assert case.deadline >= first_deadline
    do_reply_case(case, reply=REPLY + "（已复查）", acting_user=depts.h1)
    rate_case_from_source(case, Rating.NOT_SATISFIED, acting_user=None)
    with pytest.raises(ValidationError) as exc:
        do_reopen_case(case, reason="还是不满意", acting_user=users.admin)
    assert "already been reopened once" in str(exc.value)
    case.refresh_from_db()
    assert case.state == CaseState.RATED and case.reopen_count == 1


@pytest.mark.django_db
def test_satisfied_answer_cannot_be_reopened(make_case: Any, depts: Any, users: Any) -> None:
    case = make_case()
    do_accept_case(case, acting_user=depts.h1)
    do_reply_case(case, reply=REPLY, acting_user=depts.h1)
    rate_case_from_source(case, Rating.BASICALLY, acting_user=None)
    with pytest.raises(ValidationError, match="not satisfied"):
        do_reopen_case(case, reason="想重新办理", acting_user=users.admin)
    # a later voice of the same case rates too: counted, the case's own rating stays the first
    rate_case_from_source(case, Rating.SATISFIED, acting_user=None)
    case.refresh_from_db()
    assert case.rating == Rating.BASICALLY and case.ratings == {"satisfied": 1, "basically": 1, "not_satisfied": 0}
    with pytest.raises(ValidationError, match="not satisfied"):
        do_reopen_case(case, reason="想重新办理", acting_user=users.admin)
    # one dissatisfied voice among them is enough for staff to reopen (once)
    rate_case_from_source(case, Rating.NOT_SATISFIED, acting_user=None)
    do_reopen_case(case, reason="有群众不满意，复查", acting_user=users.admin)
    assert case.state == CaseState.IN_PROGRESS and case.reopen_count == 1


@pytest.mark.django_db
def test_assign_needs_scope_and_valid_departments(depts: Any, users: Any, tree: Any) -> None:
    data: dict[str, Any] = {"title": "道路积水", "summary": "", "category": "complaint", "source_kind": "test",
                            "source_id": 2}
    with pytest.raises(PermissionDenied):
        do_assign_case(lead_department=depts.housing, acting_user=users.secretary, **data)
    with pytest.raises(ValidationError) as exc:
        do_assign_case(lead_department=depts.housing, co_departments=[depts.housing], acting_user=users.admin,
                       **{**data, "category": "nonsense", "source_kind": "nowhere"})
    assert set(exc.value.message_dict) == {"category", "source_kind", "co_departments"}


@pytest.mark.django_db
def test_department_administration(tree: Any, users: Any, depts: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_create_department({"name": "县住房和城乡建设局", "organization": tree.county}, acting_user=users.admin)
    assert "name" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        do_create_department({"name": "甲镇办", "organization": tree.town_a}, acting_user=users.secretary)
    # a head or handler must hold the dept_handler role
    with pytest.raises(ValidationError) as exc:
        do_add_department_member(depts.transport, users.secretary, "handler", acting_user=users.admin)
    assert "user" in exc.value.message_dict
    with pytest.raises(ValidationError):
        do_add_department_member(depts.housing, depts.h1, "handler", acting_user=users.admin)


def test_a_new_case_is_announced_for_analysis_as_its_source_offers_it(make_case, depts,
                                                                       django_capture_on_commit_callbacks):
    from dangjian.testing.texts import announced_texts, offered

    with announced_texts() as seen, django_capture_on_commit_callbacks(execute=True):
        case = make_case()
    assert seen == [("cases", offered("cases", case.pk))]
    assert seen[0][1]["departments"] == [depts.housing.name] and seen[0][1]["resolved"] is False
