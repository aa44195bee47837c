"""Bases: self-report, branch check, mid-year change, scope."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.dues import BaseSource, BaseStatus, BillStatus
from dangjian.dues.actions import do_generate_bills, do_review_base, do_submit_base
from dangjian.dues.billing import add_months
from dangjian.dues.models import Bill, DuesBase
from dangjian.dues.tests.conftest import give_base


def report(member, user, cents=510000, month=1, year=None, **extra):
    from dangjian.dues.billing import current_month

    data = {"year": year or current_month().year, "effective_month": month, "category": "in_service",
            "income_breakdown": [{"item": "基本工资", "cents": cents + 50000}, {"item": "个人所得税", "cents": -50000}],
            **extra}
    return do_submit_base(member, data, acting_user=user)


def test_member_self_report_waits_for_branch(tree, users):
    base = report(tree.alice, users.member)
    assert base.status == BaseStatus.SUBMITTED and base.source == BaseSource.SELF_REPORT
    assert base.base_cents == 510000
    assert AuditEvent.objects.filter(action="dues.base_submitted", target_id=str(base.pk)).exists()


def test_member_cannot_report_for_someone_else(tree, users):
    with pytest.raises(PermissionDenied):
        report(tree.bob, users.member)


def test_secretary_approves_and_outsider_cannot(tree, users):
    base = report(tree.alice, users.member)
    with pytest.raises(PermissionDenied):
        do_review_base(base, approve=True, acting_user=users.publicity)
    base = do_review_base(base, approve=True, acting_user=users.secretary)
    assert base.status == BaseStatus.APPROVED and base.reviewed_by == users.secretary


def test_return_needs_a_note(tree, users):
    base = report(tree.alice, users.member)
    with pytest.raises(ValidationError) as exc:
        do_review_base(base, approve=False, acting_user=users.secretary)
    assert "review_note" in exc.value.message_dict
    base = do_review_base(base, approve=False, note="工资条不全", acting_user=users.secretary)
    assert base.status == BaseStatus.REJECTED


def test_reviewing_twice_is_refused(tree, users):
    base = do_review_base(report(tree.alice, users.member), approve=True, acting_user=users.secretary)
    with pytest.raises(ValidationError):
        do_review_base(base, approve=True, acting_user=users.secretary)


def test_bad_input_names_the_field(tree, users):
    with pytest.raises(ValidationError) as exc:
        do_submit_base(tree.alice, {"year": 1999, "effective_month": 13, "category": "nope"}, acting_user=users.member)
    assert {"year", "effective_month", "category"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        report(tree.alice, users.member, cents=-600000)
    assert "base" in exc.value.message_dict


def test_branch_entry_is_approved_at_once(tree, users):
    base = give_base(tree.alice, 510000, acting_user=users.secretary)
    assert base.status == BaseStatus.APPROVED and base.source == BaseSource.BRANCH


def test_new_report_replaces_waiting_one(tree, users):
    first = report(tree.alice, users.member, cents=300000)
    second = report(tree.alice, users.member, cents=310000)
    first.refresh_from_db()
    assert first.status == BaseStatus.SUPERSEDED and second.status == BaseStatus.SUBMITTED


@pytest.fixture
def mid_july(monkeypatch):
    """The wall clock pinned at 15 July 2026, so that three months back stay in one year whatever
    today is (the test is about a change inside a year)."""
    now = dt.datetime(2026, 7, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: now)
    return dt.date(2026, 7, 1)


def test_mid_year_change_applies_from_its_month(tree, users, mid_july):
    this_month = mid_july
    start = add_months(this_month, -2)
    give_base(tree.alice, 510000, acting_user=users.secretary, month=1, year=start.year)
    for back in (2, 1, 0):
        do_generate_bills(add_months(this_month, -back))
    old = Bill.objects.get(member=tree.alice, month=start)
    assert old.amount_cents == 7650  # 5100 × 1.5 %
    new_month = add_months(this_month, -1)
    give_base(tree.alice, 1200000, acting_user=users.secretary, month=new_month.month, year=new_month.year)
    old.refresh_from_db()
    assert old.amount_cents == 7650  # before the change: unchanged
    changed = Bill.objects.get(member=tree.alice, month=new_month)
    assert changed.amount_cents == 24000 and changed.status == BillStatus.DUE  # 12000 × 2 %
    assert DuesBase.objects.filter(member=tree.alice, status=BaseStatus.APPROVED).count() == 2
