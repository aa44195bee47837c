"""Settling a payment: what the gateway says about a trade applied to the order and its bills.

Shared by the payment actions (notifications, queries, offline payments), closing (a closed
order the payer had paid after all) and refunds (the snapshot in the audit trail). Every function
runs inside the caller's transaction, holding the payment's row lock."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.core import audit
from dangjian.dues import BillStatus, NotificationOutcome, PaymentStatus
from dangjian.dues.gateways import TradeState
from dangjian.dues.models import Bill, Payment
from dangjian.dues.reconcile import gateway_time


def payment_snapshot(p: Payment) -> dict[str, Any]:
    return {"out_trade_no": p.out_trade_no, "member": p.member_id, "channel": p.channel, "status": p.status,
            "amount_cents": p.amount_cents, "voluntary_cents": p.voluntary_cents, "months": p.months_label,
            "large_voluntary": p.large_voluntary, "conflict": p.conflict}


def mark_paid(payment: Payment, *, txn_id: str, actor: Any, source: str,
               gateway_paid_at: dt.datetime | None = None) -> None:
    """Inside a transaction holding the payment's row lock: mark it and its bills paid."""
    before = payment_snapshot(payment)
    payment.check_transition(PaymentStatus.PAID)
    now = timezone.now()
    bills = list(Bill.objects.select_for_update().filter(pk__in=payment.bills.values("pk")))
    conflict = False
    for bill in bills:
        if bill.status == BillStatus.DUE:
            bill.status, bill.payment, bill.paid_at = BillStatus.PAID, payment, now
            bill.save(update_fields=["status", "payment", "paid_at"])
        elif bill.payment_id != payment.pk:
            conflict = True
    payment.status, payment.paid_at, payment.gateway_txn_id = PaymentStatus.PAID, now, txn_id[:64]
    payment.gateway_paid_at = gateway_paid_at
    payment.conflict = conflict
    payment.last_error = ""
    payment.save(update_fields=["status", "paid_at", "gateway_paid_at", "gateway_txn_id", "conflict", "last_error"])
    audit.record(actor, "dues.payment_paid", payment, before=before, after=payment_snapshot(payment),
                 reason=source, org_path=payment.org_path, target_label=payment.out_trade_no)


def apply_trade(trade: TradeState, *, source: str) -> tuple[str, Payment | None, str]:
    """Apply what the gateway says about a trade. Returns (outcome, payment, detail); changes
    nothing unless the trade is a success for exactly the order's amount and not yet applied."""
    payment = Payment.objects.select_for_update().filter(out_trade_no=trade.out_trade_no).first()
    if payment is None:
        return NotificationOutcome.UNKNOWN_ORDER, None, ""
    if not trade.paid:
        return NotificationOutcome.NOT_SUCCESS, payment, trade.state
    if trade.amount_cents != payment.amount_cents:
        return (NotificationOutcome.AMOUNT_MISMATCH, payment,
                f"gateway {trade.amount_cents} != order {payment.amount_cents}")
    if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        return NotificationOutcome.DUPLICATE, payment, ""
    mark_paid(payment, txn_id=trade.transaction_id, actor=f"gateway:{payment.channel}", source=source,
               gateway_paid_at=gateway_time(trade.raw))
    return NotificationOutcome.ACCEPTED, payment, ""
