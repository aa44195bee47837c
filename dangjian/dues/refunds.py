"""Refunds of dues payments (退款): asked of the gateway, finished exactly once by whichever comes
first of the gateway's answer, its notification (WeChat Pay ``REFUND.*``) or a query.

A refund is written (``DuesRefund``, ``processing``) before the gateway is asked, so a
notification can never find it missing. The payment stays paid, its bills settled, until the
gateway says the money went back (``success``: the payment is refunded and its months are due
again); an abnormal, closed or refused refund leaves the payment paid. An uncertain answer (a
timeout) leaves the refund ``processing``: the periodic sync queries it (WeChat Pay ``GET
/v3/refund/domestic/refunds/{no}``, Alipay ``alipay.trade.fastpay.refund.query``) and, when the
gateway has no such refund, asks again with the same number (both gateways treat that as the same
refund). The member is notified (in-app, ``dues.refund_succeeded`` / ``dues.refund_failed``) when it ends.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.notifications import notify
from dangjian.core.scoping import require
from dangjian.core.ui import safe_reverse
from dangjian.dues import (
    ONLINE_CHANNELS,
    REFUND_FINAL,
    BillStatus,
    NotificationEvent,
    NotificationOutcome,
    PaymentStatus,
    RefundStatus,
)
from dangjian.dues.gateways import BadNotification, GatewayError, RefundResult, get_gateway
from dangjian.dues.models import Bill, DuesRefund, Payment, PaymentNotification
from dangjian.dues.settlement import payment_snapshot

log = logging.getLogger(__name__)

PERM_MANAGE = "dues.manage"
_GATEWAY_STATES = {"SUCCESS": RefundStatus.SUCCESS, "ABNORMAL": RefundStatus.ABNORMAL, "CLOSED": RefundStatus.CLOSED}


def refund_number(payment: Payment) -> str:
    """``RF`` + the order number without ``DJ`` (the first refund), then ``…R2``, ``…R3``."""
    base = "RF" + payment.out_trade_no[2:]
    n = DuesRefund.objects.filter(payment=payment).count()
    return base if n == 0 else f"{base}R{n + 1}"


def _snapshot(refund: DuesRefund) -> dict[str, Any]:
    return {"out_refund_no": refund.out_refund_no, "payment": refund.payment.out_trade_no, "status": refund.status,
            "amount_cents": refund.amount_cents, "gateway_refund_id": refund.gateway_refund_id}


def _gateway_success_at(raw: dict[str, Any]) -> dt.datetime | None:
    from dangjian.dues.reconcile import gateway_time

    return gateway_time({"success_time": raw.get("success_time") or raw.get("gmt_refund_pay") or ""})


def do_refund_payment(payment: Payment, *, reason: str, acting_user: ActingUser) -> Payment:
    """Refund a whole payment (e.g. paid twice). Cash and bank transfer: at once. Online: asked of
    the gateway; the payment is refunded when the gateway confirms (its answer, notification or a
    query). A refusal raises ValidationError (the refused refund stays on record); a timeout leaves
    the refund in progress for the sync. Returns the payment as it now stands."""
    require(acting_user, PERM_MANAGE, payment.org_path)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for the refund.")})
    payment.check_transition(PaymentStatus.REFUNDED)
    user = as_user(acting_user)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        locked.check_transition(PaymentStatus.REFUNDED)
        if DuesRefund.objects.filter(payment=locked, status=RefundStatus.PROCESSING).exists():
            raise ValidationError({"reason": _("A refund of this payment is already in progress.")})
        refund = DuesRefund.objects.create(payment=locked, org_path=locked.org_path, channel=locked.channel,
                                           out_refund_no=refund_number(locked), amount_cents=locked.amount_cents,
                                           reason=reason[:200], requested_by=user)
        audit.record(acting_user, "dues.refund_requested", refund, after=_snapshot(refund), reason=reason[:200],
                     org_path=locked.org_path, target_label=locked.out_trade_no)
        if locked.channel not in ONLINE_CHANNELS:
            _finish(refund, RefundStatus.SUCCESS, actor=acting_user, source=locked.channel)
            return Payment.objects.get(pk=payment.pk)
    try:
        result = get_gateway(payment.channel).refund(out_trade_no=payment.out_trade_no,
                                                     out_refund_no=refund.out_refund_no,
                                                     refund_cents=refund.amount_cents,
                                                     total_cents=payment.amount_cents, reason=reason)
    except GatewayError as exc:
        if exc.uncertain:  # it may have been carried out: the sync asks the gateway
            DuesRefund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING).update(last_error=str(exc)[:300])
            log.warning("refund %s uncertain: %s", refund.out_refund_no, exc)
            return Payment.objects.get(pk=payment.pk)
        result = RefundResult("", exc.code or exc.kind, refund.out_refund_no, payment.out_trade_no)
    with transaction.atomic():
        _outcome, refund_now, _detail = _apply_refund(result, source="answer", actor=acting_user, refused_ok=True)
    if refund_now is not None and refund_now.status == RefundStatus.REFUSED:
        raise ValidationError({"reason": _("The payment service refused the refund: %(error)s")
                               % {"error": refund_now.last_error}})
    return Payment.objects.get(pk=payment.pk)


def _apply_refund(result: RefundResult, *, source: str, actor: Any,
                  refused_ok: bool = False) -> tuple[str, DuesRefund | None, str]:
    """Inside a transaction: apply what the gateway says about a refund, exactly once. Returns
    (outcome, refund, detail); nothing changes for an unknown refund, another order, a wrong
    amount, a refund still in progress or one already finished."""
    refund = (DuesRefund.objects.select_for_update().select_related("payment")
              .filter(out_refund_no=result.out_refund_no).first())
    if refund is None:
        return NotificationOutcome.UNKNOWN_REFUND, None, ""
    payment = refund.payment
    if result.out_trade_no and result.out_trade_no != payment.out_trade_no:
        return NotificationOutcome.AMOUNT_MISMATCH, refund, f"for order {result.out_trade_no[:40]}"
    if source == "notification" and result.refund_cents is None:
        return NotificationOutcome.MALFORMED, refund, "no refund amount"
    if result.refund_cents is not None and result.refund_cents != refund.amount_cents:
        return NotificationOutcome.AMOUNT_MISMATCH, refund, f"gateway {result.refund_cents} != refund {refund.amount_cents}"
    if result.total_cents is not None and result.total_cents != payment.amount_cents:
        return NotificationOutcome.AMOUNT_MISMATCH, refund, f"total {result.total_cents} != order {payment.amount_cents}"
    if refund.status in REFUND_FINAL:
        return NotificationOutcome.DUPLICATE, refund, f"already {refund.status}"
    if result.refund_id and not refund.gateway_refund_id:
        refund.gateway_refund_id = result.refund_id[:64]
        refund.save(update_fields=["gateway_refund_id"])
    if result.status in ("PROCESSING", "NOT_FOUND", ""):
        return NotificationOutcome.NOT_SUCCESS, refund, result.status or "no state"
    new = _GATEWAY_STATES.get(result.status)
    if new is None:
        if not refused_ok:  # only the gateway's answer to our request can refuse it
            return NotificationOutcome.NOT_SUCCESS, refund, result.status[:100]
        new = RefundStatus.REFUSED
        refund.last_error = result.status[:300]
    refund.gateway_success_at = _gateway_success_at(result.raw) if new == RefundStatus.SUCCESS else None
    _finish(refund, new, actor=actor or f"gateway:{refund.channel}", source=source)
    return NotificationOutcome.ACCEPTED, refund, ""


def _finish(refund: DuesRefund, status: str, *, actor: Any, source: str) -> None:
    """Inside a transaction holding the refund's row lock: the refund ends. On success the
    payment is refunded and the bills it settled are due again."""
    before = _snapshot(refund)
    refund.status, refund.finished_at = status, timezone.now()
    if status in (RefundStatus.ABNORMAL, RefundStatus.CLOSED):
        refund.last_error = status.upper()
    refund.save(update_fields=["status", "finished_at", "last_error", "gateway_refund_id", "gateway_success_at"])
    if status == RefundStatus.SUCCESS:
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        payment.check_transition(PaymentStatus.REFUNDED)
        pay_before = payment_snapshot(payment)
        Bill.objects.filter(payment=payment, status=BillStatus.PAID).update(status=BillStatus.DUE, payment=None,
                                                                            paid_at=None)
        payment.status, payment.refunded_at = PaymentStatus.REFUNDED, timezone.now()
        payment.refund_no, payment.refund_reason = refund.out_refund_no, refund.reason
        payment.save(update_fields=["status", "refunded_at", "refund_no", "refund_reason"])
        audit.record(actor, "dues.payment_refunded", payment, before=pay_before, after=payment_snapshot(payment),
                     reason=refund.reason, org_path=payment.org_path, target_label=payment.out_trade_no)
    else:
        audit.record(actor, "dues.refund_failed", refund, before=before, after=_snapshot(refund), reason=source,
                     org_path=refund.org_path, target_label=refund.payment.out_trade_no)
    refund_id = refund.pk
    transaction.on_commit(lambda: _notify(refund_id))


def _notify(refund_id: int) -> None:
    """The member (and, when it failed, the treasurer who asked) in-app."""
    refund = DuesRefund.objects.select_related("payment__member__person").get(pk=refund_id)
    payment = refund.payment
    url = safe_reverse("dues:receipt", payment.out_trade_no) or ""
    values = {"amount": refund.amount_yuan, "months": payment.months_label or _("voluntary")}
    member_user = payment.member.person.user_id
    if refund.status == RefundStatus.SUCCESS:
        if member_user:
            notify([member_user], "dues.refund_succeeded",
                   title=_("Your party dues payment of %(amount)s yuan was refunded") % values,
                   body=_("Months %(months)s are unpaid again.") % values, url=url)
        return
    recipients = [u for u in {member_user, refund.requested_by_id} if u]
    if recipients:
        notify(recipients, "dues.refund_failed",
               title=_("The refund of the party dues payment of %(amount)s yuan did not go through") % values,
               body=_("The payment service reports: %(state)s. The branch will settle it with the member.")
               % {"state": RefundStatus(refund.status).label}, url=url)


def do_handle_refund_notification(channel: str, headers: dict[str, str], body: str) -> tuple[int, str]:
    """A refund notification (WeChat Pay ``REFUND.SUCCESS`` / ``ABNORMAL`` / ``CLOSED``; no user:
    the signature is the authority). Logged in ``PaymentNotification`` (event ``refund``) whatever
    its outcome. Returns (HTTP status, outcome): 200 when applied, already applied or still in
    progress; 401 for a bad signature; 400 for an unknown refund, another order, a wrong amount."""
    body = body[:65536].replace("\x00", "")
    out_refund_no, detail = "", ""
    outcome: str
    refund: DuesRefund | None = None
    result: RefundResult | None = None
    try:
        result = get_gateway(channel).parse_refund_notification(headers, body)
    except BadNotification as exc:
        outcome, detail = NotificationOutcome.BAD_SIGNATURE, str(exc)[:300]
    except (GatewayError, AttributeError) as exc:  # not configured, or a gateway without refund notifications
        outcome, detail = NotificationOutcome.MALFORMED, str(exc)[:300]
    with transaction.atomic():
        if result is not None:
            out_refund_no = result.out_refund_no
            outcome, refund, detail = _apply_refund(result, source="notification", actor=None)
        PaymentNotification.objects.create(
            channel=channel, event=NotificationEvent.REFUND, outcome=outcome,
            out_trade_no=(result.out_trade_no if result else "")[:64], out_refund_no=out_refund_no[:64],
            payment_id=refund.payment_id if refund else None, refund=refund, headers=headers, body=body,
            detail=detail[:300])
    if outcome != NotificationOutcome.ACCEPTED:
        log.warning("refund notification %s: %s %s", out_refund_no, outcome, detail)
    if outcome in (NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE, NotificationOutcome.NOT_SUCCESS):
        return 200, outcome
    if outcome == NotificationOutcome.BAD_SIGNATURE:
        return 401, outcome
    return 400, outcome


def do_sync_refund(refund: DuesRefund, *, acting_user: ActingUser | None = None) -> DuesRefund:
    """Ask the gateway how a refund in progress ended (the periodic job, or the treasurer); if the
    gateway has no such refund (the request never arrived), ask for it again with the same number."""
    if acting_user is not None:
        require(acting_user, PERM_MANAGE, refund.org_path)
    if refund.status != RefundStatus.PROCESSING or refund.channel not in ONLINE_CHANNELS:
        return refund
    payment = refund.payment
    try:
        gateway = get_gateway(refund.channel)
        result = gateway.query_refund(out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no)
        if result.status == "NOT_FOUND":
            result = gateway.refund(out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no,
                                    refund_cents=refund.amount_cents, total_cents=payment.amount_cents,
                                    reason=refund.reason)
    except GatewayError as exc:
        DuesRefund.objects.filter(pk=refund.pk, status=RefundStatus.PROCESSING).update(last_error=str(exc)[:300])
        log.info("refund query %s failed: %s", refund.out_refund_no, exc)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        outcome, _r, detail = _apply_refund(result, source="query", actor=acting_user or "scheduler")
    if outcome not in (NotificationOutcome.ACCEPTED, NotificationOutcome.NOT_SUCCESS):
        log.warning("refund query %s: %s %s", refund.out_refund_no, outcome, detail)
    refund.refresh_from_db()
    return refund


def sync_pending_refunds(*, older_than: dt.timedelta = dt.timedelta(minutes=5), limit: int = 200) -> int:
    """Refunds still in progress after ``older_than`` (a lost notification, a timeout) — the job."""
    now = timezone.now()
    refunds = list(DuesRefund.objects.filter(status=RefundStatus.PROCESSING, requested_at__lt=now - older_than,
                                             requested_at__gte=now - dt.timedelta(days=60))
                   .select_related("payment").order_by("requested_at")[:limit])
    for refund in refunds:
        do_sync_refund(refund)
    return len(refunds)
