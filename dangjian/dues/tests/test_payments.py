"""Payments through WeChat Pay (the production adapter against the local simulator), offline
payments and refunds. Exactly-once: duplicates, replays, tampering and unknown orders change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.dues import BillStatus, NotificationOutcome, PaymentStatus
from dangjian.dues.actions import (
    do_create_online_payment,
    do_generate_bills,
    do_record_offline_payment,
    do_refund_payment,
    do_sync_payment,
)
from dangjian.dues.billing import add_months
from dangjian.dues.models import Bill, Payment, PaymentNotification
from dangjian.dues.tests.conftest import give_base


@pytest.fixture
def alice_bill(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    return Bill.objects.get(member=tree.alice, month=this_month)


def pay_online(tree, users, this_month, **kw):
    return do_create_online_payment(tree.alice, months=[this_month], channel="wechat", mode=kw.pop("mode", "native"),
                                    acting_user=users.member, **kw)


def post_notification(client, headers, body):
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    return client.post(reverse("dues:notify_wechat"), data=body, content_type="application/json", **meta)


def test_success_through_notification(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month)
    assert payment.status == PaymentStatus.PENDING and payment.pay_url.startswith("weixin://wxpay/bizpayurl?pr=")
    assert wechat_sim.order(payment.out_trade_no).amount == 7650
    wechat_sim.pay(payment.out_trade_no, notify=False)
    response = post_notification(client, *wechat_sim.notification(payment.out_trade_no))
    assert response.status_code == 200 and response.json() == {"code": "SUCCESS"}
    payment.refresh_from_db()
    alice_bill.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.gateway_txn_id.startswith("42000")
    assert alice_bill.status == BillStatus.PAID and alice_bill.payment == payment
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.ACCEPTED


def test_duplicate_notification_changes_nothing(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month)
    wechat_sim.pay(payment.out_trade_no, notify=False)
    headers, body = wechat_sim.notification(payment.out_trade_no)
    assert post_notification(client, headers, body).status_code == 200
    paid_at = Payment.objects.get(pk=payment.pk).paid_at
    assert post_notification(client, headers, body).status_code == 200  # replay: acknowledged, not applied
    assert Payment.objects.get(pk=payment.pk).paid_at == paid_at
    assert list(PaymentNotification.objects.order_by("pk").values_list("outcome", flat=True)) == [
        NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE]


def test_bad_signature_is_refused_and_logged(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month)
    wechat_sim.pay(payment.out_trade_no, notify=False)
    response = post_notification(client, *wechat_sim.notification(payment.out_trade_no, bad_signature=True))
    assert response.status_code == 401
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.BAD_SIGNATURE


def test_amount_mismatch_changes_nothing(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month)
    wechat_sim.pay(payment.out_trade_no, notify=False)
    response = post_notification(client, *wechat_sim.notification(payment.out_trade_no, amount=1))
    assert response.status_code == 400
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.AMOUNT_MISMATCH


def test_unknown_order_is_logged(client, tree, users, alice_bill, wechat_sim):
    response = post_notification(client, *wechat_sim.notification("DJ00000000000000000000000000", amount=7650))
    assert response.status_code == 400
    note = PaymentNotification.objects.get()
    assert note.outcome == NotificationOutcome.UNKNOWN_ORDER and note.payment is None
    assert not Payment.objects.filter(status=PaymentStatus.PAID).exists()


def test_failure_then_query_marks_failed(tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month)
    wechat_sim.fail(payment.out_trade_no)
    payment = do_sync_payment(payment, acting_user=users.member)
    assert payment.status == PaymentStatus.FAILED
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE


def test_timeout_then_late_notification(client, tree, users, this_month, alice_bill, wechat_sim):
    wechat_sim.delay_next = 4  # the adapter's timeout is 2 s: order creation times out
    payment = pay_online(tree, users, this_month)
    assert payment.status == PaymentStatus.CREATED and "timeout" in payment.last_error
    # the gateway did create the order; the payer pays and the notification comes late
    import time

    for _ in range(100):
        if payment.out_trade_no in wechat_sim.orders:
            break
        time.sleep(0.05)
    wechat_sim.pay(payment.out_trade_no, notify=False)
    assert post_notification(client, *wechat_sim.notification(payment.out_trade_no)).status_code == 200
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID


def test_notification_before_the_browser_returns(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month, mode="h5")
    assert "/sim/checkmweb?prepay_id=" in payment.pay_url
    wechat_sim.pay(payment.out_trade_no, notify=False)
    post_notification(client, *wechat_sim.notification(payment.out_trade_no))
    client.force_login(users.member)
    response = client.get(reverse("dues:pay_return", args=[payment.out_trade_no]))
    assert response.status_code == 302 and response["Location"] == reverse("dues:receipt", args=[payment.out_trade_no])
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID


def test_browser_returns_before_notification_query_applies(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month, mode="h5")
    wechat_sim.pay(payment.out_trade_no, notify=False)
    client.force_login(users.member)
    response = client.get(reverse("dues:pay_return", args=[payment.out_trade_no]))
    assert response["Location"] == reverse("dues:receipt", args=[payment.out_trade_no])
    # the notification that follows is a duplicate
    assert post_notification(client, *wechat_sim.notification(payment.out_trade_no)).status_code == 200
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.DUPLICATE


def test_refund(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online(tree, users, this_month)
    wechat_sim.pay(payment.out_trade_no, notify=False)
    post_notification(client, *wechat_sim.notification(payment.out_trade_no))
    payment.refresh_from_db()
    with pytest.raises(PermissionDenied):
        do_refund_payment(payment, reason="重复缴纳", acting_user=users.member)
    payment = do_refund_payment(payment, reason="重复缴纳", acting_user=users.secretary)
    assert payment.status == PaymentStatus.REFUNDED
    assert wechat_sim.order(payment.out_trade_no).refunds[0]["amount"]["refund"] == 7650
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE


def test_paying_someone_elses_dues_online_is_refused(tree, users, this_month, alice_bill, wechat_sim):
    with pytest.raises(PermissionDenied):
        do_create_online_payment(tree.bob, months=[this_month], channel="wechat", acting_user=users.member)


def test_advance_and_late_limits(tree, users, this_month, alice_bill, wechat_sim):
    with pytest.raises(ValidationError) as exc:
        pay_online_months(tree, users, [add_months(this_month, 7)])
    assert "months" in exc.value.message_dict
    payment = pay_online_months(tree, users, [this_month, add_months(this_month, 1), add_months(this_month, 2)])
    assert payment.amount_cents == 3 * 7650  # advance bills made on the spot
    assert Bill.objects.filter(member=tree.alice).count() == 3
    with pytest.raises(ValidationError):
        pay_online_months(tree, users, [add_months(this_month, -7)])


def pay_online_months(tree, users, months, **kw):
    return do_create_online_payment(tree.alice, months=months, channel="wechat", acting_user=users.member, **kw)


def test_large_voluntary_payment_is_flagged(tree, users, this_month, alice_bill, wechat_sim):
    payment = pay_online_months(tree, users, [this_month], voluntary_cents=100_000)
    assert payment.large_voluntary and payment.amount_cents == 7650 + 100_000
    small = do_record_offline_payment(tree.bob, months=[], channel="cash", voluntary_cents=99_999,
                                      acting_user=users.secretary)
    assert not small.large_voluntary


def test_treasurer_records_cash_and_bank_transfer(tree, users, this_month, alice_bill):
    with pytest.raises(ValidationError) as exc:
        do_record_offline_payment(tree.alice, months=[this_month], channel="bank_transfer", acting_user=users.secretary)
    assert "reference" in exc.value.message_dict
    payment = do_record_offline_payment(tree.alice, months=[this_month], channel="bank_transfer",
                                        reference="BK20261101", acting_user=users.secretary)
    assert payment.status == PaymentStatus.PAID and Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID
    with pytest.raises(ValidationError):  # already settled
        do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_record_offline_payment(tree.dave, months=[this_month], channel="cash", acting_user=users.secretary)


def test_money_taken_for_a_month_settled_meanwhile_is_flagged(client, tree, users, this_month, alice_bill,
                                                               wechat_sim):
    online = pay_online(tree, users, this_month)
    wechat_sim.stop()  # the payment service is out of reach: the open order cannot be closed …
    cash = do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    assert Payment.objects.get(pk=online.pk).status == PaymentStatus.PENDING  # … the cash is recorded all the same
    wechat_sim.pay(online.out_trade_no, notify=False)  # the member paid the open order anyway
    post_notification(client, *wechat_sim.notification(online.out_trade_no))
    online.refresh_from_db()
    assert online.status == PaymentStatus.PAID and online.conflict  # money taken twice: the treasurer refunds it
    assert Bill.objects.get(pk=alice_bill.pk).payment == cash


def test_periodic_sync_picks_up_a_lost_notification(tree, users, this_month, alice_bill, wechat_sim):
    import datetime as dt

    from django.utils import timezone

    from dangjian.dues.tasks import sync_pending_payments

    payment = pay_online(tree, users, this_month)
    wechat_sim.pay(payment.out_trade_no, notify=False)  # the notification never arrives
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    sync_pending_payments.enqueue()
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PAID


def test_treasurer_refunds_from_the_receipt_page(client, tree, users, this_month, alice_bill):
    payment = do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    client.force_login(users.member)
    assert "refund-form" not in client.get(reverse("dues:receipt", args=[payment.out_trade_no])).content.decode()
    client.force_login(users.secretary)
    assert "refund-form" in client.get(reverse("dues:receipt", args=[payment.out_trade_no])).content.decode()
    client.post(reverse("dues:refund", args=[payment.out_trade_no]), {"reason": "误登记"})
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE
