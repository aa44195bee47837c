"""Status changes with approvals: rules of DOMAIN.md §3, the request state machine, scope, and
the concurrent approval race."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.models import AuditEvent
from dangjian.core.months import add_months
from dangjian.members.lifecycle import CertificateStatus, ChangeKind, RequestStatus
from dangjian.members.lifecycle.actions import (
    change_rule_errors,
    do_approve_status_request,
    do_issue_certificate,
    do_propose_status_change,
    do_reject_status_request,
    do_withdraw_status_request,
)
from dangjian.members.lifecycle.models import StatusChangeRequest
from dangjian.members.lifecycle.tests.conftest import issue_data
from dangjian.members.models import Member

pytestmark = pytest.mark.django_db


def _propose(member: Any, user: Any, **data: Any) -> StatusChangeRequest:
    return do_propose_status_change(member, {"reason": "支部大会讨论决定", **data}, acting_user=user)


def test_probationary_to_full_after_one_year_approved_by_the_town(tree: Any, people: Any, today: dt.date) -> None:
    bob = tree.bob  # probationary, joined 2010-07-01
    req = _propose(bob, people.secretary, kind="full", effective_on=today)
    assert req.status == RequestStatus.PENDING and req.from_status == "probationary"
    with pytest.raises(PermissionDenied):  # the branch cannot approve its own proposal
        do_approve_status_request(req, acting_user=people.secretary)
    with pytest.raises(PermissionDenied):  # another town's committee: not the parent
        do_approve_status_request(req, acting_user=people.other_town)
    do_approve_status_request(req, acting_user=people.town_secretary, note="同意")
    bob.refresh_from_db()
    req.refresh_from_db()
    assert bob.status == "full" and bob.full_date == today and bob.status_changed_on == today
    assert req.status == RequestStatus.APPROVED and req.decided_by == people.town_secretary
    member_events = list(AuditEvent.objects.filter(target_type="members.member", target_id=str(bob.pk))
                         .values_list("action", "reason"))
    # the member's history (read from the audit trail) shows the change with the branch's reason
    assert any(a == "member.status_changed" and "支部大会讨论决定" in r for a, r in member_events)
    req_events = set(AuditEvent.objects.filter(target_id=str(req.pk)).exclude(target_type="members.member")
                     .values_list("action", flat=True))
    assert {"lifecycle.status_change_proposed", "lifecycle.status_change_approved"} <= req_events
    with pytest.raises(ValidationError):  # final
        do_reject_status_request(req, acting_user=people.town_secretary, note="x")


def test_full_membership_before_one_year_of_probation_is_refused(tree: Any, people: Any, root_user: Any,
                                                                 today: dt.date) -> None:
    from dangjian.members.actions import do_update_member

    do_update_member(tree.bob, {"join_date": today - dt.timedelta(days=200)}, acting_user=root_user)
    with pytest.raises(ValidationError) as exc:
        _propose(tree.bob, people.secretary, kind="full")
    assert add_months(today - dt.timedelta(days=200), 12).isoformat() in exc.value.message_dict["effective_on"][0]
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="full")
    assert "probationary" in exc.value.message_dict["kind"][0]


def test_suspension_needs_six_months_of_lost_contact(tree: Any, people: Any, today: dt.date) -> None:
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="suspend")
    assert "lost_contact_since" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="suspend", lost_contact_since=add_months(today, -6) + dt.timedelta(days=1))
    assert "6" in exc.value.message_dict["lost_contact_since"][0]
    req = _propose(tree.alice, people.secretary, kind="suspend", lost_contact_since=add_months(today, -6))
    do_approve_status_request(req, acting_user=people.town_secretary)
    tree.alice.refresh_from_db()
    assert tree.alice.status == "suspended"


def test_lapse_grounds_and_their_time_rules(tree: Any, people: Any, today: dt.date) -> None:
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="lapse")
    assert "lapse_ground" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="lapse", lapse_ground="dues_arrears",
                 arrears_since=add_months(today, -5))
    assert "arrears_since" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="lapse", lapse_ground="lost_contact",
                 lost_contact_since=add_months(today, -23))
    assert "24" in exc.value.message_dict["lost_contact_since"][0]
    req = _propose(tree.alice, people.secretary, kind="lapse", lapse_ground="dues_arrears",
                   arrears_since=add_months(today, -6))
    do_approve_status_request(req, acting_user=people.admin)
    tree.alice.refresh_from_db()
    assert tree.alice.status == "lapsed"


@pytest.mark.parametrize(("kind", "target"), [("remove", "removed"), ("expel", "expelled"), ("death", "deceased")])
def test_exits_approved_change_status_and_end_floating_certificate(tree: Any, people: Any, kind: str,
                                                                    target: str) -> None:
    cert = do_issue_certificate(tree.alice, issue_data(tree.branch_b1), acting_user=people.secretary)
    req = _propose(tree.alice, people.secretary, kind=kind)
    do_approve_status_request(req, acting_user=people.town_secretary)
    tree.alice.refresh_from_db()
    cert.refresh_from_db()
    assert tree.alice.status == target
    assert cert.status == CertificateStatus.REVOKED
    with pytest.raises(ValidationError):  # a final status: nothing more can be proposed
        _propose(tree.alice, people.secretary, kind="suspend", lost_contact_since=dt.date(2000, 1, 1))


def test_effective_date_rules(tree: Any, people: Any, today: dt.date) -> None:
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="death", effective_on=today + dt.timedelta(days=1))
    assert "effective_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="death", effective_on=dt.date(2000, 1, 1))
    assert "effective_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="bogus")
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_propose_status_change(tree.alice, {"kind": "death", "reason": ""}, acting_user=people.secretary)
    assert "reason" in exc.value.message_dict


def test_one_pending_request_per_member_reject_and_withdraw(tree: Any, people: Any) -> None:
    req = _propose(tree.alice, people.secretary, kind="death")
    with pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind="remove")
    assert "member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_reject_status_request(req, acting_user=people.town_secretary, note="")
    assert "note" in exc.value.message_dict
    do_reject_status_request(req, acting_user=people.town_secretary, note="材料不全")
    tree.alice.refresh_from_db()
    assert tree.alice.status == "full"
    again = _propose(tree.alice, people.secretary, kind="death")
    with pytest.raises(PermissionDenied):
        do_withdraw_status_request(again, acting_user=people.other_town)
    do_withdraw_status_request(again, acting_user=people.secretary)
    again.refresh_from_db()
    assert again.status == RequestStatus.WITHDRAWN
    with pytest.raises(ValidationError):
        do_approve_status_request(again, acting_user=people.town_secretary)


def test_propose_scope_and_roles(tree: Any, people: Any) -> None:
    for member, user in ((tree.dave, people.secretary), (tree.alice, people.organizer), (tree.alice, people.member),
                         (tree.alice, people.other_town)):
        with pytest.raises(PermissionDenied):
            _propose(member, user, kind="death")


def test_evidence_uploads_are_checked_and_stored(tree: Any, people: Any) -> None:
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    exe = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        do_propose_status_change(tree.alice, {"kind": "death", "reason": "病故"}, [exe], acting_user=people.secretary)
    assert "evidence" in exc.value.message_dict
    assert not StatusChangeRequest.objects.exists()
    req = do_propose_status_change(tree.alice, {"kind": "death", "reason": "病故"}, [pdf], acting_user=people.secretary)
    item = req.evidence.get()
    assert item.original_name == "证明.pdf" and item.file.read() == b"%PDF-1.4 test"


def test_approval_rechecks_the_member_status(tree: Any, people: Any, root_user: Any) -> None:
    from dangjian.members.actions import do_change_member_status

    req = _propose(tree.bob, people.secretary, kind="full")
    do_change_member_status(tree.bob, "deceased", acting_user=root_user, reason="病故")
    with pytest.raises(ValidationError) as exc:
        do_approve_status_request(req, acting_user=people.town_secretary)
    assert "status" in exc.value.message_dict
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(join=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
       offset=st.integers(min_value=-3, max_value=3))
def test_probation_boundary_property(join: dt.date, offset: int) -> None:
    member = Member(status="probationary", join_date=join)
    boundary = add_months(join, 12)
    effective = boundary + dt.timedelta(days=offset)
    errors = change_rule_errors(member, ChangeKind.FULL, effective_on=effective, today=dt.date(2100, 1, 1))
    assert ("effective_on" in errors) == (offset < 0)


@settings(max_examples=40, deadline=None)
@given(lost=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)),
       offset=st.integers(min_value=-3, max_value=3), months=st.sampled_from([6, 24]))
def test_lost_contact_boundaries_property(lost: dt.date, offset: int, months: int) -> None:
    member = Member(status="full", join_date=dt.date(1990, 1, 1))
    effective = add_months(lost, months) + dt.timedelta(days=offset)
    if months == 6:
        errors = change_rule_errors(member, ChangeKind.SUSPEND, effective_on=effective, today=dt.date(2100, 1, 1),
                                    lost_contact_since=lost)
    else:
        errors = change_rule_errors(member, ChangeKind.LAPSE, effective_on=effective, today=dt.date(2100, 1, 1),
                                    lost_contact_since=lost, lapse_ground="lost_contact")
    assert ("lost_contact_since" in errors) == (offset < 0)


def test_leap_day_probation(tree: Any) -> None:
    member = Member(status="probationary", join_date=dt.date(2024, 2, 29))
    far = dt.date(2100, 1, 1)
    assert change_rule_errors(member, ChangeKind.FULL, effective_on=dt.date(2025, 2, 27), today=far)
    assert not change_rule_errors(member, ChangeKind.FULL, effective_on=dt.date(2025, 2, 28), today=far)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_exactly_one_wins(tree: Any, people: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    req = _propose(tree.bob, people.secretary, kind="full")
    approvers = [people.town_secretary, people.admin] * 3
    wins: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(approvers))

    def worker(user: Any) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            fresh = StatusChangeRequest.objects.get(pk=req.pk)
            do_approve_status_request(fresh, acting_user=user)
            wins.append(1)
        except ValidationError as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in approvers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(errors) == len(approvers) - 1
    assert AuditEvent.objects.filter(action="member.status_changed", target_id=str(tree.bob.pk)).count() == 1
    tree.bob.refresh_from_db()
    assert tree.bob.status == "full"
