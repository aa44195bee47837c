"""The floating-members figure against hand-counted certificates issued through the actions:
    C1  alice (branch_a1) → host branch_b1, issued 300 days ago, in force
    C2  carol (branch_a2) → abroad, outside the platform, issued 280 days ago, returned 150 days ago
    C3  dave (branch_b1) → outside the platform, issued 200 days ago, in force
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.core import stats
from dangjian.members.lifecycle.actions import do_issue_certificate, do_return_certificate
from dangjian.members.lifecycle.tests.conftest import issue_data
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db


def _ago(today: dt.date, days: int) -> str:
    return (today - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def certs(tree: Any, people: Any, today: dt.date) -> SimpleNamespace:
    c = SimpleNamespace()
    c.c1 = do_issue_certificate(tree.alice, issue_data(tree.branch_b1, issued_on=_ago(today, 300)),
                                acting_user=people.secretary)
    c.c2 = do_issue_certificate(tree.carol, issue_data(None, abroad=True, issued_on=_ago(today, 280)),
                                acting_user=people.town_secretary)
    do_return_certificate(c.c2, reason="回到本村", on_date=_ago(today, 150), acting_user=people.town_secretary)
    c.c3 = do_issue_certificate(tree.dave, issue_data(None, issued_on=_ago(today, 200)),
                                acting_user=people.other_town)
    return c


def test_hand_counted_today(tree: Any, certs: Any, today: dt.date) -> None:
    assert value("lifecycle.floating", tree.county, today) == 2                     # C1, C3
    assert value("lifecycle.floating", tree.town_a, today) == 1                     # C1 (counted at home)
    assert value("lifecycle.floating", tree.branch_b1, today) == 1                  # C3, not its guest C1
    assert value("lifecycle.floating", tree.county, today, host="platform") == 1
    fig = figure("lifecycle.floating")
    assert stats.breakdown(fig, tree.county.path, today, "host") == {"platform": 1, "outside": 1}


def test_as_of_an_earlier_date(tree: Any, certs: Any, today: dt.date) -> None:
    day = today - dt.timedelta(days=250)  # C1 and C2 in force, C3 not yet issued
    assert value("lifecycle.floating", tree.county, day) == 2
    assert value("lifecycle.floating", tree.town_a, day, abroad="abroad") == 1
    assert value("lifecycle.floating", tree.county, today - dt.timedelta(days=301)) == 0
    assert value("lifecycle.floating", tree.county, today - dt.timedelta(days=300)) == 1
    # returned 150 days ago: in force until the day before
    assert value("lifecycle.floating", tree.branch_a2, today - dt.timedelta(days=151)) == 1
    assert value("lifecycle.floating", tree.branch_a2, today - dt.timedelta(days=150)) == 0


def test_records_page_and_scope(client: Any, tree: Any, people: Any, certs: Any, today: dt.date) -> None:
    assert_records(client, people.admin, "lifecycle.floating", tree.county, today, 2)
    admin = assert_records(client, people.admin, "lifecycle.floating", tree.branch_a1, today, 1)
    own = assert_records(client, people.secretary, "lifecycle.floating", tree.branch_a1, today, 1)
    assert admin.context["rows"] == own.context["rows"]
    assert certs.c1.number in own.content.decode()
    assert_not_found(client, people.publicity, "lifecycle.floating", tree.town_a, today)  # no lifecycle.view
    assert_not_found(client, people.secretary, "lifecycle.floating", tree.town_a, today)  # outside the scope
