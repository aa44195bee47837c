"""Daily reconciliation (对账) of our online payments against each gateway's trade bill.

For one Beijing date and one channel the gateway's bill (WeChat Pay v3 ``tradebill``, Alipay's
bill download URL) is downloaded through the production adapter and compared with our records:

- paid at the gateway but not recorded here (a lost notification, an order we never made);
- recorded here but not in the gateway's bill (a payment marked paid without the money);
- amounts that differ;

for payments and for refunds alike. A payment belongs to the day the gateway says the payer paid
(``Payment.gateway_paid_at``, falling back to when we marked it paid); a bill line whose payment
we recorded on a neighbouring day (the notification arrived after midnight) is no mismatch.
Each run replaces the day's record and its mismatches; the branches concerned and the county's
dues managers are notified when there is any mismatch or the bill cannot be had.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.core.scoping import require
from dangjian.core.ui import safe_reverse
from dangjian.dues import (
    ONLINE_CHANNELS,
    BillEntryKind,
    MismatchKind,
    PaymentChannel,
    PaymentStatus,
    ReconciliationStatus,
)
from dangjian.dues.gateways import BillRow, GatewayError, get_gateway
from dangjian.dues.models import Payment, Reconciliation, ReconciliationItem
from dangjian.orgs.models import Organization

log = logging.getLogger(__name__)
PERM_MANAGE = "dues.manage"
_PAID = (PaymentStatus.PAID, PaymentStatus.REFUNDED)


def county_path() -> str:
    """The path of the top organization (the merchant account is the county's)."""
    root = Organization.objects.filter(depth=1).order_by("path").values_list("path", flat=True).first()
    return root or ""


def day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def gateway_time(raw: dict[str, Any]) -> dt.datetime | None:
    """When the payer paid, from a trade as the gateway reports it (``success_time`` of WeChat Pay,
    ISO 8601 with offset; ``gmt_payment`` / ``send_pay_date`` of Alipay, Beijing time)."""
    text = str(raw.get("success_time") or raw.get("gmt_payment") or raw.get("send_pay_date") or "").strip()
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return value


def _sum_rows(rows: list[BillRow], entry: str) -> dict[str, BillRow]:
    out: dict[str, BillRow] = {}
    for row in rows:
        if row.entry != entry:
            continue
        prev = out.get(row.out_trade_no)
        out[row.out_trade_no] = row if prev is None else BillRow(
            row.out_trade_no, entry, prev.amount_cents + row.amount_cents, row.transaction_id, row.time)
    return out


def compare(channel: str, day: dt.date, rows: list[BillRow], root_path: str) -> tuple[list[ReconciliationItem],
                                                                                     dict[str, int]]:
    """The mismatches between the bill's rows and our payments of ``day`` (not saved)."""
    start, end = day_range(day)
    in_day = (Q(gateway_paid_at__gte=start, gateway_paid_at__lt=end)
              | Q(gateway_paid_at__isnull=True, paid_at__gte=start, paid_at__lt=end))
    fields = ("pk", "out_trade_no", "amount_cents", "status", "org_path", "gateway_txn_id")
    local_paid = {p["out_trade_no"]: p for p in Payment.objects.filter(in_day, channel=channel, status__in=_PAID)
                  .values(*fields)}
    local_refunds = {p["out_trade_no"]: p for p in Payment.objects.filter(
        channel=channel, status=PaymentStatus.REFUNDED, refunded_at__gte=start, refunded_at__lt=end).values(*fields)}
    gw_paid, gw_refunds = _sum_rows(rows, BillEntryKind.PAYMENT), _sum_rows(rows, BillEntryKind.REFUND)
    others = {p["out_trade_no"]: p for p in Payment.objects.filter(
        out_trade_no__in=[no for no in {*gw_paid, *gw_refunds} if no not in local_paid or no not in local_refunds]
    ).values(*fields)}
    items: list[ReconciliationItem] = []

    def item(kind: str, entry: str, no: str, row: BillRow | None, local: dict[str, Any] | None,
             local_cents: int | None) -> None:
        items.append(ReconciliationItem(
            kind=kind, entry=entry, out_trade_no=no[:64], gateway_txn_id=(row.transaction_id if row else "")[:64],
            gateway_cents=row.amount_cents if row else None, local_cents=local_cents,
            local_status=local["status"] if local else "", payment_id=local["pk"] if local else None,
            org_path=local["org_path"] if local else root_path))

    for entry, gw, ours, settled in ((BillEntryKind.PAYMENT, gw_paid, local_paid, _PAID),
                                      (BillEntryKind.REFUND, gw_refunds, local_refunds, (PaymentStatus.REFUNDED,))):
        for no, row in gw.items():
            local = ours.get(no)
            if local is None:
                other = others.get(no)
                if other is not None and other["status"] in settled:  # recorded on a neighbouring day
                    if other["amount_cents"] != row.amount_cents:
                        item(MismatchKind.AMOUNT_DIFFERS, entry, no, row, other, other["amount_cents"])
                    continue
                item(MismatchKind.MISSING_HERE, entry, no, row, other, None)
            elif local["amount_cents"] != row.amount_cents:
                item(MismatchKind.AMOUNT_DIFFERS, entry, no, row, local, local["amount_cents"])
        for no, local in ours.items():
            if no not in gw:
                item(MismatchKind.MISSING_AT_GATEWAY, entry, no, None, local, local["amount_cents"])
    totals = {
        "gateway_count": len(gw_paid), "gateway_cents": sum(r.amount_cents for r in gw_paid.values()),
        "gateway_refund_cents": sum(r.amount_cents for r in gw_refunds.values()),
        "local_count": len(local_paid), "local_cents": sum(p["amount_cents"] for p in local_paid.values()),
        "local_refund_cents": sum(p["amount_cents"] for p in local_refunds.values()),
    }
    return items, totals


def do_reconcile(channel: str, day: dt.date, *, acting_user: ActingUser | None = None) -> Reconciliation:
    """Download the day's bill of ``channel`` and record the comparison (replacing an earlier run).
    ``acting_user`` None is the scheduled job; a person needs ``dues.manage`` over the county."""
    root_path = county_path()
    if acting_user is not None:
        require(acting_user, PERM_MANAGE, root_path)
    if channel not in ONLINE_CHANNELS:
        raise ValueError(channel)
    error, sha1 = "", ""
    items: list[ReconciliationItem] = []
    totals: dict[str, int] = {}
    try:
        bill = get_gateway(channel).trade_bill(day.isoformat())
    except GatewayError as exc:
        error = str(exc)[:300]
        log.warning("reconciliation %s %s: %s", channel, day, exc)
    else:
        sha1 = bill.sha1
        items, totals = compare(channel, day, bill.rows, root_path)
    status = (ReconciliationStatus.FAILED if error else
              ReconciliationStatus.MISMATCHED if items else ReconciliationStatus.MATCHED)
    with transaction.atomic():
        rec, _created = Reconciliation.objects.select_for_update().get_or_create(
            channel=channel, bill_date=day, defaults={"status": status})
        before = {"status": rec.status, "mismatches": rec.mismatch_count} if not _created else None
        # A mismatch found again (same kind, entry and order) keeps its settlement.
        settled = {i.match_key: i for i in rec.items.filter(settled_at__isnull=False)}
        rec.items.all().delete()
        for item in items:
            item.reconciliation = rec
            earlier = settled.get(item.match_key)
            if earlier is not None:
                item.settled_by_id, item.settled_at = earlier.settled_by_id, earlier.settled_at
                item.settled_note = earlier.settled_note
        ReconciliationItem.objects.bulk_create(items)
        if not error:
            for name, value in totals.items():
                setattr(rec, name, value)
        rec.status, rec.error, rec.file_sha1 = status, error, sha1
        rec.mismatch_count, rec.runs, rec.updated_at = len(items), rec.runs + 1, timezone.now()
        rec.save()
        audit.record(acting_user or "scheduler", "dues.reconciled", rec, before=before,
                     after={"channel": channel, "date": day.isoformat(), "status": status,
                            "mismatches": len(items), "error": error,
                            "kept_settled": sum(1 for i in items if i.settled_at is not None)}, org_path=root_path,
                     target_label=f"{channel} {day}")
        if status != ReconciliationStatus.MATCHED:
            transaction.on_commit(lambda: _notify(rec, items, root_path))
    return rec


def _notify(rec: Reconciliation, items: list[ReconciliationItem], root_path: str) -> None:
    """The dues managers over each mismatch's organization (so the county's always), once each."""
    assignments = list(RoleAssignment.objects.filter(role__in=roles_with(PERM_MANAGE), user__is_active=True,
                                                     organization__isnull=False)
                       .values_list("organization__path", "user_id"))
    counts: dict[int, int] = defaultdict(int)
    for path in [i.org_path for i in items] or [root_path]:
        for org_path, user_id in assignments:
            if path.startswith(org_path):
                counts[user_id] += 1
    url = safe_reverse("dues:reconciliation", rec.pk) or ""
    channel = PaymentChannel(rec.channel).label
    for user_id, n in counts.items():
        if rec.status == ReconciliationStatus.FAILED:
            title = _("Dues reconciliation %(date)s (%(channel)s): the bill could not be downloaded") % {
                "date": rec.bill_date.isoformat(), "channel": channel}
        else:
            title = _("Dues reconciliation %(date)s (%(channel)s): %(n)d mismatch(es)") % {
                "date": rec.bill_date.isoformat(), "channel": channel, "n": n}
        notify([user_id], "dues.reconciliation_mismatch", title=title,
               body=_("Compare the payments listed with the gateway's bill and settle each one."), url=url)


# --- settling a mismatch --------------------------------------------------------------

SETTLE_NOTE_MAX = 500


def do_settle_mismatch(item: ReconciliationItem, *, note: str, acting_user: ActingUser) -> ReconciliationItem:
    """A county-level dues manager marks a mismatch settled, saying what was done (applied the
    waiting payment, refunded at the gateway, no action needed …). An item is settled once; a
    re-run of the day keeps the settlement of an item it finds again."""
    require(acting_user, PERM_MANAGE, county_path())
    note = (note or "").strip()
    if len(note) < 2:
        raise ValidationError({"note": _("Say what was done to settle the mismatch.")})
    if len(note) > SETTLE_NOTE_MAX:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": SETTLE_NOTE_MAX}})
    with transaction.atomic():
        try:
            locked = ReconciliationItem.objects.select_for_update().get(pk=item.pk)
        except ReconciliationItem.DoesNotExist:  # replaced by a re-run meanwhile
            raise ValidationError({"item": _("This mismatch is no longer listed: the day was reconciled "
                                             "again.")}) from None
        if locked.settled_at is not None:
            raise ValidationError({"item": _("This mismatch is already settled.")})
        locked.settled_by, locked.settled_at, locked.settled_note = as_user(acting_user), timezone.now(), note
        locked.save(update_fields=["settled_by", "settled_at", "settled_note"])
        audit.record(acting_user, "dues.mismatch_settled", locked, before={"settled": False},
                     after={"settled": True, "kind": locked.kind, "entry": locked.entry,
                            "out_trade_no": locked.out_trade_no}, reason=note[:200], org_path=locked.org_path,
                     target_label=locked.out_trade_no)
    return locked


def reconcile_recent(today: dt.date | None = None, *, retry_days: int = 7) -> dict[str, str]:
    """The scheduled job: yesterday's bill of every configured channel, and again any day of the
    last ``retry_days`` whose bill could not be had."""
    from dangjian.dues.gateways import available_channels

    today = today or timezone.localdate()
    out: dict[str, str] = {}
    for channel in available_channels():
        days = {today - dt.timedelta(days=1)}
        days |= set(Reconciliation.objects.filter(channel=channel, status=ReconciliationStatus.FAILED,
                                                  bill_date__gte=today - dt.timedelta(days=retry_days),
                                                  bill_date__lt=today).values_list("bill_date", flat=True))
        for day in sorted(days):
            out[f"{channel} {day}"] = do_reconcile(channel, day).status
    return out
