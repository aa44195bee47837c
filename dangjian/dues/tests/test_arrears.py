"""Arrears: reminders, the 3-month warning, the 6-month alert and the branch's decision."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core.models import Notification
from dangjian.dues import ArrearsLevel, ArrearsStatus
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.arrears import do_decide_arrears, run_arrears_check
from dangjian.dues.billing import add_months
from dangjian.dues.models import ArrearsAlert
from dangjian.dues.tasks import check_arrears
from dangjian.dues.tests.conftest import give_base


@pytest.fixture
def six_unpaid(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary, month=1, year=add_months(this_month, -6).year)
    for back in range(6, 0, -1):
        do_generate_bills(add_months(this_month, -back))
    return add_months(this_month, -1)


def test_three_months_warns_the_branch_once(tree, users, this_month, six_unpaid):
    last = add_months(this_month, -4)  # the check as it ran three months into the streak
    result = run_arrears_check(last)
    assert result["reminders"] == 1 and result["warnings"] == 1 and result["lapse_alerts"] == 0
    assert Notification.objects.filter(recipient=users.secretary, kind="dues.arrears_warning").count() == 1
    assert Notification.objects.filter(recipient=users.member, kind="dues.arrears_reminder").exists()
    assert run_arrears_check(last) == {"reminders": 0, "warnings": 0, "lapse_alerts": 0, "closed": 0}


def test_six_months_alerts_and_nothing_is_automatic(tree, users, this_month, six_unpaid):
    check_arrears.enqueue()
    alert = ArrearsAlert.objects.get(member=tree.alice, level=ArrearsLevel.LAPSE_ALERT)
    assert alert.months_unpaid == 6 and alert.unpaid_cents == 6 * 7650
    assert Notification.objects.filter(recipient=users.secretary, kind="dues.arrears_lapse").count() == 1
    tree.alice.refresh_from_db()
    assert tree.alice.status == "full"  # never automatic
    with pytest.raises(ValidationError):
        do_decide_arrears(alert, decision="lapse_decided", note="", acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_decide_arrears(alert, decision="lapse_decided", note="支部大会决定", acting_user=users.publicity)
    alert = do_decide_arrears(alert, decision="lapse_decided", note="支部大会讨论决定按自行脱党处理",
                              acting_user=users.secretary)
    assert alert.status == ArrearsStatus.LAPSE_DECIDED and alert.decided_by == users.secretary
    tree.alice.refresh_from_db()
    assert tree.alice.status == "full"


def test_paying_closes_open_steps(tree, users, this_month, six_unpaid):
    run_arrears_check(add_months(this_month, -4))
    do_record_offline_payment(tree.alice, months=[add_months(this_month, -b) for b in range(6, 0, -1)],
                              channel="cash", acting_user=users.secretary)
    assert run_arrears_check(six_unpaid)["closed"] == 2
    assert not ArrearsAlert.objects.filter(status=ArrearsStatus.OPEN).exists()


def test_arrears_page_scope(client, tree, users, this_month, six_unpaid):
    run_arrears_check(six_unpaid)
    client.force_login(users.secretary)
    from django.urls import reverse

    response = client.get(reverse("dues:arrears"))
    assert response.status_code == 200 and "张爱丽" in response.content.decode()
    client.force_login(users.member)
    assert client.get(reverse("dues:arrears")).status_code == 403


@pytest.fixture
def three_unpaid(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary, month=1, year=add_months(this_month, -3).year)
    for back in (3, 2, 1, 0):
        do_generate_bills(add_months(this_month, -back))
    return [add_months(this_month, -back) for back in (3, 2, 1)]


def _arrears_page(client, user):
    from django.urls import reverse

    client.force_login(user)
    response = client.get(reverse("dues:arrears"))
    assert response.status_code == 200
    return response.content.decode()


def test_page_lists_arrears_from_the_bills_before_any_job_ran(client, tree, users, three_unpaid):
    assert not ArrearsAlert.objects.exists()  # the monthly job has not run
    body = _arrears_page(client, users.secretary)
    assert "张爱丽" in body
    assert ", ".join(f"{m:%Y-%m}" for m in three_unpaid) in body  # the months, the current one not yet due
    assert "229.50" in body  # 3 × 76.50


def test_page_leaves_out_a_member_who_paid(client, tree, users, three_unpaid):
    do_record_offline_payment(tree.alice, months=three_unpaid, channel="cash", acting_user=users.secretary)
    body = _arrears_page(client, users.secretary)
    assert "张爱丽" not in body


def test_page_offers_the_branch_decision_on_a_lapse_alert(client, tree, users, this_month, six_unpaid):
    run_arrears_check(six_unpaid)
    alert = ArrearsAlert.objects.get(member=tree.alice, level=ArrearsLevel.LAPSE_ALERT)
    body = _arrears_page(client, users.secretary)
    assert f'name="alert" value="{alert.pk}"' in body and "459.00" in body  # 6 × 76.50
