"""Refunds finished by the gateway: WeChat Pay's REFUND.* notifications (signed, AES-GCM encrypted,
sent by the simulator to the refund's notify URL), the refund query and Alipay's refund query.
Exactly once: duplicates, bad signatures, unknown refunds and wrong amounts change nothing."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.dues import BillStatus, NotificationEvent, NotificationOutcome, PaymentStatus, RefundStatus
from dangjian.dues.actions import do_create_online_payment, do_generate_bills, do_refund_payment
from dangjian.dues.models import Bill, DuesRefund, Payment, PaymentNotification
from dangjian.dues.refunds import do_sync_refund
from dangjian.dues.tasks import sync_pending_refunds
from dangjian.dues.tests.conftest import give_base, point_notify_at


@pytest.fixture
def alice_bill(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    return Bill.objects.get(member=tree.alice, month=this_month)


def post_json(client, name, headers, body):
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    return client.post(reverse(name), data=body, content_type="application/json", **meta)


@pytest.fixture
def paid(client, tree, users, this_month, alice_bill, wechat_sim):
    payment = do_create_online_payment(tree.alice, months=[this_month], channel="wechat", acting_user=users.member)
    wechat_sim.pay(payment.out_trade_no, notify=False)
    assert post_json(client, "dues:notify_wechat", *wechat_sim.notification(payment.out_trade_no)).status_code == 200
    return Payment.objects.get(pk=payment.pk)


def refund_of(payment):
    return DuesRefund.objects.get(payment=payment)


def notify_refund(client, headers, body):
    return post_json(client, "dues:notify_wechat_refund", headers, body)


def test_refund_waits_for_the_notification(client, users, paid, alice_bill, wechat_sim,
                                           django_capture_on_commit_callbacks):
    wechat_sim.refund_delay = None  # the gateway answers PROCESSING and settles when told
    payment = do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(payment)
    assert payment.status == PaymentStatus.PAID and refund.status == RefundStatus.PROCESSING
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID  # nothing undone before the money is back
    request = next(r for r in wechat_sim.requests if r["path"] == "/v3/refund/domestic/refunds")
    assert json.loads(request["body"])["notify_url"] == "http://127.0.0.1:9/dues/notify/wechat/refund/"
    assert refund.out_refund_no == "RF" + paid.out_trade_no[2:] and refund.gateway_refund_id.startswith("50000")
    client.force_login(users.secretary)
    page = client.get(reverse("dues:receipt", args=[paid.out_trade_no])).content.decode()
    assert 'id="refund-status"' in page and refund.out_refund_no in page
    assert "refund-form" not in page and "refund-check-form" in page
    with pytest.raises(ValidationError) as exc:  # one refund at a time
        do_refund_payment(Payment.objects.get(pk=paid.pk), reason="再退一次", acting_user=users.secretary)
    assert "reason" in exc.value.message_dict

    wechat_sim.settle_refund(refund.out_refund_no, notify=False)
    headers, body = wechat_sim.refund_notification(refund.out_refund_no)
    with django_capture_on_commit_callbacks(execute=True):
        response = notify_refund(client, headers, body)
    assert response.status_code == 200 and response.json() == {"code": "SUCCESS"}
    payment.refresh_from_db()
    refund.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_no == refund.out_refund_no
    assert refund.status == RefundStatus.SUCCESS and refund.gateway_success_at is not None
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE
    note = PaymentNotification.objects.get(event=NotificationEvent.REFUND)
    assert (note.outcome, note.refund, note.payment) == (NotificationOutcome.ACCEPTED, refund, payment)
    assert Notification.objects.filter(kind="dues.refund_succeeded", recipient=users.member).count() == 1

    # the same notification again (WeChat Pay retries): acknowledged, nothing changes
    refunded_at = payment.refunded_at
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_refund(client, headers, body).status_code == 200
    assert Payment.objects.get(pk=paid.pk).refunded_at == refunded_at
    assert list(PaymentNotification.objects.filter(event=NotificationEvent.REFUND).order_by("pk")
                .values_list("outcome", flat=True)) == [NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE]
    assert Notification.objects.filter(kind="dues.refund_succeeded").count() == 1


def test_bad_signature_unknown_refund_and_wrong_amount_change_nothing(client, users, paid, alice_bill, wechat_sim):
    wechat_sim.refund_delay = None
    do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(paid)
    wechat_sim.settle_refund(refund.out_refund_no, notify=False)
    no = refund.out_refund_no
    assert notify_refund(client, *wechat_sim.refund_notification(no, bad_signature=True)).status_code == 401
    # signed, but the event type says success of a refund the resource says closed
    assert notify_refund(client, *wechat_sim.refund_notification(no, event_type="REFUND.CLOSED")).status_code == 401
    assert notify_refund(client, *wechat_sim.refund_notification("RF0000000000000000000000000X",
                                                                 refund=7650)).status_code == 400
    assert notify_refund(client, *wechat_sim.refund_notification(no, refund=1)).status_code == 400
    other = {"out_trade_no": "DJ20990101000000000000000000"}
    assert notify_refund(client, *wechat_sim.refund_notification(no, resource_override=other)).status_code == 400
    assert Payment.objects.get(pk=paid.pk).status == PaymentStatus.PAID
    assert refund_of(paid).status == RefundStatus.PROCESSING
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID
    assert list(PaymentNotification.objects.filter(event=NotificationEvent.REFUND).order_by("pk")
                .values_list("outcome", flat=True)) == [
        NotificationOutcome.BAD_SIGNATURE, NotificationOutcome.BAD_SIGNATURE, NotificationOutcome.UNKNOWN_REFUND,
        NotificationOutcome.AMOUNT_MISMATCH, NotificationOutcome.AMOUNT_MISMATCH]
    assert not Notification.objects.filter(kind__startswith="dues.refund").exists()
    # the real one still applies
    assert notify_refund(client, *wechat_sim.refund_notification(no)).status_code == 200
    assert Payment.objects.get(pk=paid.pk).status == PaymentStatus.REFUNDED


def test_abnormal_refund_leaves_the_payment_paid_and_tells_member_and_treasurer(
        client, users, paid, alice_bill, wechat_sim, django_capture_on_commit_callbacks):
    wechat_sim.refund_delay = None
    do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(paid)
    wechat_sim.settle_refund(refund.out_refund_no, "ABNORMAL", notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_refund(client, *wechat_sim.refund_notification(refund.out_refund_no)).status_code == 200
    refund.refresh_from_db()
    assert refund.status == RefundStatus.ABNORMAL and Payment.objects.get(pk=paid.pk).status == PaymentStatus.PAID
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID
    told = set(Notification.objects.filter(kind="dues.refund_failed").values_list("recipient_id", flat=True))
    assert told == {users.member.pk, users.secretary.pk}
    # the treasurer may ask again: a new refund number
    wechat_sim.refund_delay = 0
    payment = do_refund_payment(Payment.objects.get(pk=paid.pk), reason="重复缴纳", acting_user=users.secretary)
    assert payment.status == PaymentStatus.REFUNDED and payment.refund_no == refund.out_refund_no + "R2"


def test_refund_timeout_then_the_sync_queries_it(users, paid, alice_bill, wechat_sim):
    wechat_sim.delay_next = 4  # the adapter's timeout is 2 s: the gateway refunds, we never hear the answer
    payment = do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(payment)
    assert payment.status == PaymentStatus.PAID and refund.status == RefundStatus.PROCESSING
    assert "timeout" in refund.last_error
    for _ in range(100):  # the simulator finishes the request it answered late
        if wechat_sim.order(paid.out_trade_no).refunds:
            break
        time.sleep(0.05)
    sync_pending_refunds.enqueue()  # too recent for the job
    assert refund_of(payment).status == RefundStatus.PROCESSING
    DuesRefund.objects.filter(pk=refund.pk).update(requested_at=timezone.now() - dt.timedelta(minutes=10))
    sync_pending_refunds.enqueue()
    assert refund_of(payment).status == RefundStatus.SUCCESS
    assert Payment.objects.get(pk=paid.pk).status == PaymentStatus.REFUNDED
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE
    assert wechat_sim.requests[-1]["path"] == f"/v3/refund/domestic/refunds/{refund.out_refund_no}"


def test_refund_that_never_reached_the_gateway_is_asked_again_with_the_same_number(users, paid, wechat_sim):
    wechat_sim.delay_next = 4
    do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(paid)
    for _ in range(100):
        if wechat_sim.order(paid.out_trade_no).refunds:
            break
        time.sleep(0.05)
    order = wechat_sim.order(paid.out_trade_no)
    order.refunds.clear()  # as if the request had been lost on the way
    order.state = "SUCCESS"
    refund = do_sync_refund(refund, acting_user=users.secretary)
    assert refund.status == RefundStatus.SUCCESS
    assert [r["out_refund_no"] for r in order.refunds] == [refund.out_refund_no]
    assert Payment.objects.get(pk=paid.pk).status == PaymentStatus.REFUNDED


@pytest.mark.django_db(transaction=True)
def test_simulator_sends_the_refund_notification_by_itself(live_server, settings, users, paid, wechat_sim):
    point_notify_at(settings, wechat_sim, live_server.url)
    wechat_sim.refund_delay = 0.2  # answered PROCESSING, settled and notified a moment later
    payment = do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    assert payment.status == PaymentStatus.PAID
    for _ in range(200):  # the delivery is recorded once our server has answered it
        if wechat_sim.delivered:
            break
        time.sleep(0.05)
    assert Payment.objects.get(pk=paid.pk).status == PaymentStatus.REFUNDED
    assert wechat_sim.delivered[-1][0] == 200 and '"REFUND.SUCCESS"' in wechat_sim.delivered[-1][1]
    assert PaymentNotification.objects.get(event=NotificationEvent.REFUND).outcome == NotificationOutcome.ACCEPTED


def test_treasurer_checks_a_refund_from_the_receipt(client, users, paid, wechat_sim):
    wechat_sim.refund_delay = None
    do_refund_payment(paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(paid)
    client.force_login(users.member)
    assert client.post(reverse("dues:refund_check", args=[paid.out_trade_no])).status_code == 404
    client.force_login(users.secretary)
    client.post(reverse("dues:refund_check", args=[paid.out_trade_no]))
    assert refund_of(paid).status == RefundStatus.PROCESSING
    wechat_sim.settle_refund(refund.out_refund_no, notify=False)
    client.post(reverse("dues:refund_check", args=[paid.out_trade_no]))
    assert Payment.objects.get(pk=paid.pk).status == PaymentStatus.REFUNDED


# --- Alipay: refunds answered at once; a timeout is settled by alipay.trade.fastpay.refund.query ----

@pytest.fixture
def alipay_paid(client, tree, users, this_month, alice_bill, alipay_sim):
    import urllib.parse
    import urllib.request

    payment = do_create_online_payment(tree.alice, months=[this_month], channel="alipay", acting_user=users.member)
    with urllib.request.urlopen(payment.pay_url):  # noqa: S310 - the payer opens the simulator's cashier
        pass
    alipay_sim.pay(payment.out_trade_no, notify=False)
    body = urllib.parse.urlencode(alipay_sim.notification(payment.out_trade_no))
    client.post(reverse("dues:notify_alipay"), data=body, content_type="application/x-www-form-urlencoded")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    return payment


def test_alipay_refund_timeout_then_query_settles_it(users, alice_bill, alipay_paid, alipay_sim,
                                                    django_capture_on_commit_callbacks):
    alipay_sim.delay_next = 4  # carried out at Alipay, answered after our 2 s timeout
    payment = do_refund_payment(alipay_paid, reason="重复缴纳", acting_user=users.secretary)
    refund = refund_of(payment)
    assert payment.status == PaymentStatus.PAID and refund.status == RefundStatus.PROCESSING
    for _ in range(100):
        if alipay_sim.orders[payment.out_trade_no].refund_no:
            break
        time.sleep(0.05)
    DuesRefund.objects.filter(pk=refund.pk).update(requested_at=timezone.now() - dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        sync_pending_refunds.enqueue()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS and refund.gateway_success_at is not None
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.DUE
    assert alipay_sim.orders[payment.out_trade_no].refunded == "76.50"  # once
    assert Notification.objects.filter(kind="dues.refund_succeeded", recipient=users.member).count() == 1


def test_alipay_refund_refused(users, alice_bill, alipay_paid, alipay_sim):
    alipay_sim.refund_error = "ACQ.SELLER_BALANCE_NOT_ENOUGH"
    with pytest.raises(ValidationError) as exc:
        do_refund_payment(alipay_paid, reason="重复缴纳", acting_user=users.secretary)
    assert "ACQ.SELLER_BALANCE_NOT_ENOUGH" in exc.value.message_dict["reason"][0]
    assert refund_of(alipay_paid).status == RefundStatus.REFUSED
    assert Payment.objects.get(pk=alipay_paid.pk).status == PaymentStatus.PAID
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID
    alipay_sim.refund_error = ""
    payment = do_refund_payment(Payment.objects.get(pk=alipay_paid.pk), reason="重复缴纳", acting_user=users.secretary)
    assert payment.status == PaymentStatus.REFUNDED


def test_refund_notification_endpoint_refuses_get(client):
    assert client.get(reverse("dues:notify_wechat_refund")).status_code == 405
