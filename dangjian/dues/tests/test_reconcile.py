"""Daily reconciliation: the production adapters download the simulators' bills in the gateways'
real formats (WeChat Pay gzip CSV with SHA1, Alipay GBK zip); each kind of mismatch is found."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import Notification
from dangjian.dues import BillEntryKind, MismatchKind, PaymentStatus, ReconciliationStatus
from dangjian.dues.actions import do_create_online_payment, do_generate_bills, do_refund_payment
from dangjian.dues.models import Bill, Payment, Reconciliation
from dangjian.dues.reconcile import do_reconcile, reconcile_recent
from dangjian.dues.tests.conftest import give_base


@pytest.fixture
def bills(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    give_base(tree.dave, 300000, acting_user=users.admin)
    do_generate_bills(this_month)
    return Bill.objects.filter(month=this_month)


def wechat_paid(client, member, user, month, sim, *, notify=True):
    payment = do_create_online_payment(member, months=[month], channel="wechat", acting_user=user)
    sim.pay(payment.out_trade_no, notify=False)
    if notify:
        headers, body = sim.notification(payment.out_trade_no)
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        assert client.post(reverse("dues:notify_wechat"), data=body, content_type="application/json",
                           **meta).status_code == 200
    return Payment.objects.get(pk=payment.pk)


def kinds(rec):
    return sorted((i.kind, i.entry, i.out_trade_no) for i in rec.items.all())


def today():
    return timezone.localdate()


def test_wechat_bill_matches(client, tree, users, this_month, bills, wechat_sim):
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    assert payment.gateway_paid_at is not None
    rec = do_reconcile("wechat", today())
    assert rec.status == ReconciliationStatus.MATCHED and rec.mismatch_count == 0
    assert (rec.gateway_count, rec.gateway_cents, rec.local_count, rec.local_cents) == (1, 7650, 1, 7650)
    assert len(rec.file_sha1) == 40
    assert not Notification.objects.filter(kind="dues.reconciliation_mismatch").exists()


def test_paid_at_gateway_not_here(client, tree, users, this_month, bills, wechat_sim, root_user):
    lost = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim, notify=False)  # notification lost
    stranger = "DJ20991231235959000000000001"
    wechat_sim.add_paid_order(stranger, 1234)  # an order we never made
    rec = do_reconcile("wechat", today())
    assert rec.status == ReconciliationStatus.MISMATCHED
    assert kinds(rec) == [(MismatchKind.MISSING_HERE, BillEntryKind.PAYMENT, lost.out_trade_no),
                          (MismatchKind.MISSING_HERE, BillEntryKind.PAYMENT, stranger)]
    mine = rec.items.get(out_trade_no=lost.out_trade_no)
    assert mine.payment == lost and mine.local_status == PaymentStatus.PENDING and mine.gateway_cents == 7650
    unknown = rec.items.get(out_trade_no=stranger)
    assert unknown.payment is None and unknown.org_path == tree.county.path
    # nothing is changed by reconciling: the payment is still waiting (the sync job settles it)
    assert Payment.objects.get(pk=lost.pk).status == PaymentStatus.PENDING


def test_recorded_here_not_at_gateway(client, tree, users, this_month, bills, wechat_sim):
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    del wechat_sim.orders[payment.out_trade_no]  # the gateway knows no such payment
    rec = do_reconcile("wechat", today())
    # the gateway had no trade at all that day: NO_STATEMENT_EXIST is an empty bill, not a failure
    assert rec.status == ReconciliationStatus.MISMATCHED and rec.gateway_count == 0
    assert kinds(rec) == [(MismatchKind.MISSING_AT_GATEWAY, BillEntryKind.PAYMENT, payment.out_trade_no)]
    assert rec.items.get().local_cents == 7650


def test_amount_differs(client, tree, users, this_month, bills, wechat_sim):
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    wechat_sim.orders[payment.out_trade_no].amount = 7600
    rec = do_reconcile("wechat", today())
    item = rec.items.get()
    assert (item.kind, item.gateway_cents, item.local_cents) == (MismatchKind.AMOUNT_DIFFERS, 7600, 7650)


def test_refunds_are_reconciled(client, tree, users, this_month, bills, wechat_sim):
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    do_refund_payment(payment, reason="重复缴纳", acting_user=users.secretary)
    rec = do_reconcile("wechat", today())
    assert rec.status == ReconciliationStatus.MATCHED
    assert (rec.gateway_refund_cents, rec.local_refund_cents) == (7650, 7650)
    wechat_sim.orders[payment.out_trade_no].refunds.clear()  # the refund never reached the gateway
    rec = do_reconcile("wechat", today())
    assert kinds(rec) == [(MismatchKind.MISSING_AT_GATEWAY, BillEntryKind.REFUND, payment.out_trade_no)]
    assert rec.runs == 2


def test_payment_recorded_on_the_next_day_is_no_mismatch(client, tree, users, this_month, bills, wechat_sim):
    """Paid at 23:59:59 by the gateway's bill, notification applied after midnight: the day's
    bill line finds the payment recorded on a neighbouring day."""
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    Payment.objects.filter(pk=payment.pk).update(gateway_paid_at=None,
                                                 paid_at=timezone.now() + dt.timedelta(days=1))
    rec = do_reconcile("wechat", today())
    assert rec.status == ReconciliationStatus.MATCHED and rec.local_count == 0 and rec.gateway_count == 1


def test_unavailable_bill_is_a_failed_day_and_retried(client, tree, users, this_month, bills, wechat_sim):
    wechat_sim.bill_error = "SYSTEM_ERROR"
    rec = do_reconcile("wechat", today())
    assert rec.status == ReconciliationStatus.FAILED and "SYSTEM_ERROR" in rec.error
    wechat_sim.bill_error = ""
    wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    result = reconcile_recent(today() + dt.timedelta(days=1))  # yesterday's bill, and the failed day again
    assert result == {f"wechat {today()}": ReconciliationStatus.MATCHED}
    assert Reconciliation.objects.get(channel="wechat", bill_date=today()).status == ReconciliationStatus.MATCHED


def test_future_day_is_refused_by_the_gateway(tree, users, wechat_sim):
    rec = do_reconcile("wechat", today() + dt.timedelta(days=2))
    assert rec.status == ReconciliationStatus.FAILED and "PARAM_ERROR" in rec.error


def test_mismatch_notifies_managers_over_the_branch(client, tree, users, this_month, bills, wechat_sim,
                                                    django_capture_on_commit_callbacks):
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    wechat_sim.orders[payment.out_trade_no].amount = 1
    with django_capture_on_commit_callbacks(execute=True):
        do_reconcile("wechat", today())
    told = set(Notification.objects.filter(kind="dues.reconciliation_mismatch").values_list("recipient_id", flat=True))
    assert told == {users.admin.pk, users.organizer.pk, users.secretary.pk}


def test_pages_show_mismatches_in_scope(client, tree, users, this_month, bills, wechat_sim):
    payment = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim)
    wechat_sim.orders[payment.out_trade_no].amount = 7000
    stranger = "DJ20991231235959000000000002"
    wechat_sim.add_paid_order(stranger, 500)
    rec = do_reconcile("wechat", today())
    client.force_login(users.secretary)
    page = client.get(reverse("dues:reconciliation", args=[rec.pk])).content.decode()
    assert payment.out_trade_no in page and "70.00" in page and stranger not in page
    assert "reconcile-again" not in page
    listing = client.get(reverse("dues:reconciliations")).content.decode()
    assert reverse("dues:reconciliation", args=[rec.pk]) in listing
    assert client.post(reverse("dues:reconciliation", args=[rec.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        do_reconcile("wechat", today(), acting_user=users.secretary)
    client.force_login(users.admin)
    page = client.get(reverse("dues:reconciliation", args=[rec.pk])).content.decode()
    assert payment.out_trade_no in page and stranger in page
    response = client.post(reverse("dues:reconciliation", args=[rec.pk]))
    assert response.status_code == 302 and Reconciliation.objects.get(pk=rec.pk).runs == 2
    client.force_login(users.member)
    assert client.get(reverse("dues:reconciliation", args=[rec.pk])).status_code == 404
    assert client.get(reverse("dues:reconciliations")).status_code == 403


def test_alipay_bill_zip_each_kind(client, tree, users, this_month, bills, alipay_sim):
    from dangjian.dues.tests.test_alipay import post

    good = do_create_online_payment(tree.alice, months=[this_month], channel="alipay", acting_user=users.member)
    # the payer opens the cashier (the simulator learns the order) and pays
    with urllib.request.urlopen(good.pay_url):  # noqa: S310 - local simulator
        pass
    alipay_sim.pay(good.out_trade_no, notify=False)
    assert post(client, alipay_sim.notification(good.out_trade_no)).content == b"success"
    assert Payment.objects.get(pk=good.pk).gateway_paid_at is not None
    rec = do_reconcile("alipay", today())
    assert rec.status == ReconciliationStatus.MATCHED and (rec.gateway_cents, rec.local_cents) == (7650, 7650)
    stranger = "DJ20991231235959000000000003"
    alipay_sim.add_paid_order(stranger, "12.00")
    do_refund_payment(Payment.objects.get(pk=good.pk), reason="重复缴纳", acting_user=users.secretary)
    alipay_sim.orders[good.out_trade_no].total_amount = "76.00"  # the bill's payment line says 76.00
    rec = do_reconcile("alipay", today())
    assert kinds(rec) == [(MismatchKind.AMOUNT_DIFFERS, BillEntryKind.PAYMENT, good.out_trade_no),
                          (MismatchKind.MISSING_HERE, BillEntryKind.PAYMENT, stranger)]
    assert (rec.gateway_refund_cents, rec.local_refund_cents) == (7650, 7650)


def test_alipay_empty_day(tree, users, alipay_sim):
    rec = do_reconcile("alipay", today() - dt.timedelta(days=3))
    assert rec.status == ReconciliationStatus.MATCHED and rec.gateway_count == 0
