"""Settling reconciliation mismatches: who/when/what, refusals, pages, a re-run keeps the
settlement of an item found again, and applying a waiting payment through the sync action."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from dangjian.core.models import AuditEvent
from dangjian.dues import MismatchKind, PaymentStatus, ReconciliationStatus
from dangjian.dues.models import Payment, ReconciliationItem
from dangjian.dues.reconcile import do_reconcile, do_settle_mismatch
from dangjian.dues.tests.test_reconcile import bills, today, wechat_paid  # noqa: F401 - fixture

STRANGER = "DJ20991231235959000000000009"


@pytest.fixture
def day(client, tree, users, this_month, bills, wechat_sim):  # noqa: F811 - the fixture imported above
    """A lost notification (Alice's payment waits) and an order we never made."""
    lost = wechat_paid(client, tree.alice, users.member, this_month, wechat_sim, notify=False)
    wechat_sim.add_paid_order(STRANGER, 1234)
    rec = do_reconcile("wechat", today())
    assert rec.mismatch_count == 2
    return rec, lost


def test_settle_records_who_when_and_what(tree, users, day):
    rec, _lost = day
    item = rec.items.get(out_trade_no=STRANGER)
    settled = do_settle_mismatch(item, note="  已与微信支付核实，退回付款人  ", acting_user=users.admin)
    settled.refresh_from_db()
    assert settled.settled and settled.settled_by == users.admin and settled.settled_at is not None
    assert settled.settled_note == "已与微信支付核实，退回付款人"
    event = AuditEvent.objects.get(action="dues.mismatch_settled")
    assert event.target_id == str(item.pk)
    with pytest.raises(ValidationError) as exc:  # once only
        do_settle_mismatch(item, note="again", acting_user=users.admin)
    assert "item" in exc.value.message_dict
    assert AuditEvent.objects.filter(action="dues.mismatch_settled").count() == 1


def test_settle_rules(tree, users, day):
    rec, _lost = day
    item = rec.items.get(out_trade_no=STRANGER)
    for note in ("", "  ", "x", "x" * 501):
        with pytest.raises(ValidationError) as exc:
            do_settle_mismatch(item, note=note, acting_user=users.admin)
        assert "note" in exc.value.message_dict
    mine = rec.items.exclude(out_trade_no=STRANGER).get()
    for user in (users.secretary, users.organizer):  # dues managers, but not at the county level
        with pytest.raises(PermissionDenied):
            do_settle_mismatch(mine, note="已处理", acting_user=user)
    assert not ReconciliationItem.objects.filter(settled_at__isnull=False).exists()


def test_rerun_keeps_the_settlement_of_an_item_found_again(tree, users, day, wechat_sim):
    rec, lost = day
    stranger = rec.items.get(out_trade_no=STRANGER)
    do_settle_mismatch(stranger, note="非本平台订单，已联系商户平台退回", acting_user=users.admin)
    before = ReconciliationItem.objects.get(pk=stranger.pk)
    wechat_sim.orders[lost.out_trade_no].amount = 7000  # nothing else changed for the stranger
    rec = do_reconcile("wechat", today())
    assert rec.runs == 2 and rec.mismatch_count == 2
    again = rec.items.get(out_trade_no=STRANGER)
    assert again.pk != before.pk  # the items are rewritten …
    assert (again.settled_by, again.settled_at, again.settled_note) == (  # … the settlement is kept
        users.admin, before.settled_at, "非本平台订单，已联系商户平台退回")
    assert not rec.items.get(out_trade_no=lost.out_trade_no).settled
    # a settled item found again under another kind is a new mismatch: open again
    do_settle_mismatch(rec.items.get(out_trade_no=lost.out_trade_no), note="稍后同步", acting_user=users.admin)
    ReconciliationItem.objects.filter(out_trade_no=lost.out_trade_no).update(kind=MismatchKind.AMOUNT_DIFFERS)
    rec = do_reconcile("wechat", today())
    assert not rec.items.get(out_trade_no=lost.out_trade_no).settled
    assert rec.items.get(out_trade_no=STRANGER).settled


def test_pages_show_open_and_settled(client, tree, users, day, django_assert_max_num_queries):
    rec, lost = day
    url = reverse("dues:reconciliation", args=[rec.pk])
    client.force_login(users.admin)
    client.get(url)  # the menu's badge counts (cached 30 s per user) are the shell's, not this page's
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert 'id="open-mismatches">2 ' in page and f'id="settle-{rec.items.get(out_trade_no=STRANGER).pk}"' in page
    with django_assert_max_num_queries(10):
        listing = client.get(reverse("dues:reconciliations")).content.decode()
    assert f'id="open-{rec.pk}">2<' in listing
    item = rec.items.get(out_trade_no=STRANGER)
    # the note is required: nothing is written, the error names the field
    response = client.post(reverse("dues:settle_mismatch", args=[rec.pk, item.pk]), {"note": ""}, follow=True)
    expected = set()
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            expected.add(f"{translation.gettext('How it was settled')}: "
                         f"{translation.gettext('Say what was done to settle the mismatch.')}")
    assert any(e in response.content.decode() for e in expected)
    assert not ReconciliationItem.objects.get(pk=item.pk).settled
    response = client.post(reverse("dues:settle_mismatch", args=[rec.pk, item.pk]), {"note": "已退回付款人"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="open-mismatches">1 ' in page and "已退回付款人" in page
    assert f'id="settle-{item.pk}"' not in page
    assert f'id="open-{rec.pk}">1<' in client.get(reverse("dues:reconciliations")).content.decode()
    # a branch's dues manager sees its own mismatch, open, without the settle form; posting is refused
    client.force_login(users.secretary)
    page = client.get(url).content.decode()
    mine = rec.items.get(out_trade_no=lost.out_trade_no)
    assert 'id="open-mismatches">1 ' in page and "已退回付款人" not in page and f'id="settle-{mine.pk}"' not in page
    assert client.post(reverse("dues:settle_mismatch", args=[rec.pk, mine.pk]), {"note": "x已处理"}).status_code == 403
    assert client.post(reverse("dues:settle_mismatch", args=[rec.pk, item.pk]), {"note": "x"}).status_code == 404
    client.force_login(users.member)
    assert client.post(reverse("dues:settle_mismatch", args=[rec.pk, mine.pk]), {"note": "x已处理"}).status_code == 404


def test_all_settled_day_shows_so(client, tree, users, day):
    rec, _lost = day
    for item in rec.items.all():
        do_settle_mismatch(item, note="已处理完毕", acting_user=users.admin)
    client.force_login(users.admin)
    listing = client.get(reverse("dues:reconciliations")).content.decode()
    cell = listing.split(f'id="open-{rec.pk}">')[1].split("<")[0]
    assert cell in ("all settled", "已全部处理")


def test_apply_the_waiting_payment_through_the_sync_action(client, tree, users, day):
    rec, lost = day
    item = rec.items.get(out_trade_no=lost.out_trade_no)
    assert item.kind == MismatchKind.MISSING_HERE and item.payment_id == lost.pk
    client.force_login(users.secretary)  # the branch may not (settling is the county's)
    assert client.post(reverse("dues:apply_mismatch_payment", args=[rec.pk, item.pk])).status_code == 403
    assert Payment.objects.get(pk=lost.pk).status == PaymentStatus.PENDING
    client.force_login(users.admin)
    page = client.get(reverse("dues:reconciliation", args=[rec.pk])).content.decode()
    assert f'id="apply-{item.pk}"' in page
    stranger = rec.items.get(out_trade_no=STRANGER)
    assert f'id="apply-{stranger.pk}"' not in page  # no payment of ours to apply
    response = client.post(reverse("dues:apply_mismatch_payment", args=[rec.pk, stranger.pk]))
    assert response.status_code == 302 and not ReconciliationItem.objects.get(pk=stranger.pk).settled
    response = client.post(reverse("dues:apply_mismatch_payment", args=[rec.pk, item.pk]))
    assert response.status_code == 302
    payment = Payment.objects.get(pk=lost.pk)
    assert payment.status == PaymentStatus.PAID and payment.bills.get().status == "paid"
    assert AuditEvent.objects.filter(action="dues.payment_paid", target_id=str(payment.pk)).exists()
    item.refresh_from_db()
    assert item.settled and item.settled_by == users.admin and item.settled_note
    # the day reconciled again: the payment is now recorded, only the stranger is left
    rec = do_reconcile("wechat", today())
    assert [i.out_trade_no for i in rec.items.all()] == [STRANGER]
    assert rec.status == ReconciliationStatus.MISMATCHED


def test_apply_when_the_gateway_has_no_payment(client, tree, users, day, wechat_sim):
    rec, lost = day
    item = rec.items.get(out_trade_no=lost.out_trade_no)
    wechat_sim.orders[lost.out_trade_no].state = "NOTPAY"
    client.force_login(users.admin)
    response = client.post(reverse("dues:apply_mismatch_payment", args=[rec.pk, item.pk]))
    assert response.status_code == 302
    assert Payment.objects.get(pk=lost.pk).status == PaymentStatus.PENDING
    assert not ReconciliationItem.objects.get(pk=item.pk).settled
