"""The transfers' statistics figures, against a hand-counted set of transfers made by the actions:
    T1  alice, branch_a1 → branch_b1, waiting at its first step          (in progress)
    T2  carol, branch_a2 → branch_a1, approved through                   (received today, within town_a)
    T3  dave, branch_b1 → a branch outside the platform, letter issued   (in progress)
    T4  bob, branch_a1 → outside, cancelled                              (closed)
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core import stats
from dangjian.members.transfers.actions import do_cancel_transfer, do_start_transfer
from dangjian.members.transfers.models import Transfer
from dangjian.members.transfers.tests.helpers import approve_through, start_data
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfers(tree: Any, users: Any, approvers: Any) -> SimpleNamespace:
    t = SimpleNamespace()
    t.t1 = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    t.t2 = do_start_transfer(tree.carol, start_data(to_org=tree.branch_a1.pk), acting_user=approvers.branch_a2)
    approve_through(t.t2, [approvers.branch_a2, approvers.town_a, approvers.branch_a1])
    t.t3 = do_start_transfer(tree.dave, start_data(to_external={"name": "外县某支部"}), acting_user=approvers.branch_b1)
    approve_through(t.t3, [approvers.branch_b1, approvers.town_b])
    t.t4 = do_start_transfer(tree.bob, start_data(to_external={"name": "外县某支部"}), acting_user=users.secretary)
    do_cancel_transfer(t.t4, reason="成员放弃调动", acting_user=users.secretary)
    return t


def test_hand_counted_today(tree: Any, transfers: Any) -> None:
    today = timezone.localdate()
    assert value("transfers.in_progress", tree.county, today) == 2                   # T1, T3
    assert value("transfers.in_progress", tree.town_a, today) == 1                   # T1 (out)
    assert value("transfers.in_progress", tree.town_b, today, direction="in") == 1   # T1 arrives there
    assert value("transfers.in_progress", tree.town_b, today, direction="out") == 1  # T3
    assert value("transfers.in_progress", tree.county, today, kind="outgoing_external") == 1
    assert value("transfers.completed", tree.county, today) == 1                     # T2
    assert value("transfers.completed", tree.town_a, today, direction="within") == 1
    assert value("transfers.completed", tree.branch_a1, today, direction="in") == 1
    assert value("transfers.completed", tree.branch_a2, today, direction="out") == 1
    fig = figure("transfers.in_progress")
    # per child: T1 under town_a (the sending side), T3 under town_b
    assert stats.breakdown(fig, tree.county.path, today, stats.CHILD) == {tree.town_a.path: 1, tree.town_b.path: 1}


def test_as_of_an_earlier_date(tree: Any, transfers: Any) -> None:
    """Started ten days ago; T2 received today, T4 cancelled five days ago."""
    now = timezone.now()
    Transfer.objects.update(created_at=now - dt.timedelta(days=10))
    Transfer.objects.filter(pk=transfers.t4.pk).update(closed_at=now - dt.timedelta(days=5))
    today = timezone.localdate()
    eleven_days_ago = today - dt.timedelta(days=11)
    assert value("transfers.in_progress", tree.county, eleven_days_ago) == 0
    assert value("transfers.in_progress", tree.county, today - dt.timedelta(days=6)) == 4
    assert value("transfers.in_progress", tree.county, today - dt.timedelta(days=1)) == 3   # T1, T2, T3
    if (today - dt.timedelta(days=1)).year == today.year:
        assert value("transfers.completed", tree.county, today - dt.timedelta(days=1)) == 0


def test_records_page_and_scope(client: Any, tree: Any, users: Any, transfers: Any) -> None:
    today = timezone.localdate()
    assert_records(client, users.admin, "transfers.in_progress", tree.county, today, 2)
    admin = assert_records(client, users.admin, "transfers.completed", tree.branch_a1, today, 1)
    own = assert_records(client, users.secretary, "transfers.completed", tree.branch_a1, today, 1)
    assert admin.context["rows"] == own.context["rows"]
    assert transfers.t2.number in own.content.decode()
    assert transfers.t2.id_number_masked not in own.content.decode()
    assert_not_found(client, users.publicity, "transfers.in_progress", tree.town_a, today)  # no transfers.view
    assert_not_found(client, users.secretary, "transfers.in_progress", tree.town_a, today)  # outside the scope
