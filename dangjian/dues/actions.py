"""Every write of the dues module (DESIGN.md §4 rule 1): bases, reductions/exemptions, bills,
payments (online and offline), gateway notifications and refunds."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.scoping import require
from dangjian.dues import (
    FLAT_CATEGORIES,
    ONLINE_CHANNELS,
    BaseSource,
    BaseStatus,
    BillStatus,
    DuesCategory,
    NotificationOutcome,
    PaymentChannel,
    PaymentStatus,
    ReliefKind,
    ReliefStatus,
)
from dangjian.dues.billing import (
    BILL_COLUMNS,
    add_months,
    bases_by_member,
    bill_amount,
    current_month,
    is_billable,
    month_bill_rows,
    month_start,
    months_between,
)
from dangjian.dues.calc import MAX_CENTS, calculate, cents_to_yuan
from dangjian.dues.config import get_config
from dangjian.dues.gateways import BadNotification, GatewayError
from dangjian.dues.models import Bill, DuesBase, DuesRelief, Payment, PaymentNotification
from dangjian.dues.settlement import apply_trade, mark_paid, payment_snapshot
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member

log = logging.getLogger(__name__)

PERM_MANAGE = "dues.manage"
PERM_APPROVE_RELIEF = "dues.approve_relief"
BREAKDOWN_MAX_ITEMS = 12
ITEM_MAX_LEN = 40


def _is_own(member: Member, user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and member.person.user_id == user.pk


# --- bases --------------------------------------------------------------------------------------

def clean_base_data(member: Member, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check a base (year, effective month, category, base or farmer amount, breakdown); raise one
    ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    out: dict[str, Any] = {}
    try:
        year = int(data.get("year") or 0)
    except (TypeError, ValueError):
        year = 0
    if not today.year - 1 <= year <= today.year + 1:
        errors["year"] = _("The year must be between %(min)d and %(max)d.") % {"min": today.year - 1,
                                                                              "max": today.year + 1}
    out["year"] = year
    try:
        month = int(data.get("effective_month") or 1)
    except (TypeError, ValueError):
        month = 0
    if not 1 <= month <= 12:
        errors["effective_month"] = _("The month must be 1 to 12.")
    out["effective_month"] = month
    category = str(data.get("category") or "")
    if category not in DuesCategory.values:
        errors["category"] = _("Choose a dues category.")
    out["category"] = category

    breakdown: list[dict[str, Any]] = []
    for i, item in enumerate(data.get("income_breakdown") or []):
        if i >= BREAKDOWN_MAX_ITEMS:
            errors["income_breakdown"] = _("At most %(n)d income items.") % {"n": BREAKDOWN_MAX_ITEMS}
            break
        name = str(item.get("item") or "").strip()
        cents = item.get("cents")
        if not name or len(name) > ITEM_MAX_LEN or isinstance(cents, bool) or not isinstance(cents, int) \
                or abs(cents) > MAX_CENTS:
            errors["income_breakdown"] = _("Each income item needs a name of at most %(n)d characters and "
                                           "an amount.") % {"n": ITEM_MAX_LEN}
            break
        breakdown.append({"item": name, "cents": cents})
    out["income_breakdown"] = breakdown

    base_cents = data.get("base_cents")
    if base_cents is None and breakdown:
        base_cents = sum(i["cents"] for i in breakdown)
    elif base_cents is not None and breakdown and base_cents != sum(i["cents"] for i in breakdown):
        errors["base"] = _("The base must equal the income items less the deductions (%(sum)s yuan).") % {
            "sum": cents_to_yuan(sum(i["cents"] for i in breakdown))}
    farmer = data.get("farmer_amount_cents")
    if category in FLAT_CATEGORIES:
        base_cents = None
    if category and category in DuesCategory.values and "category" not in errors and "base" not in errors:
        try:
            result = calculate(category, base_cents, farmer_amount_cents=farmer if category == "farmer" else None)
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                errors.setdefault("base" if field == "base" else field, errs[0])
        else:
            out["amount_cents"] = result.amount_cents
    out["base_cents"] = base_cents
    out["farmer_amount_cents"] = farmer if category == "farmer" else None
    out["note"] = str(data.get("note") or "").strip()[:200]
    if errors:
        raise ValidationError(errors)
    return out


def _recalculate_due_bills(member: Member, from_month: dt.date, to_month: dt.date | None = None) -> int:
    """Bring unpaid bills from ``from_month`` on in line with the bases and reliefs in force."""
    qs = Bill.objects.filter(member=member, month__gte=from_month, status__in=[BillStatus.DUE, BillStatus.EXEMPT])
    if to_month is not None:
        qs = qs.filter(month__lte=to_month)
    changed = 0
    bills = list(qs.select_for_update())
    if not bills:
        return 0
    last = max(b.month for b in bills)
    bases = bases_by_member([member.pk], last.year).get(member.pk, [])
    reliefs = list(DuesRelief.objects.filter(member=member, status=ReliefStatus.APPROVED))
    for bill in bills:
        amount = bill_amount(member, bill.month, bases, reliefs)
        if amount is None:
            continue
        if (bill.amount_cents, bill.status, bill.relief_id) != (amount.amount_cents, amount.status,
                                                               amount.relief.pk if amount.relief else None):
            bill.amount_cents, bill.status, bill.basis = amount.amount_cents, amount.status, amount.basis
            bill.category, bill.base_cents, bill.relief = amount.category, amount.base_cents, amount.relief
            bill.save(update_fields=["amount_cents", "status", "basis", "category", "base_cents", "relief"])
            changed += 1
    return changed


def _approve_base(base: DuesBase, acting_user: ActingUser | None) -> None:
    DuesBase.objects.filter(member=base.member, year=base.year, effective_month=base.effective_month,
                            status=BaseStatus.APPROVED).exclude(pk=base.pk).update(status=BaseStatus.SUPERSEDED)
    base.status = BaseStatus.APPROVED
    base.reviewed_by = as_user(acting_user)
    base.reviewed_at = timezone.now()
    base.save()
    _recalculate_due_bills(base.member, dt.date(base.year, base.effective_month, 1))


def do_submit_base(member: Member, data: Mapping[str, Any], *, acting_user: ActingUser | None) -> DuesBase:
    """A member reports their own base (waits for the branch), or the branch enters one (approved
    at once). A new report for the same month replaces a waiting one."""
    own = _is_own(member, acting_user)
    if not own:
        require(acting_user, PERM_MANAGE, member.org_path)
    if member.status not in CURRENT_STATUSES:
        raise ValidationError({"member": _("Only current members have a dues base.")})
    clean = clean_base_data(member, data)
    clean.pop("amount_cents", None)
    with transaction.atomic():
        DuesBase.objects.filter(member=member, year=clean["year"], effective_month=clean["effective_month"],
                                status=BaseStatus.SUBMITTED).update(status=BaseStatus.SUPERSEDED)
        base = DuesBase.objects.create(
            member=member, org_path=member.org_path, submitted_by=as_user(acting_user),
            source=BaseSource.SELF_REPORT if own else BaseSource.BRANCH, **clean,
        )
        if not own:
            _approve_base(base, acting_user)
        audit.record(acting_user, "dues.base_submitted", base, after=_base_snapshot(base),
                     org_path=member.org_path, target_label=str(member))
    return base


def _base_snapshot(base: DuesBase) -> dict[str, Any]:
    return {"member": base.member_id, "year": base.year, "effective_month": base.effective_month,
            "category": base.category, "base_cents": base.base_cents,
            "farmer_amount_cents": base.farmer_amount_cents, "status": base.status, "source": base.source}


def do_review_base(base: DuesBase, *, approve: bool, note: str = "", acting_user: ActingUser) -> DuesBase:
    """The branch checks a reported base: approve it (it applies from its month; unpaid bills
    from then on are recalculated) or return it with a note."""
    require(acting_user, PERM_MANAGE, base.org_path)
    note = (note or "").strip()[:200]
    if not approve and not note:
        raise ValidationError({"review_note": _("Say why the base is returned, so the member can correct it.")})
    with transaction.atomic():
        base = DuesBase.objects.select_for_update().select_related("member").get(pk=base.pk)
        if base.status != BaseStatus.SUBMITTED:
            raise ValidationError({"status": _("Only a base waiting to be checked can be approved or returned.")})
        before = _base_snapshot(base)
        base.review_note = note
        if approve:
            _approve_base(base, acting_user)
        else:
            base.status = BaseStatus.REJECTED
            base.reviewed_by = as_user(acting_user)
            base.reviewed_at = timezone.now()
            base.save()
        audit.record(acting_user, "dues.base_approved" if approve else "dues.base_returned", base,
                     before=before, after=_base_snapshot(base), reason=note, org_path=base.org_path,
                     target_label=str(base.member))
    return base


@dataclass
class BaseImportSummary:
    count: int


def do_import_bases(rows: list[tuple[Member, dict[str, Any]]], *, acting_user: ActingUser, filename: str) -> BaseImportSummary:
    """Write already-validated rows (see ``dues.excel.check_bases_file``) in one transaction: each
    becomes the approved base of its month, replacing any earlier one for that month."""
    for member, _data in rows:
        require(acting_user, PERM_MANAGE, member.org_path)
    entries: list[audit.Entry] = []
    with transaction.atomic():
        for member, data in rows:
            clean = clean_base_data(member, data)
            clean.pop("amount_cents", None)
            DuesBase.objects.filter(member=member, year=clean["year"], effective_month=clean["effective_month"],
                                    status=BaseStatus.SUBMITTED).update(status=BaseStatus.SUPERSEDED)
            base = DuesBase.objects.create(member=member, org_path=member.org_path, submitted_by=as_user(acting_user),
                                           source=BaseSource.IMPORT, **clean)
            _approve_base(base, acting_user)
            entries.append(audit.Entry("dues.base_imported", base, after=_base_snapshot(base),
                                       reason=filename[:200], org_path=member.org_path, target_label=str(member)))
        audit.record_many(acting_user, entries)
    return BaseImportSummary(len(rows))


# --- reductions and exemptions ------------------------------------------------------------------

def _parent_path(member: Member) -> str:
    parent = member.organization.get_parent()
    return parent.path if parent is not None else member.org_path


def do_propose_relief(member: Member, data: Mapping[str, Any], *, acting_user: ActingUser) -> DuesRelief:
    """The branch proposes a reduction or exemption with its reason and evidence."""
    require(acting_user, PERM_MANAGE, member.org_path)
    errors: dict[str, str] = {}
    kind = str(data.get("kind") or "")
    if kind not in ReliefKind.values:
        errors["kind"] = _("Choose reduction or exemption.")
    start, end = data.get("from_month"), data.get("to_month")
    if not isinstance(start, dt.date):
        errors["from_month"] = _("Give the first month, e.g. 2026-01.")
    if not isinstance(end, dt.date):
        errors["to_month"] = _("Give the last month, e.g. 2026-12.")
    if isinstance(start, dt.date) and isinstance(end, dt.date):
        start, end = month_start(start), month_start(end)
        if end < start:
            errors["to_month"] = _("The last month cannot be before the first.")
        elif months_between(start, end) >= 24:
            errors["to_month"] = _("A reduction or exemption covers at most 24 months; propose again after that.")
    monthly = data.get("monthly_cents")
    if kind == ReliefKind.REDUCTION:
        if isinstance(monthly, bool) or not isinstance(monthly, int) or monthly < 0:
            errors["monthly_cents"] = _("Give the reduced monthly amount in yuan.")
    else:
        monthly = None
    reason = str(data.get("reason") or "").strip()
    evidence = str(data.get("evidence") or "").strip()
    if len(reason) < 4:
        errors["reason"] = _("Give the reason the branch discussed (at least 4 characters).")
    if len(evidence) < 4:
        errors["evidence"] = _("Describe the evidence (at least 4 characters), e.g. the hardship certificate.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        relief = DuesRelief.objects.create(member=member, org_path=member.org_path, kind=kind,
                                           from_month=cast(dt.date, start), to_month=cast(dt.date, end), monthly_cents=monthly, reason=reason[:2000],
                                           evidence=evidence[:2000], proposed_by=as_user(acting_user))
        audit.record(acting_user, "dues.relief_proposed", relief, after=_relief_snapshot(relief),
                     reason=reason[:200], org_path=member.org_path, target_label=str(member))
    return relief


def _relief_snapshot(relief: DuesRelief) -> dict[str, Any]:
    return {"member": relief.member_id, "kind": relief.kind, "from": relief.from_month, "to": relief.to_month,
            "monthly_cents": relief.monthly_cents, "status": relief.status}


_RELIEF_EVENTS: dict[str, str] = {
    ReliefStatus.APPROVED: "dues.relief_approved",
    ReliefStatus.REJECTED: "dues.relief_rejected",
    ReliefStatus.WITHDRAWN: "dues.relief_withdrawn",
}


def _transition_relief(relief: DuesRelief, new_status: str, *, acting_user: ActingUser, note: str, perm_path: str,
                       perm: str) -> DuesRelief:
    require(acting_user, perm, perm_path)
    with transaction.atomic():
        relief = DuesRelief.objects.select_for_update().select_related("member").get(pk=relief.pk)
        relief.check_transition(new_status)
        before = _relief_snapshot(relief)
        relief.status = new_status
        relief.decision_note = note[:200]
        if new_status in (ReliefStatus.APPROVED, ReliefStatus.REJECTED):
            relief.decided_by = as_user(acting_user)
            relief.decided_at = timezone.now()
        relief.save()
        if new_status == ReliefStatus.APPROVED:
            _recalculate_due_bills(relief.member, relief.from_month, relief.to_month)
        audit.record(acting_user, _RELIEF_EVENTS[new_status], relief, before=before, after=_relief_snapshot(relief),
                     reason=note[:200], org_path=relief.org_path, target_label=str(relief.member))
    return relief


def do_decide_relief(relief: DuesRelief, *, approve: bool, note: str = "", acting_user: ActingUser) -> DuesRelief:
    """The higher committee approves or rejects: needs ``dues.approve_relief`` on the committee
    above the member's branch (the branch cannot approve its own proposal)."""
    if not approve and not (note or "").strip():
        raise ValidationError({"decision_note": _("Say why the proposal is rejected.")})
    return _transition_relief(relief, ReliefStatus.APPROVED if approve else ReliefStatus.REJECTED,
                              acting_user=acting_user, note=(note or "").strip(),
                              perm_path=_parent_path(relief.member), perm=PERM_APPROVE_RELIEF)


def do_withdraw_relief(relief: DuesRelief, *, acting_user: ActingUser) -> DuesRelief:
    return _transition_relief(relief, ReliefStatus.WITHDRAWN, acting_user=acting_user, note="",
                              perm_path=relief.org_path, perm=PERM_MANAGE)


# --- bills --------------------------------------------------------------------------------------

@dataclass
class GenerationResult:
    month: dt.date
    created: int
    existing: int
    missing_base: int
    not_billable: int


def do_generate_bills(month: dt.date, *, acting_user: ActingUser | None = None, org_path: str = "",
                      chunk: int = 2000) -> GenerationResult:
    """Create the month's bill for every current member (under ``org_path`` if given) who has none
    yet. Idempotent: the (member, month) constraint and ``ignore_conflicts`` mean running it twice
    creates nothing new. ``acting_user`` None is the scheduled job."""
    month = month_start(month)
    if acting_user is not None:
        require(acting_user, PERM_MANAGE, org_path or "")
    created = existing = missing = skipped = 0
    for part in month_bill_rows(month, org_path=org_path, chunk=chunk):
        existing += part.existing
        missing += part.missing_base
        skipped += part.not_billable
        if part.rows:
            created += _insert_bills(part.rows)
    result = GenerationResult(month, created, existing, missing, skipped)
    if created:
        with transaction.atomic():
            audit.record(acting_user or "scheduler", "dues.bills_generated", None,
                         after={"month": month.isoformat(), "created": created, "missing_base": missing},
                         org_path=org_path)
    return result


_BILL_PG_TYPES = ("bigint", "bigint", "varchar", "date", "varchar", "bigint", "bigint", "varchar", "bigint", "varchar",
                  "timestamptz")


def _insert_bills(rows: list[tuple[Any, ...]], *, per_statement: int = 1000) -> int:
    """Insert bill rows with multi-row ``INSERT … VALUES (…), (…) … ON CONFLICT (member_id, month)
    DO NOTHING`` statements of ``per_statement`` rows (SQLite ≥ 3.24; on PostgreSQL ``INSERT …
    SELECT * FROM unnest(arrays) ON CONFLICT DO NOTHING``, 5,000 rows a statement): no model
    instances, no per-field preparation, one round trip per 1,000 rows; the count is exact — rows
    made meanwhile by a payment are skipped and not counted."""
    table = connection.ops.quote_name(Bill._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in BILL_COLUMNS)
    one = "(" + ", ".join(["%s"] * len(BILL_COLUMNS)) + ")"
    count = 0
    if connection.vendor == "postgresql":
        # One statement per chunk with 11 array parameters: psycopg parses a query's placeholders
        # in Python, and 11,000 of them per statement cost more than the insert itself.
        arrays = ", ".join(f"%s::{t}[]" for t in _BILL_PG_TYPES)
        sql = (f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - fixed identifiers
               "ON CONFLICT (member_id, month) DO NOTHING")
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), 5000):
                cursor.execute(sql, [list(col) for col in zip(*rows[start:start + 5000], strict=True)])
                count += max(int(cursor.rowcount), 0)
        return count
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = (f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * len(chunk))} "  # noqa: S608
                   "ON CONFLICT (member_id, month) DO NOTHING")  # fixed identifiers, values as parameters
            cursor.execute(sql, [value for row in chunk for value in row])
            count += max(int(cursor.rowcount), 0)
    return count


def ensure_bills(member: Member, months: list[dt.date]) -> list[Bill]:
    """The member's bills for ``months``, creating missing ones (advance payment). Not an action on
    its own: called inside the payment actions' transaction."""
    months = sorted({month_start(m) for m in months})
    have = {b.month: b for b in Bill.objects.filter(member=member, month__in=months)}
    missing = [m for m in months if m not in have]
    if missing:
        bases = bases_by_member([member.pk], max(missing).year).get(member.pk, [])
        reliefs = list(DuesRelief.objects.filter(member=member, status=ReliefStatus.APPROVED))
        for month in missing:
            if not is_billable(member, month):
                raise ValidationError({"months": _("%(member)s owes no dues for %(month)s.")
                                       % {"member": member.person.name, "month": f"{month:%Y-%m}"}})
            amount = bill_amount(member, month, bases, reliefs)
            if amount is None:
                raise ValidationError({"months": _("No approved dues base for %(month)s yet: report your "
                                                   "base first.") % {"month": f"{month:%Y-%m}"}})
            try:
                with transaction.atomic():
                    have[month] = Bill.objects.create(
                        member=member, organization_id=member.organization_id, org_path=member.org_path,
                        month=month, category=amount.category, base_cents=amount.base_cents,
                        amount_cents=amount.amount_cents, basis=amount.basis, status=amount.status,
                        relief=amount.relief)
            except IntegrityError:  # made by the job meanwhile
                have[month] = Bill.objects.get(member=member, month=month)
    return [have[m] for m in months]


# --- payments -----------------------------------------------------------------------------------

def new_trade_no() -> str:
    """Our order number: ``DJ`` + local time to the second + 12 random digits (28 characters)."""
    return "DJ" + timezone.localtime().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**12):012d}"


def payable_window(today_month: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The months a member may pay online: back to LATE_MAX_MONTHS before this one (补交) and
    ahead to ADVANCE_MAX_MONTHS after it (预交)."""
    cfg = get_config()
    this = today_month or current_month()
    return add_months(this, -cfg.late_max_months), add_months(this, cfg.advance_max_months)


def _check_voluntary(voluntary_cents: Any) -> int:
    cfg = get_config()
    if voluntary_cents in (None, ""):
        return 0
    if isinstance(voluntary_cents, bool) or not isinstance(voluntary_cents, int) or voluntary_cents < 0:
        raise ValidationError({"voluntary": _("The voluntary amount must be 0 or more yuan.")})
    if voluntary_cents > cfg.voluntary_max_cents:
        raise ValidationError({"voluntary": _("One voluntary payment is at most %(max)s yuan.")
                               % {"max": cents_to_yuan(cfg.voluntary_max_cents)}})
    return int(voluntary_cents)


def _bills_for_payment(member: Member, months: list[dt.date], *, window: tuple[dt.date, dt.date] | None) -> list[Bill]:
    if window is not None:
        lo, hi = window
        for m in months:
            if m > hi:
                raise ValidationError({"months": _("Dues can be paid at most %(n)d months ahead.")
                                       % {"n": get_config().advance_max_months}})
            if m < lo:
                raise ValidationError({"months": _("%(month)s is more than %(n)d months ago: please pay it "
                                                   "to your branch.") % {"month": f"{m:%Y-%m}",
                                                                         "n": get_config().late_max_months}})
    bills = ensure_bills(member, months)
    bills = list(Bill.objects.select_for_update().filter(pk__in=[b.pk for b in bills]).order_by("month"))
    for bill in bills:
        if bill.status != BillStatus.DUE:
            raise ValidationError({"months": _("The dues for %(month)s are already settled.")
                                   % {"month": f"{bill.month:%Y-%m}"}})
    return bills


def _months_label(bills: list[Bill]) -> str:
    return ", ".join(f"{b.month:%Y-%m}" for b in bills)[:200]


def _new_payment(member: Member, bills: list[Bill], voluntary: int, channel: str, acting_user: ActingUser | None,
                 collected_org: Any = None) -> Payment:
    amount = sum(b.amount_cents for b in bills) + voluntary
    if amount <= 0:
        raise ValidationError({"months": _("Choose at least one month to pay, or a voluntary amount.")})
    payment = Payment.objects.create(
        out_trade_no=new_trade_no(), member=member, org_path=member.org_path, channel=channel,
        amount_cents=amount, voluntary_cents=voluntary,
        large_voluntary=voluntary >= get_config().large_voluntary_cents,
        months_label=_months_label(bills), created_by=as_user(acting_user),
        collected_org=collected_org, collected_path=collected_org.path if collected_org is not None else "",
    )
    payment.bills.set(bills)
    return payment


def member_window(member: Member) -> tuple[dt.date, dt.date]:
    """The months the member may pay online now: the configured window, stretched to the end of
    the quarter when the branch consented to quarterly payment."""
    from dangjian.dues import ConsentKind
    from dangjian.dues.consent import active_consent, quarter_end

    lo, hi = payable_window()
    if active_consent(member, ConsentKind.QUARTERLY) is not None:
        hi = max(hi, quarter_end(current_month()))
    return lo, hi


def do_create_online_payment(member: Member, *, months: list[dt.date], voluntary_cents: Any = 0, channel: str,
                             mode: str = "native", client_ip: str = "", at_host: bool = False,
                             acting_user: ActingUser) -> Payment:
    """A member pays their own dues online — or a proxy the branch consented to pays for them: the
    order is saved first (so a notification can never find it missing), then created at the
    gateway. If the gateway cannot be reached the order stays ``created`` with the error kept; the
    member can try again. ``at_host``: a floating member pays to their host branch."""
    from dangjian.dues import ConsentKind
    from dangjian.dues.consent import active_consent, host_branch
    from dangjian.dues.gateways import get_gateway

    if not _is_own(member, acting_user) and (
            not getattr(acting_user, "is_authenticated", False)
            or active_consent(member, ConsentKind.PROXY, proxy=acting_user) is None):
        raise PermissionDenied(_("Members pay their own dues online, or a proxy the branch consented to."))
    collected_org = None
    if at_host:
        collected_org = host_branch(member)
        if collected_org is None:
            raise ValidationError({"channel": _("The member holds no floating certificate with a host branch.")})
    if channel not in ONLINE_CHANNELS:
        raise ValidationError({"channel": _("Choose a way to pay.")})
    if mode not in ("native", "h5"):
        raise ValidationError({"channel": _("Choose a way to pay.")})
    try:
        gateway = get_gateway(channel)
    except GatewayError:
        raise ValidationError({"channel": _("This way to pay is not available.")}) from None
    voluntary = _check_voluntary(voluntary_cents)
    # an earlier unpaid order for any of these months is closed at its gateway first (or applied,
    # if the payer did pay it): no second payable order for the same month
    from dangjian.dues.closing import close_superseded, order_expiry

    close_superseded(member, months, acting_user=acting_user)
    with transaction.atomic():
        bills = _bills_for_payment(member, months, window=member_window(member))
        payment = _new_payment(member, bills, voluntary, channel, acting_user, collected_org)
        audit.record(acting_user, "dues.payment_created", payment, after=payment_snapshot(payment),
                     org_path=member.org_path, target_label=str(member))
    description = _("Party dues %(months)s") % {"months": payment.months_label or _("voluntary")}
    try:
        start = gateway.create_order(out_trade_no=payment.out_trade_no, amount_cents=payment.amount_cents,
                                     description=description, mode=mode, client_ip=client_ip,
                                     expire_at=order_expiry(payment))
    except GatewayError as exc:
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.CREATED).update(last_error=str(exc)[:300])
        payment.refresh_from_db()
        log.warning("gateway order %s failed: %s", payment.out_trade_no, exc)
        return payment
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        locked.pay_url, locked.pay_mode, locked.last_error = start.url, start.mode, ""
        fields = ["pay_url", "pay_mode", "last_error"]
        if locked.status == PaymentStatus.CREATED:  # a fast notification may have marked it paid already
            locked.status = PaymentStatus.PENDING
            fields.append("status")
        locked.save(update_fields=fields)
    return locked


def do_handle_gateway_notification(channel: str, headers: dict[str, str], body: str) -> tuple[int, str]:
    """An asynchronous notification from a gateway (no user: the signature is the authority).

    Every notification is logged in ``PaymentNotification`` with its outcome, accepted or not.
    Returns (HTTP status, outcome): 200 when accepted or already applied, else 4xx so the gateway
    retries or gives up; nothing changes for a bad signature, an unknown order or a wrong amount."""
    from dangjian.dues.gateways import get_gateway

    body = body[:65536].replace("\x00", "")
    out_trade_no, detail = "", ""
    outcome: str
    payment: Payment | None = None
    try:
        trade = get_gateway(channel).parse_notification(headers, body)
    except BadNotification as exc:
        outcome, detail = NotificationOutcome.BAD_SIGNATURE, str(exc)[:300]
        trade = None
    except GatewayError as exc:
        outcome, detail = NotificationOutcome.MALFORMED, str(exc)[:300]
        trade = None
    with transaction.atomic():
        if trade is not None:
            out_trade_no = trade.out_trade_no
            outcome, payment, detail = apply_trade(trade, source="notification")
        PaymentNotification.objects.create(channel=channel, outcome=outcome, out_trade_no=out_trade_no[:64],
                                           payment=payment, headers=headers, body=body, detail=detail[:300])
    if outcome in (NotificationOutcome.ACCEPTED, NotificationOutcome.DUPLICATE, NotificationOutcome.NOT_SUCCESS):
        return 200, outcome
    if outcome == NotificationOutcome.BAD_SIGNATURE:
        return 401, outcome
    return 400, outcome


def do_sync_payment(payment: Payment, *, acting_user: ActingUser | None) -> Payment:
    """Ask the gateway about an unfinished online payment (the browser came back, or the member
    pressed "check"); apply a success exactly like a notification. The payer themself or the
    branch may ask."""
    from dangjian.dues.gateways import get_gateway

    if acting_user is not None and not _is_own(payment.member, acting_user) \
            and not (payment.created_by_id and payment.created_by_id == getattr(acting_user, "pk", None)):
        require(acting_user, PERM_MANAGE, payment.org_path)  # None: the periodic job; the payer (or proxy) may ask
    if payment.channel not in ONLINE_CHANNELS or payment.status not in (PaymentStatus.CREATED, PaymentStatus.PENDING):
        return payment
    try:
        trade = get_gateway(payment.channel).query(payment.out_trade_no)
    except GatewayError as exc:
        log.info("query %s failed: %s", payment.out_trade_no, exc)
        return payment
    with transaction.atomic():
        if trade.paid:
            apply_trade(trade, source="query")
        elif trade.state in ("CLOSED", "PAYERROR", "REVOKED"):
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            if locked.status in (PaymentStatus.CREATED, PaymentStatus.PENDING):
                before = payment_snapshot(locked)
                new = PaymentStatus.CLOSED if trade.state == "CLOSED" else PaymentStatus.FAILED
                locked.check_transition(new)
                locked.status = new
                locked.save(update_fields=["status"])
                audit.record(acting_user, "dues.payment_failed", locked, before=before,
                             after=payment_snapshot(locked), reason=trade.state, org_path=locked.org_path,
                             target_label=locked.out_trade_no)
    payment.refresh_from_db()
    return payment


def do_record_offline_payment(member: Member, *, months: list[dt.date], channel: str, voluntary_cents: Any = 0,
                              reference: str = "", at_host: bool | None = None, acting_user: ActingUser | None) -> Payment:
    """The branch records dues paid in cash or by bank transfer (补交 of any month, 预交 within
    the limit). A bank transfer needs its reference. The host branch of a floating member records
    what the member paid there (``at_host``; by default when the user manages only the host)."""
    from dangjian.dues.consent import offline_collector

    collected_org = offline_collector(member, acting_user, at_host)
    if channel not in (PaymentChannel.CASH, PaymentChannel.BANK_TRANSFER):
        raise ValidationError({"channel": _("Choose cash or bank transfer.")})
    reference = (reference or "").strip()[:100]
    if channel == PaymentChannel.BANK_TRANSFER and not reference:
        raise ValidationError({"reference": _("Give the bank transfer's reference number.")})
    voluntary = _check_voluntary(voluntary_cents)
    _lo, hi = payable_window()
    from dangjian.dues.closing import close_superseded

    close_superseded(member, months, acting_user=acting_user, for_staff=True)  # no second payment online
    with transaction.atomic():
        bills = _bills_for_payment(member, months, window=(dt.date(1900, 1, 1), hi))
        payment = _new_payment(member, bills, voluntary, channel, acting_user, collected_org)
        payment.reference = reference
        payment.save(update_fields=["reference"])
        audit.record(acting_user, "dues.payment_created", payment, after=payment_snapshot(payment),
                     org_path=member.org_path, target_label=str(member))
        mark_paid(payment, txn_id=reference, actor=acting_user, source=channel)
    return payment


def do_refund_payment(payment: Payment, *, reason: str, acting_user: ActingUser) -> Payment:
    """Refund a whole payment (e.g. paid twice): cash at once, online through the gateway — the
    payment is refunded, its bills due again, when the gateway confirms. See ``dues.refunds``."""
    from dangjian.dues.refunds import do_refund_payment as request_refund

    return request_refund(payment, reason=reason, acting_user=acting_user)
