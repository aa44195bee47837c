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
    assert result == {"expired": 0, "escalated": 0}
    assert Transfer.objects.count() == 1
