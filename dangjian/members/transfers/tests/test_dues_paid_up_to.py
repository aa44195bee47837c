"""The letter's "dues paid up to" comes from the dues bills when the starter leaves it blank, and
the bills stay with the member when the membership moves (DOMAIN.md §7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.billing import current_month
from dangjian.dues.selectors import paid_up_to
from dangjian.dues.tests.conftest import give_base
from dangjian.members.transfers.actions import do_start_transfer
from dangjian.members.transfers.tests.helpers import start_data

pytestmark = pytest.mark.django_db


def _month_before(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def test_paid_up_to_is_the_month_before_the_first_unpaid_bill(tree: Any, users: Any) -> None:
    this = current_month()
    last = _month_before(this)
    give_base(tree.alice, 510000, acting_user=users.secretary, year=last.year, month=last.month)
    assert paid_up_to(tree.alice) is None  # no bills yet
    do_generate_bills(last)
    do_generate_bills(this)
    assert paid_up_to(tree.alice) is None  # both unpaid
    do_record_offline_payment(tree.alice, months=[last], channel="cash", acting_user=users.secretary)
    assert paid_up_to(tree.alice) == last
    do_record_offline_payment(tree.alice, months=[this], channel="cash", acting_user=users.secretary)
    assert paid_up_to(tree.alice) == this


def test_blank_field_takes_the_month_from_the_bills_and_a_typed_one_wins(tree: Any, users: Any) -> None:
    this = current_month()
    give_base(tree.alice, 510000, acting_user=users.secretary, year=this.year, month=this.month)
    do_generate_bills(this)
    do_record_offline_payment(tree.alice, months=[this], channel="cash", acting_user=users.secretary)

    transfer = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk, dues_paid_until=""),
                                 acting_user=users.secretary)
    assert transfer.dues_paid_until == this

    typed = do_start_transfer(tree.bob, start_data(to_org=tree.branch_b1.pk, dues_paid_until="2025-12"),
                              acting_user=users.secretary)
    assert typed.dues_paid_until == dt.date(2025, 12, 1)
