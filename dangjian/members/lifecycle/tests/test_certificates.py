"""Floating certificates: issue, refusals, renew, return, revoke, expiry job, report-back reminders,
and the public selectors other modules use."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from dangjian.core.models import AuditEvent, Notification
from dangjian.core.months import add_months
from dangjian.members.actions import do_change_member_status
from dangjian.members.lifecycle import CertificateStatus
from dangjian.members.lifecycle.actions import (
    default_expiry,
    do_expire_certificates,
    do_issue_certificate,
    do_record_report_back,
    do_renew_certificate,
    do_return_certificate,
    do_revoke_certificate,
    do_send_report_reminders,
    report_due_on,
)
from dangjian.members.lifecycle.models import FloatingCertificate, ReminderLog
from dangjian.members.lifecycle.selectors import floating_guests_hosted_by, is_floating_guest
from dangjian.members.lifecycle.tests.conftest import issue_data

pytestmark = pytest.mark.django_db


def _age(cert: FloatingCertificate, issued_on: dt.date, expires_on: dt.date) -> FloatingCertificate:
    """Move the clock: make ``cert`` look issued earlier (the actions refuse a past expiry)."""
    FloatingCertificate.objects.filter(pk=cert.pk).update(issued_on=issued_on, expires_on=expires_on)
    cert.refresh_from_db()
    return cert


def _issue(tree: Any, people: Any, member: Any = None, **extra: Any) -> FloatingCertificate:
    return do_issue_certificate(member or tree.alice, issue_data(tree.branch_b1, **extra),
                                acting_user=people.secretary)


def test_secretary_issues_certificate_with_default_validity_and_audit(tree: Any, people: Any, today: dt.date,
                                                                      django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        cert = _issue(tree, people)
    assert cert.status == CertificateStatus.ISSUED
    assert cert.home_org == tree.branch_a1 and cert.home_path == tree.branch_a1.path
    assert cert.host_org == tree.branch_b1 and cert.host_path == tree.branch_b1.path
    assert cert.issued_on == today and cert.expires_on == add_months(today, 12) == default_expiry(today)
    assert cert.number.startswith(f"LD{today.year}") and len(cert.token) >= 30
    assert AuditEvent.objects.filter(action="lifecycle.certificate_issued", target_id=str(cert.pk)).exists()
    # the host branch's secretary hears about the guest
    assert Notification.objects.filter(recipient=people.host_secretary, kind="lifecycle.certificate").exists()


@override_settings(DANGJIAN={"LIFECYCLE": {"CERTIFICATE_VALIDITY_MONTHS": 6}, "MEMBERS_PAGE_SIZE": 25})
def test_default_validity_is_configurable(tree: Any, people: Any, today: dt.date) -> None:
    assert _issue(tree, people).expires_on == add_months(today, 6)


def test_certificate_to_a_place_outside_the_platform(tree: Any, people: Any) -> None:
    cert = do_issue_certificate(tree.alice, issue_data(None, abroad=True), acting_user=people.secretary)
    assert cert.host_org is None and cert.host_place == "广东省深圳市宝安区" and cert.abroad


@pytest.mark.parametrize(("data", "field"), [
    ({"host_place": ""}, "host_place"),
    ({"reason": ""}, "reason"),
    ({"host_org": 999999}, "host_org"),
    ({"expires_on": "2001-01-01", "issued_on": "2001-06-01"}, "expires_on"),
    ({"issued_on": "2999-01-01"}, "issued_on"),
    ({"issued_on": "not a date"}, "issued_on"),
])
def test_issue_refuses_bad_input_naming_the_field(tree: Any, people: Any, data: dict, field: str) -> None:
    payload = {"reason": "外出务工", "host_place": "深圳", **data}
    with pytest.raises(ValidationError) as exc:
        do_issue_certificate(tree.alice, payload, acting_user=people.secretary)
    assert field in exc.value.message_dict
    assert not FloatingCertificate.objects.exists()


def test_issue_refuses_host_equal_to_home_and_non_branch_host(tree: Any, people: Any) -> None:
    from django.utils import translation

    for host, text in ((tree.branch_a1, "home branch"), (tree.town_b, "not a branch")):
        with translation.override("en"), pytest.raises(ValidationError) as exc:
            do_issue_certificate(tree.alice, issue_data(host), acting_user=people.secretary)
        assert text in exc.value.message_dict["host_org"][0]


def test_expiry_longer_than_the_maximum_is_refused(tree: Any, people: Any, today: dt.date) -> None:
    with pytest.raises(ValidationError) as exc:
        _issue(tree, people, expires_on=add_months(today, 25))
    assert "24" in exc.value.message_dict["expires_on"][0]


def test_member_not_active_is_refused(tree: Any, people: Any, root_user: Any) -> None:
    do_change_member_status(tree.alice, "suspended", acting_user=root_user, reason="失联")
    with pytest.raises(ValidationError) as exc:
        _issue(tree, people)
    assert "member" in exc.value.message_dict


def test_member_already_holding_a_valid_certificate_is_refused(tree: Any, people: Any) -> None:
    first = _issue(tree, people)
    with pytest.raises(ValidationError) as exc:
        _issue(tree, people)
    assert first.number in exc.value.message_dict["member"][0]


def test_run_out_certificate_gives_way_to_a_new_one(tree: Any, people: Any, today: dt.date) -> None:
    old = _age(_issue(tree, people), today - dt.timedelta(days=400), today - dt.timedelta(days=1))
    new = _issue(tree, people)
    old.refresh_from_db()
    assert old.status == CertificateStatus.EXPIRED and new.status == CertificateStatus.ISSUED


def test_scope_issue_outside_branch_and_member_role(tree: Any, people: Any) -> None:
    for member, user in ((tree.dave, people.secretary), (tree.alice, people.other_town), (tree.alice, people.member),
                         (tree.alice, people.discipline), (tree.alice, people.host_secretary)):
        with pytest.raises(PermissionDenied):
            do_issue_certificate(member, issue_data(tree.branch_a2), acting_user=user)
    # the town committee above the branch may issue too (base committee)
    assert do_issue_certificate(tree.carol, issue_data(tree.branch_b1), acting_user=people.town_secretary)


def test_renew_extends_and_restores_an_expired_certificate(tree: Any, people: Any, today: dt.date) -> None:
    cert = _issue(tree, people)
    do_renew_certificate(cert, expires_on=add_months(today, 18), acting_user=people.secretary)
    assert cert.expires_on == add_months(today, 18)
    with pytest.raises(ValidationError) as exc:
        do_renew_certificate(cert, expires_on=add_months(today, 3), acting_user=people.secretary)
    assert "expires_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_renew_certificate(cert, expires_on="", acting_user=people.secretary)
    assert "expires_on" in exc.value.message_dict
    do_expire_certificates(today=add_months(today, 18) + dt.timedelta(days=1))
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.EXPIRED
    do_renew_certificate(cert, expires_on=add_months(today, 20), acting_user=people.secretary)
    assert cert.status == CertificateStatus.ISSUED
    with pytest.raises(PermissionDenied):
        do_renew_certificate(cert, expires_on=add_months(today, 22), acting_user=people.host_secretary)


def test_return_and_revoke_end_the_certificate_and_are_final(tree: Any, people: Any, today: dt.date) -> None:
    cert = _issue(tree, people)
    with pytest.raises(ValidationError) as exc:
        do_return_certificate(cert, reason="", acting_user=people.secretary)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_return_certificate(cert, reason="回村", on_date=today + dt.timedelta(days=1), acting_user=people.secretary)
    assert "on_date" in exc.value.message_dict
    do_return_certificate(cert, reason="已返回本村", acting_user=people.secretary)
    assert cert.status == CertificateStatus.RETURNED and cert.ended_on == today
    for action in (do_return_certificate, do_revoke_certificate):
        with pytest.raises(ValidationError):
            action(cert, reason="again", acting_user=people.secretary)
    second = _issue(tree, people)
    do_revoke_certificate(second, reason="误发", acting_user=people.secretary)
    assert second.status == CertificateStatus.REVOKED
    assert AuditEvent.objects.filter(action="lifecycle.certificate_revoked").count() == 1


def test_expiry_job_marks_only_past_expiry_certificates(tree: Any, people: Any, today: dt.date) -> None:
    a = _issue(tree, people, expires_on=today + dt.timedelta(days=10))
    b = _issue(tree, people, member=tree.bob)
    assert do_expire_certificates(today=a.expires_on) == 0  # the expiry day itself is still valid
    assert do_expire_certificates(today=a.expires_on + dt.timedelta(days=1)) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == CertificateStatus.EXPIRED and b.status == CertificateStatus.ISSUED
    assert do_expire_certificates(today=a.expires_on + dt.timedelta(days=1)) == 0  # idempotent


def test_selectors_for_host_branch(tree: Any, people: Any, today: dt.date) -> None:
    cert = _issue(tree, people)
    do_issue_certificate(tree.carol, issue_data(None), acting_user=people.town_secretary)
    assert list(floating_guests_hosted_by(tree.branch_b1)) == [tree.alice]
    assert is_floating_guest(tree.alice, tree.branch_b1)
    assert not is_floating_guest(tree.alice, tree.branch_a2)
    assert not floating_guests_hosted_by(tree.branch_a1).exists()
    assert not floating_guests_hosted_by(tree.branch_b1, on=cert.expires_on + dt.timedelta(days=1)).exists()
    do_return_certificate(cert, reason="回村", acting_user=people.secretary)
    assert not is_floating_guest(tree.alice, tree.branch_b1)


def test_report_back_by_branch_or_member_moves_the_due_date(tree: Any, people: Any, today: dt.date) -> None:
    cert = _issue(tree, people, issued_on=today - dt.timedelta(days=100))
    assert report_due_on(cert, None) == add_months(cert.issued_on, 12)
    do_record_report_back(cert, {"summary": "电话汇报思想工作情况", "channel": "phone"}, acting_user=people.member)
    do_record_report_back(cert, {"summary": "当面汇报", "reported_on": today - dt.timedelta(days=5)},
                          acting_user=people.secretary)
    assert cert.reports.count() == 2
    with pytest.raises(ValidationError) as exc:
        do_record_report_back(cert, {"summary": "", "reported_on": today - dt.timedelta(days=200)},
                              acting_user=people.secretary)
    assert {"summary", "reported_on"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDenied):
        do_record_report_back(cert, {"summary": "x"}, acting_user=people.other_town)
    abroad = do_issue_certificate(tree.bob, issue_data(None, abroad=True), acting_user=people.secretary)
    assert report_due_on(abroad, today) == add_months(today, 6)


def test_reminders_before_due_and_warning_after_are_sent_once_per_period(tree: Any, people: Any,
                                                                          today: dt.date) -> None:
    issued = today - dt.timedelta(days=30)
    cert = _issue(tree, people, issued_on=issued, expires_on=add_months(issued, 24))
    due = add_months(issued, 12)
    assert do_send_report_reminders(today=due - dt.timedelta(days=15)) == 0
    assert do_send_report_reminders(today=due - dt.timedelta(days=14)) == 1
    assert do_send_report_reminders(today=due - dt.timedelta(days=3)) == 0  # already reminded for this period
    assert do_send_report_reminders(today=due) == 0
    assert do_send_report_reminders(today=due + dt.timedelta(days=1)) == 1  # overdue warning
    assert do_send_report_reminders(today=due + dt.timedelta(days=20)) == 0
    logs = set(ReminderLog.objects.values_list("kind", "period_due"))
    assert logs == {("report_due", due), ("report_overdue", due)}
    titles = list(Notification.objects.filter(recipient=people.member, kind="lifecycle.report").values_list("title", flat=True))
    assert len(titles) == 2
    assert Notification.objects.filter(recipient=people.secretary, kind="lifecycle.report").count() == 2
    # a report-back starts a new period: the next reminder is for a year after the report
    do_record_report_back(cert, {"summary": "汇报", "reported_on": today}, acting_user=people.secretary)
    next_due = add_months(today, 12)
    assert do_send_report_reminders(today=next_due - dt.timedelta(days=1)) == 1
    assert ReminderLog.objects.filter(period_due=next_due).count() == 1


def test_expired_or_ended_certificates_get_no_reminders(tree: Any, people: Any, today: dt.date) -> None:
    issued = today - dt.timedelta(days=30)
    cert = _issue(tree, people, issued_on=issued)
    do_return_certificate(cert, reason="回村", acting_user=people.secretary)
    assert do_send_report_reminders(today=add_months(issued, 12)) == 0


def test_scheduled_tasks_run_through_the_task_backend(tree: Any, people: Any, today: dt.date) -> None:
    from dangjian.core.scheduler import JOBS
    from dangjian.members.lifecycle.tasks import expire_certificates, send_report_reminders

    assert JOBS["lifecycle.expire_certificates"].task_path.endswith("expire_certificates")
    assert JOBS["lifecycle.report_reminders"].task_path.endswith("send_report_reminders")
    _age(_issue(tree, people), today - dt.timedelta(days=40), today - dt.timedelta(days=1))
    assert expire_certificates.enqueue().return_value == 1
    assert send_report_reminders.enqueue().return_value == 0
