"""Transfer actions: start and its refusals, hop decisions, completion, expiry, cancel, receipt."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from dangjian.core import workdays
from dangjian.core.models import AuditEvent
from dangjian.members import MemberStatus
from dangjian.members.models import Member
from dangjian.members.selectors import subtree_member_count
from dangjian.members.transfers import HopState, TransferKind, TransferStatus
from dangjian.members.transfers.actions import (
    do_approve_hop,
    do_cancel_transfer,
    do_record_receipt,
    do_resubmit_transfer,
    do_return_hop,
    do_start_transfer,
)
from dangjian.members.transfers.models import Transfer, TransferHop, TransferLedgerEntry
from dangjian.members.transfers.tests.helpers import approve_through, hop, start_data

pytestmark = pytest.mark.django_db


def test_secretary_starts_with_route_letter_snapshot_and_first_hop_due(tree: Any, users: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    assert t.route == [tree.branch_a1.pk, tree.town_a.pk, tree.town_b.pk, tree.branch_b1.pk]
    assert t.status == TransferStatus.IN_PROGRESS and t.kind == TransferKind.INTERNAL
    assert t.number.startswith(f"ZJ{timezone.localdate().year}-")
    assert t.sending_org == tree.town_a and t.receiving_org == tree.town_b
    # letter fields taken from the member's file
    person = tree.alice.person
    assert (t.name, t.sex, t.ethnicity, t.membership) == (person.name, "male", "汉族", "full")
    assert t.age is not None and t.age >= 18
    assert t.id_number == person.id_number and t.id_number_masked == person.id_number_masked
    assert t.dues_paid_until == dt.date(2026, 10, 1)
    with connection.cursor() as cur:  # encrypted at rest
        cur.execute("SELECT id_number FROM transfers_transfer WHERE id = %s", [t.pk])
        assert person.id_number not in cur.fetchone()[0]
    hops = list(TransferHop.objects.filter(transfer=t).order_by("order"))
    assert [h.organization_id for h in hops] == t.route
    assert [h.receiving for h in hops] == [False, False, True, True]
    assert hops[0].activated_at is not None
    assert hops[0].due_on == workdays.deadline(hops[0].activated_at, 5)
    assert all(h.activated_at is None for h in hops[1:])
    assert t.issued_on is None  # issued when the sending committee approves
    assert AuditEvent.objects.filter(action="transfer.started", target_id=str(t.pk)).exists()


def test_letter_numbers_are_unique_and_sequential(tree: Any, users: Any) -> None:
    a = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    b = do_start_transfer(tree.bob, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1


@pytest.mark.parametrize(("data", "field"), [
    ({"to_org": "same"}, "to_org"),
    ({"to_org": "town_b"}, "to_org"),
    ({"to_org": 999999}, "to_org"),
    ({}, "to_org"),
    ({"to_org": "branch_b1", "to_external": {"name": "外省某支部"}}, "to_org"),
    ({"to_org": "branch_b1", "reason": " "}, "reason"),
    ({"to_org": "branch_b1", "validity_days": 91}, "validity_days"),
    ({"to_org": "branch_b1", "validity_days": 0}, "validity_days"),
    ({"to_org": "branch_b1", "dues_paid_until": "2026-13"}, "dues_paid_until"),
])
def test_bad_input_is_refused_naming_the_field(tree: Any, users: Any, data: dict[str, Any], field: str) -> None:
    data = dict(data)
    if data.get("to_org") == "same":
        data["to_org"] = tree.branch_a1.pk
    elif isinstance(data.get("to_org"), str):
        data["to_org"] = getattr(tree, data["to_org"]).pk
    with pytest.raises(ValidationError) as exc:
        do_start_transfer(tree.alice, start_data(**data), acting_user=users.secretary)
    assert field in exc.value.message_dict
    assert not Transfer.objects.exists()


def test_receiving_org_not_a_branch_message(tree: Any, users: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        do_start_transfer(tree.alice, start_data(to_org=tree.town_b.pk), acting_user=users.secretary)
    assert "must be a branch" in exc.value.message_dict["to_org"][0]


def test_member_out_of_scope_is_refused(tree: Any, users: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_start_transfer(tree.dave, start_data(to_org=tree.branch_a1.pk), acting_user=users.secretary)
    with pytest.raises(PermissionDenied):  # a role without transfers.start
        do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.discipline)


def test_member_already_in_transfer_is_refused(tree: Any, users: Any) -> None:
    do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    assert "member" in exc.value.message_dict


def test_member_not_current_is_refused(tree: Any, users: Any, root_user: Any) -> None:
    from dangjian.members.actions import do_change_member_status

    do_change_member_status(tree.alice, MemberStatus.SUSPENDED, acting_user=root_user, reason="失联")
    with pytest.raises(ValidationError) as exc:
        do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    assert "member" in exc.value.message_dict


def test_max_validity_is_configurable(tree: Any, users: Any, settings: Any) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "TRANSFER_MAX_VALIDITY_DAYS": 60}
    with pytest.raises(ValidationError):
        do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk, validity_days=61), acting_user=users.secretary)
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk, validity_days=60), acting_user=users.secretary)
    assert t.validity_days == 60


def test_member_asks_for_their_own_transfer(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.member)
    assert t.started_by_member and t.route == [tree.branch_a1.pk, tree.town_a.pk, tree.branch_a2.pk]
    with pytest.raises(PermissionDenied):  # the member cannot approve their own request
        do_approve_hop(hop(t, 0), acting_user=users.member)
    with pytest.raises(PermissionDenied):  # nor start one for somebody else
        do_start_transfer(tree.bob, start_data(to_org=tree.branch_a2.pk), acting_user=users.member)
    do_approve_hop(hop(t, 0), acting_user=approvers.branch_a1)
    assert hop(t, 1).state == HopState.PENDING and hop(t, 1).activated_at is not None


def test_full_internal_transfer_moves_membership_and_writes_both_ledgers(tree: Any, users: Any, approvers: Any) -> None:
    alice = tree.alice
    total = subtree_member_count(tree.county.path)
    t = do_start_transfer(alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    do_approve_hop(hop(t, 0), acting_user=approvers.branch_a1, reason="同意")
    do_approve_hop(hop(t, 1), acting_user=approvers.town_a)
    t.refresh_from_db()
    today = timezone.localdate()
    assert t.issued_on == today and t.valid_until == today + dt.timedelta(days=30)
    with pytest.raises(PermissionDenied):  # the sending side cannot approve the receiving steps
        do_approve_hop(hop(t, 2), acting_user=approvers.town_a)
    do_approve_hop(hop(t, 2), acting_user=approvers.town_b)
    alice.refresh_from_db()
    assert alice.organization == tree.branch_a1  # not received yet
    do_approve_hop(hop(t, 3), acting_user=approvers.branch_b1)
    t.refresh_from_db()
    alice.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED and t.received_on == today
    assert alice.organization == tree.branch_b1 and alice.org_path == tree.branch_b1.path
    assert alice.add_type == "transferred_in" and alice.status == MemberStatus.FULL
    assert subtree_member_count(tree.branch_a1.path) == 1 and subtree_member_count(tree.branch_b1.path) == 2
    assert subtree_member_count(tree.county.path) == total  # never both, never neither
    rows = {(e.organization_id, e.direction) for e in TransferLedgerEntry.objects.filter(transfer=t)}
    assert rows == {(tree.branch_a1.pk, "out"), (tree.branch_b1.pk, "in")}
    assert AuditEvent.objects.filter(action="member.transferred", target_id=str(alice.pk)).exists()


def test_decided_hop_cannot_be_decided_again(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    first = hop(t, 0)
    do_approve_hop(first, acting_user=approvers.branch_a1)
    with pytest.raises(ValidationError) as exc:
        do_approve_hop(first, acting_user=approvers.branch_a1)
    assert "hop" in exc.value.message_dict
    with pytest.raises(ValidationError):  # a later step cannot jump the queue
        do_approve_hop(hop(t, 2), acting_user=approvers.branch_a2)


def test_return_needs_a_reason_then_resubmit(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    do_approve_hop(hop(t, 0), acting_user=approvers.branch_a1)
    with pytest.raises(ValidationError) as exc:
        do_return_hop(hop(t, 1), acting_user=approvers.town_a, reason="  ")
    assert "reason" in exc.value.message_dict
    do_return_hop(hop(t, 1), acting_user=approvers.town_a, reason="党费交纳情况需核实")
    t.refresh_from_db()
    assert t.status == TransferStatus.RETURNED and hop(t, 1).state == HopState.RETURNED
    with pytest.raises(ValidationError):  # no approval while returned
        do_approve_hop(hop(t, 1), acting_user=approvers.town_a)
    with pytest.raises(PermissionDenied):  # only the sending side resubmits
        do_resubmit_transfer(t, acting_user=approvers.town_b)
    do_resubmit_transfer(t, acting_user=users.secretary)
    t.refresh_from_db()
    assert t.status == TransferStatus.IN_PROGRESS and hop(t, 1).state == HopState.PENDING
    do_approve_hop(hop(t, 1), acting_user=approvers.town_a)
    assert hop(t, 2).activated_at is not None


def test_expired_letter_cannot_be_accepted(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    Transfer.objects.filter(pk=t.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        do_approve_hop(hop(t, 2), acting_user=approvers.town_b)
    assert "valid_until" in exc.value.message_dict
    assert hop(t, 2).state == HopState.PENDING
    tree.alice.refresh_from_db()
    assert tree.alice.organization == tree.branch_a1


def test_expired_letter_cannot_be_received_at_the_last_step(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a, approvers.town_b])
    Transfer.objects.filter(pk=t.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        do_approve_hop(hop(t, 3), acting_user=approvers.branch_b1)
    tree.alice.refresh_from_db()
    assert tree.alice.organization == tree.branch_a1
    assert not TransferLedgerEntry.objects.exists()


def test_cancel(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_cancel_transfer(t, acting_user=approvers.branch_b1, reason="x")
    with pytest.raises(ValidationError):
        do_cancel_transfer(t, acting_user=users.secretary, reason="")
    do_cancel_transfer(t, acting_user=users.secretary, reason="本人不再调动")
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED
    with pytest.raises(ValidationError):
        do_approve_hop(hop(t, 0), acting_user=approvers.branch_a1)
    # a new transfer may start once the old one is closed
    assert do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary).pk


def test_external_transfer_letter_then_receipt_by_hand(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_external={"name": "中共某省某县某村支部委员会", "address": "某省某县"}),
                          acting_user=users.secretary)
    assert t.kind == TransferKind.OUTGOING_EXTERNAL and t.route == [tree.branch_a1.pk, tree.town_a.pk]
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    assert t.status == TransferStatus.LETTER_ISSUED and t.issued_on == timezone.localdate()
    with pytest.raises(ValidationError):  # before the letter was issued
        do_record_receipt(t, received_on=t.issued_on - dt.timedelta(days=1), acting_user=approvers.town_a)
    with pytest.raises(PermissionDenied):
        do_record_receipt(t, received_on=t.issued_on, acting_user=approvers.town_b)
    do_record_receipt(t, received_on=t.issued_on, note="对方组织部王某签收", acting_user=approvers.town_a)
    t.refresh_from_db()
    tree.alice.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED and tree.alice.status == MemberStatus.TRANSFERRED_OUT
    assert list(TransferLedgerEntry.objects.filter(transfer=t).values_list("organization_id", "direction")) == [
        (tree.branch_a1.pk, "out")]


def test_external_receipt_after_expiry_is_refused(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_external={"name": "外县某支部"}, validity_days=1),
                          acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    Transfer.objects.filter(pk=t.pk).update(issued_on=timezone.localdate() - dt.timedelta(days=10),
                                            valid_until=timezone.localdate() - dt.timedelta(days=9))
    t.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        do_record_receipt(t, received_on=timezone.localdate(), acting_user=approvers.town_a)
    assert "valid_until" in exc.value.message_dict
    tree.alice.refresh_from_db()
    assert tree.alice.status == MemberStatus.FULL


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_hop_exactly_one_wins(tree: Any, users: Any, approvers: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    first = hop(t, 0)
    deciders = [approvers.branch_a1, users.admin, approvers.town_a, approvers.county] * 2
    wins: list[int] = []
    refused: list[BaseException] = []
    other: list[BaseException] = []
    barrier = threading.Barrier(len(deciders))

    def worker(user: Any) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            do_approve_hop(TransferHop.objects.select_related("transfer").get(pk=first.pk), acting_user=user)
            wins.append(user.pk)
        except ValidationError as exc:
            refused.append(exc)
        except BaseException as exc:  # noqa: BLE001
            other.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in deciders]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not other
    assert len(wins) == 1 and len(refused) == len(deciders) - 1
    assert TransferHop.objects.get(pk=first.pk).state == HopState.APPROVED
    assert TransferHop.objects.get(transfer=t, order=1).state == HopState.PENDING
    assert AuditEvent.objects.filter(action="transfer.hop_approved", target_id=str(t.pk)).count() == 1


def test_members_moved_never_counted_twice(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.carol, start_data(to_org=tree.branch_a1.pk), acting_user=approvers.branch_a2)
    approve_through(t, [approvers.branch_a2, approvers.town_a, approvers.branch_a1])
    assert t.status == TransferStatus.COMPLETED
    assert Member.objects.filter(pk=tree.carol.pk, organization=tree.branch_a1, org_path=tree.branch_a1.path).exists()
