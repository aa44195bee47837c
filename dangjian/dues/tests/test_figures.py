"""The dues figures against a hand-counted ledger made by the actions, then dated in 2025.

Every member's base gives 76.50 yuan a month; bills for January to April 2025, each made on the
first of its month. Payments (cash, recorded by the branch):
    alice  January–March, paid 10 April        bob    nothing
    carol  January, paid 5 February            dave   January–April, paid 20 April
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core import stats
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.models import Bill, Payment
from dangjian.dues.tests.conftest import give_base
from dangjian.members.actions import do_change_member_status
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2025, m, 1) for m in (1, 2, 3, 4)]


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _pay(member: Any, months: list[dt.date], on: dt.date, user: Any) -> Payment:
    p = do_record_offline_payment(member, months=months, channel="cash", acting_user=user)
    Payment.objects.filter(pk=p.pk).update(paid_at=_at(on))
    Bill.objects.filter(payment=p).update(paid_at=_at(on))
    return p


@pytest.fixture
def ledger(tree: Any, users: Any) -> None:
    for m in (tree.alice, tree.bob, tree.carol, tree.dave):
        give_base(m, 510000, acting_user=users.admin, year=2025, month=1)
    for month in MONTHS:
        do_generate_bills(month)
        Bill.objects.filter(month=month).update(created_at=_at(month))
    assert Bill.objects.count() == 16 and {b.amount_cents for b in Bill.objects.all()} == {7650}
    _pay(tree.alice, MONTHS[:3], dt.date(2025, 4, 10), users.admin)
    _pay(tree.carol, MONTHS[:1], dt.date(2025, 2, 5), users.admin)
    _pay(tree.dave, MONTHS, dt.date(2025, 4, 20), users.admin)


def test_end_of_april(tree: Any, ledger: None) -> None:
    day = dt.date(2025, 4, 30)  # April has ended at the end of the day
    assert value("dues.arrears", tree.county, day) == 3                   # alice (April), bob, carol
    assert value("dues.arrears", tree.branch_a1, day) == 2
    assert value("dues.arrears", tree.branch_b1, day) == 0
    assert value("dues.collection_rate", tree.county, day) == Decimal("50.0")   # 8 of 16 bills
    assert value("dues.collection_rate", tree.town_b, day) == Decimal("100.0")
    assert value("dues.collected", tree.county, day) == Decimal("612.00")       # 8 × 76.50
    assert value("dues.payments", tree.county, day, channel="cash") == 3
    fig = figure("dues.arrears")
    assert stats.breakdown(fig, tree.county.path, day, stats.CHILD) == {tree.town_a.path: 3}


def test_as_of_earlier_dates(tree: Any, ledger: None) -> None:
    mid_april = dt.date(2025, 4, 15)  # March has ended, April not; alice and carol had paid
    assert value("dues.arrears", tree.county, mid_april) == 3                   # bob, carol, dave
    assert value("dues.collection_rate", tree.county, mid_april) == Decimal("25.0")  # 4 of 16
    assert value("dues.collected", tree.county, mid_april) == Decimal("306.00")
    end_of_march = dt.date(2025, 3, 31)  # April's bills not made yet
    assert value("dues.arrears", tree.county, end_of_march) == 4
    assert value("dues.collection_rate", tree.county, end_of_march) == Decimal("8.3")  # 1 of 12
    assert value("dues.collection_rate", tree.county, dt.date(2024, 12, 31)) is None


def test_today_reads_the_bills_as_they_are(tree: Any, ledger: None) -> None:
    """As of today the bills are read as they stand (no timestamps needed): the same as yesterday's
    figures, nothing having changed since."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert value("dues.arrears", tree.county, today) == value("dues.arrears", tree.county, yesterday) == 3
    assert value("dues.collection_rate", tree.county, dt.date(2025, 12, 31)) == Decimal("50.0")


def test_member_who_left_after_the_day_still_counts_then(tree: Any, users: Any, ledger: None) -> None:
    do_change_member_status(tree.bob, "lapsed", acting_user=users.admin, reason="自行脱党")
    today = timezone.localdate()
    assert value("dues.arrears", tree.county, today) == 2                   # alice, carol
    assert value("dues.arrears", tree.county, dt.date(2025, 4, 30)) == 3


def test_records_page_and_scope(client: Any, tree: Any, users: Any, ledger: None) -> None:
    day = dt.date(2025, 4, 30)
    response = assert_records(client, users.admin, "dues.arrears", tree.county, day, 3)
    bob = next(r for r in response.context["rows"] if r["cells"][0][1] == "李博")
    assert [v for _label, v in bob["cells"]][2:] == [4, "2025-01", "306.00"]
    assert_records(client, users.admin, "dues.payments", tree.county, day, 3)
    admin = assert_records(client, users.admin, "dues.arrears", tree.branch_a1, day, 2)
    own = assert_records(client, users.secretary, "dues.arrears", tree.branch_a1, day, 2)
    assert admin.context["rows"] == own.context["rows"]
    assert tree.bob.person.id_number not in own.content.decode()
    # The collection rate drills to the members in arrears.
    assert figure("dues.collection_rate").drill_key == "dues.arrears"
    assert_not_found(client, users.publicity, "dues.arrears", tree.town_a, day)   # no dues.manage
    assert_not_found(client, users.secretary, "dues.arrears", tree.town_a, day)   # outside the scope
