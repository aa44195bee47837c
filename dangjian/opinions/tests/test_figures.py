"""The opinions figure against hand-counted opinions sent through the actions, then dated:
    O1  portal, branch_a1, suggestion, 10 Feb 2026
    O2  phone app, town_a, complaint, 1 May 2026
    O3  logged by staff, no place (the county's), inquiry, 1 Jun 2026
    O4  portal, branch_b1, 1 Nov 2025
    O5  portal, branch_a2, 1 Sep 2026
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from dangjian.core import stats
from dangjian.opinions.actions import do_log_opinion_for_caller, do_submit_opinion
from dangjian.opinions.models import Opinion
from dangjian.opinions.tests.helpers import opinion_data
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db


def _sent(opinion: Opinion, day: dt.date) -> Opinion:
    Opinion.objects.filter(pk=opinion.pk).update(created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))))
    return opinion


@pytest.fixture
def opinions(tree: Any, users: Any) -> None:
    anon = AnonymousUser()
    _sent(do_submit_opinion(opinion_data(title="村口路灯坏了", place=tree.branch_a1.pk), [], acting_user=anon),
          dt.date(2026, 2, 10))
    _sent(do_submit_opinion(opinion_data(title="镇上垃圾清运不及时", kind="complaint", place=tree.town_a.pk, phone=""),
                            [], acting_user=users.public, channel="phone_app"), dt.date(2026, 5, 1))
    _sent(do_log_opinion_for_caller(opinion_data(title="咨询医保报销", kind="inquiry"), [], acting_user=users.admin),
          dt.date(2026, 6, 1))
    _sent(do_submit_opinion(opinion_data(title="社区停车难", place=tree.branch_b1.pk), [], acting_user=anon),
          dt.date(2025, 11, 1))
    _sent(do_submit_opinion(opinion_data(title="二村道路破损", place=tree.branch_a2.pk), [], acting_user=anon),
          dt.date(2026, 9, 1))


def test_end_of_november(tree: Any, opinions: None) -> None:
    day = dt.date(2026, 11, 30)
    assert value("opinions.received", tree.county, day) == 4                     # O1, O2, O3, O5
    assert value("opinions.received", tree.town_a, day) == 3                     # O1, O2, O5
    assert value("opinions.received", tree.county, day, channel="portal") == 2
    assert value("opinions.received", tree.county, day, kind="inquiry") == 1
    fig = figure("opinions.received")
    assert stats.breakdown(fig, tree.county.path, day, stats.CHILD) == {tree.town_a.path: 3, tree.county.path: 1}
    assert stats.breakdown(fig, tree.county.path, day, "channel") == {"portal": 2, "phone_app": 1, "staff_logged": 1}


def test_as_of_earlier_dates(tree: Any, opinions: None) -> None:
    assert value("opinions.received", tree.county, dt.date(2026, 5, 31)) == 2   # O1, O2
    assert value("opinions.received", tree.county, dt.date(2026, 2, 9)) == 0
    assert value("opinions.received", tree.county, dt.date(2025, 12, 31)) == 1  # O4


def test_records_page_and_scope(client: Any, tree: Any, users: Any, opinions: None) -> None:
    day = dt.date(2026, 11, 30)
    response = assert_records(client, users.admin, "opinions.received", tree.county, day, 4)
    assert "13912345678" not in response.content.decode() and "张三丰" not in response.content.decode()
    admin = assert_records(client, users.admin, "opinions.received", tree.branch_a1, day, 1)
    own = assert_records(client, users.secretary, "opinions.received", tree.branch_a1, day, 1)
    assert admin.context["rows"] == own.context["rows"]
    assert_not_found(client, users.publicity, "opinions.received", tree.town_a, day)  # no opinions.view
    assert_not_found(client, users.secretary, "opinions.received", tree.town_a, day)  # outside the scope
