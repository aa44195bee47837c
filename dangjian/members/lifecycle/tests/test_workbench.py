"""Lifecycle to-dos on the workbench: floating members' report-backs due, status changes to approve."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.core.months import add_months
from dangjian.core.todos import forget_counts, todos_for
from dangjian.members.lifecycle.actions import (
    do_approve_status_request,
    do_issue_certificate,
    do_propose_status_change,
    do_record_report_back,
    do_reject_status_request,
)
from dangjian.members.lifecycle.tests.conftest import issue_data
from dangjian.members.lifecycle.todos import decide_count, report_count

pytestmark = pytest.mark.django_db


def _refs(user: Any, source: str) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=[source]).items]


def test_report_back_due_is_a_todo_of_the_home_branch_until_recorded(tree: Any, people: Any, today: dt.date) -> None:
    due_soon = do_issue_certificate(tree.alice, issue_data(
        tree.branch_b1, issued_on=add_months(today, -12) + dt.timedelta(days=3),
        expires_on=add_months(today, 6)), acting_user=people.secretary)
    abroad_late = do_issue_certificate(tree.bob, issue_data(
        None, abroad=True, issued_on=add_months(today, -6) - dt.timedelta(days=1),
        expires_on=add_months(today, 6)), acting_user=people.secretary)
    do_issue_certificate(tree.carol, issue_data(  # due in a month: not yet
        None, issued_on=add_months(today, -11), expires_on=add_months(today, 6)), acting_user=people.admin)
    items = todos_for(people.secretary, sources=["lifecycle.report"]).items
    assert [t.ref for t in items] == [f"floating:{abroad_late.pk}", f"floating:{due_soon.pk}"]
    assert items[0].urgent and items[0].due == add_months(abroad_late.issued_on, 6)
    assert not items[1].urgent and items[1].due == today + dt.timedelta(days=3)
    assert items[1].url == f"/lifecycle/floating/{due_soon.pk}/"
    assert report_count(people.secretary) == 2
    # the county above sees its subtree; the host branch, another town, a member do not
    assert set(_refs(people.admin, "lifecycle.report")) == {f"floating:{due_soon.pk}", f"floating:{abroad_late.pk}"}
    for other in (people.host_secretary, people.other_town, people.other_county, people.member, people.discipline):
        assert _refs(other, "lifecycle.report") == []
    do_record_report_back(due_soon, {"reported_on": today, "channel": "phone", "summary": "在深圳务工，参加流入地支部活动"},
                          acting_user=people.secretary)
    assert _refs(people.secretary, "lifecycle.report") == [f"floating:{abroad_late.pk}"]


def test_status_change_is_a_todo_of_the_committee_above_until_decided(tree: Any, people: Any) -> None:
    req = do_propose_status_change(tree.alice, {"kind": "death", "reason": "病故", "effective_on": dt.date.today()},
                                   acting_user=people.secretary)
    ref = f"status-request:{req.pk}"
    [item] = todos_for(people.town_secretary, sources=["lifecycle.decide"]).items
    assert item.ref == ref and item.url == f"/lifecycle/status-requests/{req.pk}/" and item.org == tree.branch_a1.name
    # the town has its own secretary: not the county, not the proposing branch, not elsewhere
    for other in (people.admin, people.secretary, people.host_secretary, people.other_town, people.member):
        assert _refs(other, "lifecycle.decide") == []
    do_approve_status_request(req, acting_user=people.town_secretary, note="同意")
    assert _refs(people.town_secretary, "lifecycle.decide") == []


def test_without_an_approver_on_the_town_the_county_decides(tree: Any, users: Any) -> None:
    req = do_propose_status_change(tree.alice, {"kind": "death", "reason": "病故", "effective_on": dt.date.today()},
                                   acting_user=users.secretary)
    assert _refs(users.admin, "lifecycle.decide") == [f"status-request:{req.pk}"]
    assert decide_count(users.admin) == 1 and decide_count(users.secretary) == 0
    do_reject_status_request(req, acting_user=users.admin, note="材料不全")
    assert _refs(users.admin, "lifecycle.decide") == []


def test_counts_are_one_query(tree: Any, people: Any, django_assert_max_num_queries: Any) -> None:
    report_count(people.secretary)
    decide_count(people.town_secretary)  # role assignments, once per request
    with django_assert_max_num_queries(1):
        report_count(people.secretary)
    with django_assert_max_num_queries(1):
        decide_count(people.town_secretary)
