"""Reports in the case engine: a supervised case for the envelope only, following the report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from dangjian.cases import CaseState
from dangjian.cases import actions as case_actions
from dangjian.cases.models import Case, CaseEvent, Department
from dangjian.core.workdays import deadline
from dangjian.reports import actions as act
from dangjian.reports.casework import case_of as _case_or_none
from dangjian.reports.choices import Disposal, State
from dangjian.reports.models import Report
from dangjian.reports.tests.conftest import submit

pytestmark = pytest.mark.django_db

CONTENT = "县交通局科长丙某在道路养护合同中虚报工程量套取资金十二万元。"
ACCUSED = "交通局科长丙某"
PLACE = "县交通局二楼财务室"


def case_of(report: Report) -> Any:
    """The report's case (a test that expects none asks ``_case_or_none``)."""
    return _case_or_none(report)


def _rows_of(prefixes: tuple[str, ...]) -> bytes:
    """Every value of every table whose name starts with one of ``prefixes``, as bytes."""
    out: list[bytes] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith(prefixes):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                out.extend(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                           for v in row if v is not None)
    return b"\n".join(out)


def test_an_accepted_report_opens_a_supervised_case_with_the_envelope_only(staff: Any, tree: Any) -> None:
    done = submit(content=CONTENT, accused=ACCUSED, place=PLACE, real_name="孙实名", phone="13812345678",
                  kind="integrity")
    assert case_of(done.report) is None  # nothing before triage
    report = act.do_accept_report(done.report, acting_user=staff.county1)
    case = case_of(report)
    assert case is not None and case.source_kind == "report" and case.source_id == report.pk
    assert case.lead_department == staff.desks["county"] and case.org_path == tree.county.path
    assert case.state == CaseState.ACCEPTED and case.handler == staff.county1
    # the case runs on the report's 15 working days from acceptance (the feedback deadline)
    assert case.deadline_days == 15 and case.deadline == deadline(report.accepted_on or dt.date.min, 15) == report.accept_feedback_due
    assert report.number in case.title
    assert tree.county.name in case.summary and report.forward_due.isoformat() in case.summary
    # the case engine's tables (and the notifications and audit it writes) hold no content
    raw = _rows_of(("cases_", "core_"))
    assert report.number.encode() in raw
    for secret in (CONTENT, ACCUSED, PLACE, "孙实名", "13812345678", "丙某", "虚报工程量"):
        assert secret.encode() not in raw, secret
    assert not case_actions.sources.authorized("report", staff.county1, report.pk, case.org_path)


def test_the_case_follows_disposal_and_closing(staff: Any) -> None:
    report = act.do_accept_report(submit().report, acting_user=staff.county1)
    act.do_dispose_report(report, Disposal.VERIFICATION, acting_user=staff.county1)
    assert case_of(report).state == CaseState.IN_PROGRESS
    act.do_dispose_report(report, Disposal.INQUIRY, acting_user=staff.county1)  # changing it: still in progress
    assert case_of(report).state == CaseState.IN_PROGRESS
    act.do_close_report(report, acting_user=staff.county1)
    case = case_of(report)
    assert case.state == CaseState.CLOSED and report.number in case.reply and "谈话函询" in case.reply
    kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["assigned", "accepted", "started", "replied", "closed"]


def test_closing_by_disposal_closes_the_case_at_once(staff: Any) -> None:
    report = act.do_accept_report(submit().report, acting_user=staff.county1)
    act.do_dispose_report(report, Disposal.CLOSED, acting_user=staff.county1)
    assert report.state == State.CLOSED and case_of(report).state == CaseState.CLOSED


def test_no_or_two_discipline_departments_refuse_acceptance_naming_the_field(staff: Any, tree: Any,
                                                                             root_user: Any) -> None:
    done = submit()
    Department.objects.filter(pk=staff.desks["county"].pk).update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        act.do_accept_report(done.report, acting_user=staff.county1)
    assert "lead_department" in exc.value.message_dict
    assert "纪委" in exc.value.message_dict["lead_department"][0]
    report = Report.objects.get(pk=done.report.pk)
    assert report.state == State.RECEIVED and report.accepted_on is None and case_of(report) is None
    Department.objects.filter(pk=staff.desks["county"].pk).update(is_active=True)
    case_actions.do_create_department({"name": "县纪检监察室", "organization": tree.county}, acting_user=root_user)
    with pytest.raises(ValidationError) as exc:
        act.do_accept_report(Report.objects.get(pk=done.report.pk), acting_user=staff.county1)
    assert "县纪检监察室" in exc.value.message_dict["lead_department"][0]
    assert not Case.objects.exists()


def test_the_case_moves_only_with_its_report(staff: Any, users: Any, root_user: Any) -> None:
    report = act.do_accept_report(submit().report, acting_user=staff.county1)
    case = case_of(report)
    case_actions.do_add_department_member(staff.desks["county"], users.handler, "handler", acting_user=root_user)
    with pytest.raises(PermissionDenied):
        case_actions.do_start_case(case, acting_user=users.handler)
    with pytest.raises(PermissionDenied):
        case_actions.do_reply_case(case, reply="已经处理完毕，请知悉。", acting_user=users.admin)
    with pytest.raises(PermissionDenied):
        case_actions.do_close_case(case, acting_user=users.admin)
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_the_case_page_links_to_the_report_which_still_needs_the_key(client: Any, staff: Any) -> None:
    report = act.do_accept_report(submit(content=CONTENT).report, acting_user=staff.county1)
    case = case_of(report)
    client.force_login(staff.county1)
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    assert f'href="/reports/{report.uuid}/"'.encode() in page.content
    assert CONTENT.encode() not in page.content
    # the report itself: locked key → no content; it links to its case
    page = client.get(f"/reports/{report.uuid}/")
    assert CONTENT.encode() not in page.content
    assert f'href="/cases/{case.pk}/"'.encode() in page.content and case.number.encode() in page.content


def test_an_overdue_report_case_is_escalated_by_the_case_engine(staff: Any) -> None:
    report = act.do_accept_report(submit().report, acting_user=staff.county1)
    case = case_of(report)
    later = timezone.make_aware(dt.datetime.combine(case.deadline + dt.timedelta(days=3), dt.time(9)))
    counts = case_actions.run_supervision(now=later)
    assert counts["escalated"] == 1
    assert CaseEvent.objects.filter(case=case, kind="overdue").exists()
    assert case_actions.run_supervision(now=later)["escalated"] == 0
