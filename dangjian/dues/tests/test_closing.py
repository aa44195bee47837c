"""Superseded and expired orders are closed at the gateway (WeChat Pay close → 204, Alipay
alipay.trade.close), so a member cannot pay twice; a close that races a payment applies the payment."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.dues import BillStatus, NotificationOutcome, PaymentStatus
from dangjian.dues.actions import do_create_online_payment, do_generate_bills
from dangjian.dues.models import Bill, Payment, PaymentNotification
from dangjian.dues.simulators.wechatpay import OrderClosed
from dangjian.dues.tasks import close_expired_orders
from dangjian.dues.tests.conftest import give_base


@pytest.fixture
def alice_bill(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    return Bill.objects.get(member=tree.alice, month=this_month)


def start(tree, users, month, channel="wechat", mode="native"):
    return do_create_online_payment(tree.alice, months=[month], channel=channel, mode=mode, acting_user=users.member)


def post_notification(client, headers, body):
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    return client.post(reverse("dues:notify_wechat"), data=body, content_type="application/json", **meta)


def confirm_at_cashier(url: str, data: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - the local simulator
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_new_order_closes_the_earlier_one(client, tree, users, this_month, alice_bill, wechat_sim):
    first = start(tree, users, this_month, mode="h5")
    second = start(tree, users, this_month)  # the member came back and started again
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.CLOSED
    assert second.status == PaymentStatus.PENDING
    close = next(r for r in wechat_sim.requests if r["path"].endswith("/close"))
    assert close["path"] == f"/v3/pay/transactions/out-trade-no/{first.out_trade_no}/close"
    assert json.loads(close["body"]) == {"mchid": wechat_sim.mchid}
    assert wechat_sim.order(first.out_trade_no).state == "CLOSED"
    assert AuditEvent.objects.filter(action="dues.payment_closed", reason="superseded").count() == 1
    # the payer still has the first cashier page open and presses Pay: refused by the gateway
    prepay = wechat_sim.order(first.out_trade_no).prepay_id
    assert confirm_at_cashier(f"{wechat_sim.url}/sim/confirm", {"prepay_id": prepay}) == 400
    with pytest.raises(OrderClosed):
        wechat_sim.pay(first.out_trade_no)
    assert wechat_sim.order(first.out_trade_no).state == "CLOSED"
    # the new order is the one that pays
    wechat_sim.pay(second.out_trade_no, notify=False)
    assert post_notification(client, *wechat_sim.notification(second.out_trade_no)).status_code == 200
    assert Bill.objects.get(pk=alice_bill.pk).payment_id == second.pk
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.CLOSED


def test_close_racing_a_payment_applies_it_and_makes_no_new_order(client, tree, users, this_month, alice_bill,
                                                                 wechat_sim):
    first = start(tree, users, this_month)
    wechat_sim.pay(first.out_trade_no, notify=False)  # paid; the notification is still on its way
    with pytest.raises(ValidationError) as exc:
        start(tree, users, this_month)
    assert "months" in exc.value.message_dict
    assert wechat_sim.order(first.out_trade_no).state == "SUCCESS"  # the gateway refused to close it (ORDERPAID)
    first.refresh_from_db()
    assert first.status == PaymentStatus.PAID and first.gateway_txn_id.startswith("42000")
    assert Bill.objects.get(pk=alice_bill.pk).payment_id == first.pk
    assert Payment.objects.count() == 1 and len(wechat_sim.orders) == 1  # no second order anywhere
    assert post_notification(client, *wechat_sim.notification(first.out_trade_no)).status_code == 200
    assert PaymentNotification.objects.get().outcome == NotificationOutcome.DUPLICATE


def test_earlier_order_that_cannot_be_closed_now_blocks_a_new_one(tree, users, this_month, alice_bill, wechat_sim):
    first = start(tree, users, this_month)
    wechat_sim.delay_next = 4  # the close times out (2 s); the query right after says still unpaid
    with pytest.raises(ValidationError) as exc:
        start(tree, users, this_month)
    assert first.out_trade_no in exc.value.message_dict["months"][0]
    assert Payment.objects.count() == 1
    assert "close" in Payment.objects.get(pk=first.pk).last_error


def test_orders_for_other_months_are_left_alone(tree, users, this_month, alice_bill, wechat_sim):
    from dangjian.dues.billing import add_months

    first = start(tree, users, this_month)
    start(tree, users, add_months(this_month, 1))
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.PENDING
    assert not any(r["path"].endswith("/close") for r in wechat_sim.requests)


def test_expired_orders_are_closed_by_the_job(client, tree, users, this_month, alice_bill, wechat_sim):
    from dangjian.dues.billing import add_months

    stale = start(tree, users, this_month)
    expire = dt.datetime.fromisoformat(wechat_sim.order(stale.out_trade_no).time_expire)
    assert dt.timedelta(minutes=29) < expire - stale.created_at <= dt.timedelta(minutes=30)
    paid_late = start(tree, users, add_months(this_month, 1))
    wechat_sim.pay(paid_late.out_trade_no, notify=False)  # paid, notification lost
    fresh = start(tree, users, add_months(this_month, 2))
    Payment.objects.filter(pk__in=[stale.pk, paid_late.pk]).update(
        created_at=timezone.now() - dt.timedelta(minutes=31))
    close_expired_orders.enqueue()
    assert Payment.objects.get(pk=stale.pk).status == PaymentStatus.CLOSED
    assert wechat_sim.order(stale.out_trade_no).state == "CLOSED"
    assert Payment.objects.get(pk=paid_late.pk).status == PaymentStatus.PAID
    assert Payment.objects.get(pk=fresh.pk).status == PaymentStatus.PENDING
    assert wechat_sim.order(fresh.out_trade_no).state == "NOTPAY"


# --- Alipay ---------------------------------------------------------------------------------------

def open_cashier(payment):
    with urllib.request.urlopen(payment.pay_url):  # noqa: S310 - the payer opens the simulator's cashier
        pass


def test_alipay_new_order_closes_the_earlier_one(tree, users, this_month, alice_bill, alipay_sim):
    first = start(tree, users, this_month, channel="alipay")
    open_cashier(first)
    second = start(tree, users, this_month, channel="alipay")
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.CLOSED
    assert alipay_sim.orders[first.out_trade_no].status == "TRADE_CLOSED"
    assert confirm_at_cashier(alipay_sim.url.rsplit("/", 1)[0] + "/sim/confirm",
                              {"out_trade_no": first.out_trade_no}) == 400
    with pytest.raises(OrderClosed):
        alipay_sim.pay(first.out_trade_no)
    assert alipay_sim.orders[first.out_trade_no].status == "TRADE_CLOSED"
    assert second.status == PaymentStatus.PENDING


def test_alipay_order_never_opened_is_closed_here(tree, users, this_month, alice_bill, alipay_sim):
    first = start(tree, users, this_month, channel="alipay")  # Alipay knows no trade until the cashier opens
    start(tree, users, this_month, channel="alipay")
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.CLOSED
    assert first.out_trade_no not in alipay_sim.orders
    assert "time_expire" in urllib.parse.unquote(first.pay_url)  # the old link stops working by itself


def test_alipay_close_racing_a_payment(tree, users, this_month, alice_bill, alipay_sim):
    first = start(tree, users, this_month, channel="alipay")
    open_cashier(first)
    alipay_sim.pay(first.out_trade_no, notify=False)
    with pytest.raises(ValidationError):
        start(tree, users, this_month, channel="alipay")
    assert alipay_sim.orders[first.out_trade_no].status == "TRADE_SUCCESS"
    assert Payment.objects.get(pk=first.pk).status == PaymentStatus.PAID
    assert Bill.objects.get(pk=alice_bill.pk).status == BillStatus.PAID
    assert Payment.objects.count() == 1


def test_api_second_order_closes_the_first_and_reports_the_race(client, tree, users, this_month, alice_bill,
                                                                wechat_sim):
    from dangjian.dues.tests.test_api_bills import bearer

    def post():
        return client.post("/api/v1/dues/payments", data=json.dumps(
            {"months": [f"{this_month:%Y-%m}"], "channel": "wechat", "mode": "h5"}),
            content_type="application/json", **bearer(users.member))

    first = post()
    assert first.status_code == 201, first.content
    second = post()
    assert second.status_code == 201
    first_no = first.json()["out_trade_no"]
    assert Payment.objects.get(out_trade_no=first_no).status == PaymentStatus.CLOSED
    wechat_sim.pay(second.json()["out_trade_no"], notify=False)
    third = post()
    assert third.status_code == 400 and third.json()["field"] == "months"
    assert Payment.objects.get(out_trade_no=second.json()["out_trade_no"]).status == PaymentStatus.PAID
    assert Payment.objects.count() == 2


def test_recording_cash_closes_the_members_open_online_order(tree, users, this_month, alice_bill, wechat_sim):
    from dangjian.dues.actions import do_record_offline_payment

    online = start(tree, users, this_month)
    cash = do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    assert Payment.objects.get(pk=online.pk).status == PaymentStatus.CLOSED
    assert wechat_sim.order(online.out_trade_no).state == "CLOSED"
    with pytest.raises(OrderClosed):  # the member's open cashier page can no longer pay the month
        wechat_sim.pay(online.out_trade_no)
    assert Bill.objects.get(pk=alice_bill.pk).payment_id == cash.pk and not cash.conflict


def test_recording_cash_for_a_month_just_paid_online_records_nothing(tree, users, this_month, alice_bill,
                                                                      wechat_sim):
    from django.utils import translation

    from dangjian.dues.actions import do_record_offline_payment

    online = start(tree, users, this_month)
    wechat_sim.pay(online.out_trade_no, notify=False)  # paid at the gateway; the notification is late
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    with translation.override("en"):
        assert "just paid" in exc.value.message_dict["months"][0]
    assert Payment.objects.get(pk=online.pk).status == PaymentStatus.PAID  # applied from the gateway's answer
    assert Payment.objects.filter(member=tree.alice, channel="cash").count() == 0
    assert Bill.objects.get(pk=alice_bill.pk).payment_id == online.pk
