"""Closing unpaid online orders at the gateway (关单), so that a member cannot pay twice.

Three occasions:

- **Superseded** — the member (or a proxy) starts a new online payment for months an earlier,
  still unpaid order also covers: the earlier order is closed **inline**, before the new one is
  made, with a short timeout (``DANGJIAN["DUES"]["CLOSE_TIMEOUT"]``, 3 s). If the gateway says it
  was in fact paid (the payer paid while the new page loaded), the payment is applied through the
  same path as a notification and no new order is made (those months are settled). If the gateway
  cannot be reached, no new order is made either; the member is asked to try again.
- **Recorded at the branch** — before a treasurer records a cash or bank payment of months an
  unpaid online order covers, that order is closed the same way (inline, same timeout), so the
  member cannot pay those months a second time online; if it turns out paid, nothing is recorded.
  If the payment service cannot be reached, the cash is recorded all the same (the order expires
  at the gateway; paid before that, it is flagged as a conflict for a refund).
- **Expired** — an order unpaid ``ORDER_EXPIRE_MINUTES`` (30) after it was made is closed by the
  job ``dues.close_expired_orders`` (every 10 minutes, in the task worker). The order also carries
  that expiry to the gateway (``time_expire``), which refuses payment after it by itself.

Closing asks the gateway to close (WeChat Pay ``POST /v3/pay/transactions/out-trade-no/{no}/close``,
Alipay ``alipay.trade.close``) and then queries the order: the query, not the close answer, decides
— paid (apply), closed (mark closed here), or still open (try again later).
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
from dangjian.core.actors import ActingUser
from dangjian.dues import ONLINE_CHANNELS, PaymentStatus
from dangjian.dues.billing import month_start
from dangjian.dues.config import get_config
from dangjian.dues.gateways import GatewayError, get_gateway
from dangjian.dues.models import Payment
from dangjian.dues.settlement import apply_trade, payment_snapshot

log = logging.getLogger(__name__)

CLOSED, PAID, OPEN = "closed", "paid", "open"
_WAITING = (PaymentStatus.CREATED, PaymentStatus.PENDING)


def do_close_payment(payment: Payment, *, reason: str, acting_user: ActingUser | None = None,
                     timeout: float | None = None) -> tuple[str, Payment]:
    """Close an unpaid online order at its gateway. Returns (``closed`` | ``paid`` | ``open``,
    the payment): ``paid`` when the gateway says the payer paid it (applied like a notification),
    ``open`` when the gateway could not settle it now (nothing changed here)."""
    if payment.channel not in ONLINE_CHANNELS or payment.status not in _WAITING:
        return (PAID if payment.status == PaymentStatus.PAID else CLOSED), payment
    try:
        gateway = get_gateway(payment.channel, timeout=timeout)
    except GatewayError as exc:
        log.warning("cannot close %s: %s", payment.out_trade_no, exc)
        return OPEN, payment
    close_error: GatewayError | None = None
    try:
        gateway.close(payment.out_trade_no)
    except GatewayError as exc:  # e.g. already paid; the query below tells
        close_error = exc
    try:
        trade = gateway.query(payment.out_trade_no)
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk, status__in=_WAITING).update(last_error=f"close: {exc}"[:300])
        log.info("query after closing %s failed: %s", payment.out_trade_no, exc)
        payment.refresh_from_db()
        return OPEN, payment
    with transaction.atomic():
        if trade.paid:
            outcome, _p, detail = apply_trade(trade, source=f"close ({reason})")
            log.info("closing %s: the gateway says it was paid (%s %s)", payment.out_trade_no, outcome, detail)
        elif close_error is None or trade.state == "CLOSED":
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status in _WAITING:
                before = payment_snapshot(locked)
                locked.check_transition(PaymentStatus.CLOSED)
                locked.status, locked.last_error = PaymentStatus.CLOSED, ""
                locked.save(update_fields=["status", "last_error"])
                audit.record(acting_user or "scheduler", "dues.payment_closed", locked, before=before,
                             after=payment_snapshot(locked), reason=reason, org_path=locked.org_path,
                             target_label=locked.out_trade_no)
        else:
            Payment.objects.filter(pk=payment.pk, status__in=_WAITING).update(
                last_error=f"close: {close_error}"[:300])
    payment.refresh_from_db()
    if payment.status == PaymentStatus.PAID:
        return PAID, payment
    return (CLOSED, payment) if payment.status not in _WAITING else (OPEN, payment)


def close_superseded(member: Any, months: list[dt.date], *, acting_user: ActingUser | None, for_staff: bool = False) -> None:
    """Before a new online order for ``months``, or before the branch records a cash or bank
    payment of them (``for_staff``): close the member's unpaid online orders covering any of them.
    Raises ValidationError (field ``months``) when one of them turns out paid, or cannot be closed
    now — no new order or payment is to be made then."""
    wanted = sorted({month_start(m) for m in months})
    if not wanted:
        return
    earlier = list(Payment.objects.filter(member=member, channel__in=list(ONLINE_CHANNELS), status__in=_WAITING,
                                          bills__month__in=wanted).distinct().order_by("created_at"))
    paid: list[Payment] = []
    timeout = get_config().close_timeout
    for payment in earlier:
        outcome, payment = do_close_payment(payment, reason="superseded", acting_user=acting_user, timeout=timeout)
        if outcome == PAID:
            paid.append(payment)
        elif outcome == OPEN and not for_staff:
            raise ValidationError({"months": _(
                "Your earlier order %(no)s for these months could not be closed at the payment service just "
                "now. Try again in a minute, or finish paying that order.") % {"no": payment.out_trade_no}})
        elif outcome == OPEN:
            # cash in the treasurer's hand is recorded even with the payment service out of reach: the
            # order expires at the gateway (time_expire), the job closes it, and should the member pay it
            # first, the payment is flagged as a conflict for a refund
            log.warning("recording a payment of %s with online order %s still open", member, payment.out_trade_no)
    if paid:
        message = (_("The member has just paid %(months)s online: those months are settled. Choose again what is "
                     "left to record.") if for_staff else
                   _("Your earlier order for %(months)s has just been paid: those months are settled. Choose again "
                     "what is left to pay."))
        raise ValidationError({"months": message % {"months": ", ".join(p.months_label for p in paid)}})


def close_expired_orders(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """The job: online orders unpaid ``ORDER_EXPIRE_MINUTES`` after they were made (last 7 days)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=get_config().order_expire_minutes)
    counts = {CLOSED: 0, PAID: 0, OPEN: 0}
    for payment in Payment.objects.filter(channel__in=list(ONLINE_CHANNELS), status__in=_WAITING,
                                          created_at__lt=cutoff, created_at__gte=now - dt.timedelta(days=7)
                                          ).order_by("created_at")[:limit]:
        outcome, _p = do_close_payment(payment, reason="expired")
        counts[outcome] += 1
    return counts


def order_expiry(payment: Payment) -> dt.datetime:
    """When an order stops being payable (sent to the gateway as ``time_expire``)."""
    return payment.created_at + dt.timedelta(minutes=get_config().order_expire_minutes)
