"""The scheduled job: overdue steps notify their approvers and escalate (with a fixed "now"),
expired letters are closed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core import workdays
from dangjian.core.models import Notification
from dangjian.core.scheduler import JOBS
from dangjian.members.transfers import TransferStatus
from dangjian.members.transfers.actions import do_start_transfer, escalate_overdue_hops, expire_letters
from dangjian.members.transfers.models import Transfer
from dangjian.members.transfers.tasks import check_transfers
from dangjian.members.transfers.tests.helpers import approve_through, hop, start_data

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_job_is_registered() -> None:
    assert JOBS["transfers.check"].task_path == "dangjian.members.transfers.tasks.check_transfers"


def test_overdue_hop_notifies_approvers_and_escalates_once(tree: Any, users: Any, approvers: Any,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    first = hop(t, 0)
    due = first.due_on
    assert due is not None
    # on the due day: still in time
    assert escalate_overdue_hops(now=_at(due)) == []
    # the next working day after the due date: overdue
    late = workdays.add_workdays(due, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_hops(now=_at(late)) == [first.pk]
    first.refresh_from_db()
    assert first.escalated_to == tree.town_a and first.escalated_at == _at(late)
    own = Notification.objects.filter(recipient=approvers.branch_a1, kind="transfers.overdue")
    up = Notification.objects.filter(recipient=approvers.town_a, kind="transfers.overdue")
    assert own.count() == 1 and up.count() == 1
    assert t.number in up.get().title
    # once per activation: the next run sends nothing more
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue_hops(now=_at(late + dt.timedelta(days=3))) == []
    assert Notification.objects.filter(kind="transfers.overdue").count() == 2


def test_escalation_goes_past_an_org_without_approvers(tree: Any, users: Any, approvers: Any, root_user: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    receiving = hop(t, 2)  # town_b; its parent is the county
    assert receiving.due_on is not None
    late = workdays.add_workdays(receiving.due_on, 2)
    assert escalate_overdue_hops(now=_at(late)) == [receiving.pk]
    receiving.refresh_from_db()
    assert receiving.escalated_to == tree.county


def test_expire_letters_closes_active_transfers_past_validity(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    assert t.valid_until is not None
    assert expire_letters(today=t.valid_until) == []
    assert expire_letters(today=t.valid_until + dt.timedelta(days=1)) == [t.pk]
    t.refresh_from_db()
    assert t.status == TransferStatus.EXPIRED
    # the member can be sent again with a new letter
    assert do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary).pk


def test_task_runs(tree: Any, users: Any) -> None:
    do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    result = check_transfers.call()
    assert result == {"expired": 0, "escalated": 0, "receipts": 0}
    assert Transfer.objects.count() == 1


# --- receipt within one month (DOMAIN §7) ---------------------------------------------------------

def _notified(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind="transfers.overdue").values_list("title", flat=True))


def test_internal_receipt_due_one_month_after_issue_reminds_receiving_side_once(
        tree: Any, users: Any, approvers: Any, django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.core.months import add_months
    from dangjian.members.transfers.actions import remind_overdue_receipts

    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk, validity_days=60),
                          acting_user=users.secretary)
    assert t.receipt_due_on is None  # no letter yet
    approve_through(t, [approvers.branch_a1, approvers.town_a])  # the sending committee issues the letter
    assert t.issued_on is not None and t.receipt_due_on == add_months(t.issued_on, 1)
    assert t.receipt_due_on is not None
    assert remind_overdue_receipts(today=t.receipt_due_on) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_receipts(today=t.receipt_due_on + dt.timedelta(days=1)) == [t.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_receipts(today=t.receipt_due_on + dt.timedelta(days=2)) == []  # once
    # the receiving committee and the one above it are told; the sending side is not
    assert len(_notified(approvers.town_b)) == 1 and len(_notified(approvers.county)) == 1
    assert _notified(approvers.town_a) == [] and _notified(approvers.branch_a1) == []
    # not expired before the letter's validity ends
    assert expire_letters(today=t.receipt_due_on + dt.timedelta(days=1)) == []


def test_external_letter_waits_for_its_receipt_instead_of_expiring(
        tree: Any, users: Any, approvers: Any, django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.core.months import add_months
    from dangjian.members.transfers.actions import do_record_receipt, remind_overdue_receipts

    t = do_start_transfer(tree.alice, start_data(to_external={"name": "外县某支部"}, validity_days=30),
                          acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    assert t.status == TransferStatus.LETTER_ISSUED and t.valid_until is not None
    assert t.receipt_due_on == add_months(t.valid_until, 1)
    # after the last valid day the letter is not closed: the member may have reported in time
    assert expire_letters(today=t.valid_until + dt.timedelta(days=5)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_overdue_receipts(today=t.receipt_due_on + dt.timedelta(days=1)) == [t.pk]
    assert len(_notified(approvers.town_a)) == 1  # the sending committee chases the receipt
    # the receipt signed within the validity is recorded when it comes back
    do_record_receipt(t, received_on=t.issued_on, acting_user=approvers.town_a)  # type: ignore[arg-type]
    t.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED and not t.receipt_overdue


def test_overdue_receipts_on_the_list(client: Any, tree: Any, users: Any, approvers: Any,
                                      django_assert_max_num_queries: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk, validity_days=60),
                          acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    other = do_start_transfer(tree.carol, start_data(to_org=tree.branch_b1.pk), acting_user=users.admin)
    client.force_login(approvers.town_b)
    page = client.get("/transfers/?tab=all").content.decode()
    assert 'id="receipts-notice"' not in page and "receipt-overdue" not in page
    Transfer.objects.filter(pk=t.pk).update(receipt_due_on=timezone.localdate() - dt.timedelta(days=1))
    client.get("/transfers/?tab=receipts")
    with django_assert_max_num_queries(20):
        page = client.get("/transfers/?tab=receipts").content.decode()
    assert t.number in page and other.number not in page and 'id="overdue-receipts">1<' in page
    page = client.get("/transfers/?tab=all").content.decode()
    assert 'id="receipts-notice"' in page and "receipt-overdue" in page
    detail = client.get(f"/transfers/{t.pk}/").content.decode()
    assert 'id="receipt-due"' in detail
    client.force_login(users.nobody)  # outside every scope: sees none of it
    assert client.get("/transfers/?tab=receipts").status_code in (403, 302)
