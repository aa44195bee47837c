"""Alipay: the production adapter (python-alipay-sdk) against the local Alipay simulator."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest
from django.urls import reverse

from dangjian.dues import BillStatus, NotificationOutcome, PaymentStatus
from dangjian.dues.actions import do_create_online_payment, do_generate_bills, do_refund_payment, do_sync_payment
from dangjian.dues.models import Bill, Payment, PaymentNotification
from dangjian.dues.tests.conftest import give_base


@pytest.fixture
def alice_bill(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    return Bill.objects.get(member=tree.alice, month=this_month)


def start(tree, users, this_month, sim, mode="native"):
    payment = do_create_online_payment(tree.alice, months=[this_month], channel="alipay", mode=mode,
                                       acting_user=users.member)
    assert payment.status == PaymentStatus.PENDING and payment.pay_url.startswith(sim.url + "?")
    with urllib.request.urlopen(payment.pay_url) as page:  # noqa: S310 - the payer opens the cashier
        assert "76.50" in page.read().decode()
    return payment


def post(client, fields):
    return client.post(reverse("dues:notify_alipay"), data=urllib.parse.urlencode(fields),
                       content_type="application/x-www-form-urlencoded")


def test_page_pay_signed_url_and_success_notification(client, tree, users, this_month, alice_bill, alipay_sim):
    payment = start(tree, users, this_month, alipay_sim)
    order = alipay_sim.orders[payment.out_trade_no]
    assert order.product_code == "FAST_INSTANT_TRADE_PAY" and order.total_amount == "76.50"
    assert order.return_url.endswith(f"/dues/pay/{payment.out_trade_no}/return/")
    alipay_sim.pay(payment.out_trade_no, notify=False)
    response = post(client, alipay_sim.notification(payment.out_trade_no))
    assert response.status_code == 200 and response.content == b"success"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.gateway_txn_id == order.trade_no
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID
    # replayed: acknowledged, nothing changes
    assert post(client, alipay_sim.notification(payment.out_trade_no)).content == b"success"
    assert list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE]


def test_wap_pay_on_a_phone(tree, users, this_month, alice_bill, alipay_sim):
    payment = start(tree, users, this_month, alipay_sim, mode="h5")
    assert alipay_sim.orders[payment.out_trade_no].product_code == "QUICK_WAP_PAY"


def test_bad_signature_wrong_amount_other_app_unknown_order(client, tree, users, this_month, alice_bill, alipay_sim):
    payment = start(tree, users, this_month, alipay_sim)
    alipay_sim.pay(payment.out_trade_no, notify=False)
    assert post(client, alipay_sim.notification(payment.out_trade_no, bad_signature=True)).status_code == 401
    assert post(client, alipay_sim.notification(payment.out_trade_no, total_amount="0.01")).status_code == 400
    assert post(client, alipay_sim.notification(payment.out_trade_no, app_id="2021999999999999")).status_code == 401
    assert post(client, alipay_sim.notification("DJ20990101000000000000000000", total_amount="76.50")).status_code == 400
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        NotificationOutcome.BAD_SIGNATURE, NotificationOutcome.AMOUNT_MISMATCH, NotificationOutcome.BAD_SIGNATURE,
        NotificationOutcome.UNKNOWN_ORDER]


def test_browser_returns_first_then_query_applies(client, tree, users, this_month, alice_bill, alipay_sim):
    payment = start(tree, users, this_month, alipay_sim)
    assert do_sync_payment(payment, acting_user=users.member).status == PaymentStatus.PENDING
    alipay_sim.pay(payment.out_trade_no, notify=False)
    client.force_login(users.member)
    response = client.get(reverse("dues:pay_return", args=[payment.out_trade_no]))
    assert response["Location"] == reverse("dues:receipt", args=[payment.out_trade_no])


def test_query_timeout_changes_nothing(tree, users, this_month, alice_bill, alipay_sim):
    payment = start(tree, users, this_month, alipay_sim)
    alipay_sim.pay(payment.out_trade_no, notify=False)
    alipay_sim.delay_next = 4  # the adapter's timeout is 2 s
    assert do_sync_payment(payment, acting_user=users.member).status == PaymentStatus.PENDING
    assert do_sync_payment(payment, acting_user=users.member).status == PaymentStatus.PAID  # asked again later


def test_refund(client, tree, users, this_month, alice_bill, alipay_sim):
    payment = start(tree, users, this_month, alipay_sim)
    alipay_sim.pay(payment.out_trade_no, notify=False)
    post(client, alipay_sim.notification(payment.out_trade_no))
    payment = do_refund_payment(Payment.objects.get(pk=payment.pk), reason="重复缴纳", acting_user=users.secretary)
    assert payment.status == PaymentStatus.REFUNDED
    assert alipay_sim.orders[payment.out_trade_no].refunded == "76.50"
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE
