"""Reads of the dues module, always through ``core.scoping`` (out of scope is a 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from dangjian.core.scoping import get_scoped_or_404, scoped
from dangjian.dues import ArrearsLevel, BaseStatus, BillStatus, PaymentStatus, ReliefStatus
from dangjian.dues.actions import PERM_APPROVE_RELIEF, PERM_MANAGE
from dangjian.dues.billing import add_months, current_month
from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.models import ArrearsAlert, Bill, DuesBase, DuesRelief, Payment
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orgs.models import Organization


def own_member(user: Any) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.select_related("person", "organization").filter(person__user=user).first()


def access_payment(user: Any, out_trade_no: str) -> Payment:
    """A payment the user made (for themself or as a proxy), one in their ``dues.manage`` scope,
    or one a floating member paid to a host branch in that scope."""
    qs = Payment.objects.select_related("member__person", "collected_org")
    own = (Q(member__person__user=user) | Q(created_by=user)) if getattr(user, "is_authenticated", False) else None
    try:
        return get_scoped_or_404(qs, user, PERM_MANAGE, path_field="org_path", extra=own,
                                 out_trade_no=str(out_trade_no)[:32])
    except Http404:
        return get_scoped_or_404(qs.exclude(collected_path=""), user, PERM_MANAGE, path_field="collected_path",
                                 out_trade_no=str(out_trade_no)[:32])


def access_base(user: Any, base_id: Any) -> DuesBase:
    return get_scoped_or_404(DuesBase.objects.select_related("member__person"), user, PERM_MANAGE,
                             path_field="org_path", pk=base_id)


def access_relief(user: Any, relief_id: Any) -> DuesRelief:
    """A relief in the user's branch scope, or under a committee where they may decide."""
    qs = DuesRelief.objects.select_related("member__person", "member__organization")
    try:
        return get_scoped_or_404(qs, user, PERM_MANAGE, path_field="org_path", pk=relief_id)
    except Http404:
        return get_scoped_or_404(qs, user, PERM_APPROVE_RELIEF, path_field="org_path", pk=relief_id)


def access_managed_member(user: Any, member_id: Any, *, with_guests: bool = False) -> Member:
    """A member in the user's scope; with ``with_guests`` also a floating member whose host branch
    (certificate in force) is in it — the host takes their dues."""
    qs = Member.objects.select_related("person", "organization")
    try:
        return get_scoped_or_404(qs, user, PERM_MANAGE, path_field="org_path", pk=member_id)
    except Http404:
        if not with_guests:
            raise
    from dangjian.core.scoping import in_scope
    from dangjian.dues.consent import host_branch

    member = qs.filter(pk=int(member_id)).first() if str(member_id).isdigit() else None
    host = host_branch(member) if member is not None else None
    if member is None or host is None or not in_scope(user, PERM_MANAGE, host.path):
        raise Http404
    return member


def access_ledger_org(user: Any, org_id: Any) -> Organization:
    return get_scoped_or_404(Organization.objects.all(), user, PERM_MANAGE, path_field="path", pk=org_id)


def managed_orgs(user: Any) -> QuerySet[Organization]:
    return scoped(Organization.objects.all(), user, PERM_MANAGE, path_field="path").order_by("path")


def bases_for(user: Any, org: Organization, year: int, *, status: str = "") -> QuerySet[DuesBase]:
    qs = scoped(DuesBase.objects.all(), user, PERM_MANAGE, path_field="org_path").filter(
        org_path__startswith=org.path, year=year).select_related("member__person").order_by("member__person__name_pinyin", "-pk")
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=BaseStatus.SUPERSEDED)
    return qs


def reliefs_for(user: Any, org: Organization) -> QuerySet[DuesRelief]:
    q_manage = scoped(DuesRelief.objects.all(), user, PERM_MANAGE, path_field="org_path").values("pk")
    q_decide = scoped(DuesRelief.objects.all(), user, PERM_APPROVE_RELIEF, path_field="org_path").values("pk")
    return (DuesRelief.objects.filter(Q(pk__in=q_manage) | Q(pk__in=q_decide), org_path__startswith=org.path)
            .select_related("member__person").order_by("-created_at"))


def pending_relief_count(user: Any, org: Organization) -> int:
    return reliefs_for(user, org).filter(status=ReliefStatus.PROPOSED).count()


# --- ledgers ------------------------------------------------------------------------------------

@dataclass
class LedgerRow:
    org_id: int
    name: str
    due_count: int = 0
    due_cents: int = 0
    paid_count: int = 0
    paid_cents: int = 0
    unpaid_count: int = 0
    unpaid_cents: int = 0
    exempt_count: int = 0

    @property
    def due_yuan(self) -> str:
        return cents_to_yuan(self.due_cents, grouping=True)

    @property
    def paid_yuan(self) -> str:
        return cents_to_yuan(self.paid_cents, grouping=True)

    @property
    def unpaid_yuan(self) -> str:
        return cents_to_yuan(self.unpaid_cents, grouping=True)


@dataclass
class Ledger:
    month: dt.date
    org: Organization
    rows: list[LedgerRow] = field(default_factory=list)
    total: LedgerRow = field(default_factory=lambda: LedgerRow(0, ""))
    voluntary_cents: int = 0
    large_voluntary_count: int = 0

    @property
    def voluntary_yuan(self) -> str:
        return cents_to_yuan(self.voluntary_cents, grouping=True)


def branch_month_ledger(user: Any, org: Organization, month: dt.date) -> Ledger:
    """应缴/实缴/欠缴 for one month under ``org`` (counts and cents), one row per child organization
    with its whole subtree rolled up (a branch: one row, itself; bills of members placed directly
    on a committee: a row for the committee itself). Drill down by opening a child. Three queries;
    a county gives ≈10–30 rows instead of ≈1,800 branch rows."""
    from django.db.models.functions import Substr

    steplen = Organization.steplen
    bills = scoped(Bill.objects.all(), user, PERM_MANAGE, path_field="org_path").filter(
        org_path__startswith=org.path, month=month)
    agg = (bills.annotate(child=Substr("org_path", 1, len(org.path) + steplen)).values("child")
           .annotate(due_count=Count("pk", filter=~Q(status=BillStatus.EXEMPT)),
                     due_cents=Sum("amount_cents"),
                     paid_count=Count("pk", filter=Q(status=BillStatus.PAID)),
                     paid_cents=Sum("amount_cents", filter=Q(status=BillStatus.PAID)),
                     exempt_count=Count("pk", filter=Q(status=BillStatus.EXEMPT)))
           .order_by())
    children = {path: (pk, name) for pk, path, name in Organization.objects.filter(
        path__startswith=org.path, depth__lte=org.depth + 1).values_list("pk", "path", "name")}
    ledger = Ledger(month, org)
    for row in agg:
        pk, name = children.get(row["child"], (0, "?"))
        r = LedgerRow(pk, name, row["due_count"], row["due_cents"] or 0, row["paid_count"], row["paid_cents"] or 0,
                      exempt_count=row["exempt_count"])
        r.unpaid_count = r.due_count - r.paid_count
        r.unpaid_cents = r.due_cents - r.paid_cents
        ledger.rows.append(r)
    ledger.rows.sort(key=lambda r: r.name)
    t = ledger.total
    for r in ledger.rows:
        for name in ("due_count", "due_cents", "paid_count", "paid_cents", "unpaid_count", "unpaid_cents",
                     "exempt_count"):
            setattr(t, name, getattr(t, name) + getattr(r, name))
    # A range of aware datetimes (local midnights), not ``paid_at__date``: the date cast is a
    # function call per row on SQLite (≈0.5 s over 30,000 payments) and defeats the index.
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(_next_month(month), dt.time.min))
    pays = scoped(Payment.objects.all(), user, PERM_MANAGE, path_field="org_path").filter(
        org_path__startswith=org.path, status=PaymentStatus.PAID, voluntary_cents__gt=0,
        paid_at__gte=start, paid_at__lt=end)
    vol = pays.aggregate(total=Sum("voluntary_cents"), large=Count("pk", filter=Q(large_voluntary=True)))
    ledger.voluntary_cents = vol["total"] or 0
    ledger.large_voluntary_count = vol["large"] or 0
    return ledger


def _next_month(month: dt.date) -> dt.date:
    return add_months(month, 1)


def member_bills(member: Member, year: int | None = None) -> QuerySet[Bill]:
    qs = Bill.objects.filter(member=member).order_by("-month")
    if year:
        qs = qs.filter(month__year=year)
    return qs


def member_year_rows(user: Any, org: Organization, year: int, members: list[Member]) -> list[dict[str, Any]]:
    """For a page of members: 12 month cells each (amount and status), plus year totals."""
    ids = [m.pk for m in members]
    cells: dict[int, dict[int, Bill]] = {i: {} for i in ids}
    for bill in _member_year_bills(user, year).filter(member_id__in=ids):
        cells[bill.member_id][bill.month.month] = bill
    rows = []
    for m in members:
        by_month = cells[m.pk]
        due = sum(b.amount_cents for b in by_month.values())
        paid = sum(b.amount_cents for b in by_month.values() if b.status == BillStatus.PAID)
        rows.append({
            "member": m,
            "months": [by_month.get(i) for i in range(1, 13)],
            "due_cents": due, "paid_cents": paid,
            "due_yuan": cents_to_yuan(due), "paid_yuan": cents_to_yuan(paid),
        })
    return rows


def _member_year_bills(user: Any, year: int) -> QuerySet[Bill]:
    return scoped(Bill.objects.all(), user, PERM_MANAGE, path_field="org_path").filter(month__year=year)


@dataclass
class MemberYearTotals:
    """The year's bills of every member listed for ``org`` (all pages): the sum of the rows."""

    members: int = 0
    due_cents: int = 0
    paid_cents: int = 0

    @property
    def unpaid_cents(self) -> int:
        return self.due_cents - self.paid_cents

    @property
    def due_yuan(self) -> str:
        return cents_to_yuan(self.due_cents)

    @property
    def paid_yuan(self) -> str:
        return cents_to_yuan(self.paid_cents)

    @property
    def unpaid_yuan(self) -> str:
        return cents_to_yuan(self.unpaid_cents)


def member_year_totals(user: Any, org: Organization, year: int, members: int) -> MemberYearTotals:
    """One aggregate over the same bills as the rows of every page (``member_year_rows``)."""
    agg = _member_year_bills(user, year).filter(member_id__in=ledger_members(user, org).values("pk")).aggregate(
        due=Sum("amount_cents"), paid=Sum("amount_cents", filter=Q(status=BillStatus.PAID)))
    return MemberYearTotals(members=members, due_cents=int(agg["due"] or 0), paid_cents=int(agg["paid"] or 0))


def ledger_members(user: Any, org: Organization) -> QuerySet[Member]:
    return (scoped(Member.objects.all(), user, PERM_MANAGE, path_field="org_path")
            .filter(org_path__startswith=org.path).select_related("person").order_by("person__name_pinyin", "pk"))


def payments_for(user: Any, org: Organization) -> QuerySet[Payment]:
    return (scoped(Payment.objects.all(), user, PERM_MANAGE, path_field="org_path")
            .filter(org_path__startswith=org.path).exclude(status=PaymentStatus.CREATED)
            .select_related("member__person").order_by("-created_at", "-pk"))


@dataclass
class ArrearsRow:
    """One member behind with dues, as the bills stand now: the unpaid months up to the month just
    ended, their total, the step the consecutive run has reached, and the procedure's latest alert
    (if the monthly job has raised one) that carries the branch's decision."""

    member: Member
    months: list[dt.date]
    cents: int
    level: ArrearsLevel
    alert: ArrearsAlert | None = None

    @property
    def first_month(self) -> dt.date:
        return self.months[0]

    @property
    def unpaid_yuan(self) -> str:
        return cents_to_yuan(self.cents)

    def get_level_display(self) -> str:
        return str(self.level.label)


def _level(months: list[dt.date]) -> ArrearsLevel:
    """The step reached by the run of consecutive unpaid months that ends at the latest one."""
    run = 1
    while run < len(months) and add_months(months[-run], -1) == months[-run - 1]:
        run += 1
    for level in (ArrearsLevel.LAPSE_ALERT, ArrearsLevel.WARNING):
        if run >= level:
            return level
    return ArrearsLevel.REMINDER


def arrears_bills(user: Any) -> QuerySet[Bill]:
    """The unpaid bills, for months already ended, of current members in ``user``'s scope: what
    the arrears page lists and the branch's to-do counts (read as the bills are now)."""
    last = add_months(current_month(), -1)
    return (scoped(Bill.objects.all(), user, PERM_MANAGE, path_field="org_path")
            .filter(status=BillStatus.DUE, month__lte=last, member__status__in=list(CURRENT_STATUSES)))


class ArrearsList(Sequence[ArrearsRow]):
    """Members under an organization with unpaid bills for months already ended, most months first;
    counted and sliced in the database (a sliceable sequence for Django's ``Paginator``). The list
    is read from the bills as they are now: it does not wait for the monthly arrears job, which
    only sends the reminders and opens the steps that carry the branch's decision."""

    def __init__(self, user: Any, org: Organization) -> None:
        bills = arrears_bills(user).filter(org_path__startswith=org.path)
        self._bills = bills
        self._members = (bills.values("member_id").annotate(n=Count("pk"), first=Min("month"))
                         .order_by("-n", "first", "member_id"))
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._members.count()
        return self._count

    def count(self, value: Any = None) -> int:  # type: ignore[override]  # Paginator calls count()
        return len(self)

    @overload
    def __getitem__(self, index: int) -> ArrearsRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ArrearsRow]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            rows = self._rows(slice(index, index + 1))
            if not rows:
                raise IndexError(index)
            return rows[0]
        return self._rows(index)

    def _rows(self, index: slice) -> list[ArrearsRow]:
        ids = [row["member_id"] for row in self._members[index]]
        members = Member.objects.select_related("person", "organization").in_bulk(ids)
        months: dict[int, list[tuple[dt.date, int]]] = {i: [] for i in ids}
        for member_id, month, cents in (self._bills.filter(member_id__in=ids).order_by("month")
                                        .values_list("member_id", "month", "amount_cents")):
            months[member_id].append((month, cents))
        alerts: dict[int, ArrearsAlert] = {}
        for alert in (ArrearsAlert.objects.filter(member_id__in=ids, level__gte=ArrearsLevel.WARNING)
                      .order_by("-streak_start", "-level", "-pk")):
            alerts.setdefault(alert.member_id, alert)
        return [ArrearsRow(member=members[i], months=[m for m, _c in months[i]], cents=sum(c for _m, c in months[i]),
                           level=_level([m for m, _c in months[i]]), alert=alerts.get(i)) for i in ids]


def arrears_for(user: Any, org: Organization) -> ArrearsList:
    return ArrearsList(user, org)


def access_arrears(user: Any, alert_id: Any) -> ArrearsAlert:
    return get_scoped_or_404(ArrearsAlert.objects.select_related("member"), user, PERM_MANAGE,
                             path_field="org_path", pk=alert_id)


def member_bases(member: Member) -> QuerySet[DuesBase]:
    return DuesBase.objects.filter(member=member).exclude(status=BaseStatus.SUPERSEDED).order_by(
        "-year", "-effective_month", "-pk")


def member_payments(member: Member) -> QuerySet[Payment]:
    return Payment.objects.filter(member=member).exclude(status=PaymentStatus.CREATED).order_by("-created_at")


def paid_up_to(member: Member) -> dt.date | None:
    """The last month (first day) up to which the member's dues are settled: the month before
    the earliest unpaid bill, else the latest bill's month; None without any settled bill.
    Used for the transfer letter's "dues paid up to" (DOMAIN.md §7). Two queries at most."""
    first_due = (Bill.objects.filter(member=member, status=BillStatus.DUE).order_by("month")
                 .values_list("month", flat=True).first())
    settled = Bill.objects.filter(member=member).exclude(status=BillStatus.DUE)
    if first_due is not None:
        settled = settled.filter(month__lt=first_due)
    return settled.order_by("-month").values_list("month", flat=True).first()


# --- reconciliation -----------------------------------------------------------------------------

def reconciliations_for(user: Any) -> QuerySet[Any]:
    """Every day's reconciliation (the merchant account is the county's), newest first; a dues
    manager sees the list, and of the mismatches only those in their scope."""
    from dangjian.dues.models import Reconciliation

    return Reconciliation.objects.annotate(
        open_count=Count("items", filter=Q(items__settled_at__isnull=True))).order_by("-bill_date", "channel")


def access_reconciliation(user: Any, rec_id: Any) -> Any:
    from dangjian.core.scoping import has_any
    from dangjian.dues.models import Reconciliation

    if not has_any(user, PERM_MANAGE):
        raise Http404
    try:
        return Reconciliation.objects.get(pk=int(rec_id))
    except (Reconciliation.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def reconciliation_items(user: Any, rec: Any) -> QuerySet[Any]:
    from dangjian.dues.models import ReconciliationItem

    return scoped(ReconciliationItem.objects.filter(reconciliation=rec), user, PERM_MANAGE, path_field="org_path") \
        .select_related("payment__member__person", "payment__member__organization", "settled_by") \
        .order_by("kind", "pk")


def access_reconciliation_item(user: Any, rec: Any, item_id: Any) -> Any:
    """One mismatch of ``rec`` in the user's scope (404 otherwise)."""
    try:
        return reconciliation_items(user, rec).get(pk=int(item_id))
    except (ObjectDoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


# --- public notice and hand-over ----------------------------------------------------------------

def member_notice(member: Member, year: int | None) -> Any:
    """The published notice of the member's branch (the given year, else the latest)."""
    from dangjian.dues.models import DuesNotice

    qs = DuesNotice.objects.filter(organization_id=member.organization_id)
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year").first()


def handovers_for(user: Any, org: Organization) -> QuerySet[Any]:
    from dangjian.core.scoping import subtree_q
    from dangjian.dues.models import DuesHandover

    return scoped(DuesHandover.objects.filter(subtree_q(org.path, "org_path")), user, PERM_MANAGE,
                  path_field="org_path").select_related("organization", "to_organization") \
        .order_by("-period_start", "org_path")


def access_handover(user: Any, handover_id: Any) -> Any:
    from dangjian.dues.models import DuesHandover

    return get_scoped_or_404(DuesHandover.objects.select_related("organization", "to_organization"), user,
                             PERM_MANAGE, path_field="org_path", pk=handover_id)


@dataclass
class HandoverTotals:
    count: int = 0
    handed_up_cents: int = 0
    confirmed_cents: int = 0

    @property
    def handed_up_yuan(self) -> str:
        return cents_to_yuan(self.handed_up_cents)

    @property
    def confirmed_yuan(self) -> str:
        return cents_to_yuan(self.confirmed_cents)


def handover_totals(org: Organization, month: dt.date) -> HandoverTotals:
    """Hand-overs of the organizations under ``org`` whose period covers ``month`` (not returned)."""
    from dangjian.core.scoping import subtree_q
    from dangjian.dues import HandoverStatus
    from dangjian.dues.models import DuesHandover

    rows = DuesHandover.objects.filter(subtree_q(org.path, "org_path"), period_start__lte=month,
                                       period_end__gte=month).exclude(status=HandoverStatus.RETURNED) \
        .values("status").annotate(n=Count("pk"), s=Sum("handed_up_cents"))
    out = HandoverTotals()
    for row in rows:
        out.count += row["n"]
        out.handed_up_cents += row["s"] or 0
        if row["status"] == HandoverStatus.CONFIRMED:
            out.confirmed_cents += row["s"] or 0
    return out


# --- hand-over list totals and floating guests ------------------------------------------

@dataclass
class HandoverListTotals(HandoverTotals):
    """Totals of a list of hand-overs (returned ones left out: the branch records them again)."""

    collected_cents: int = 0

    @property
    def collected_yuan(self) -> str:
        return cents_to_yuan(self.collected_cents)


def handover_list_totals(qs: QuerySet[Any]) -> HandoverListTotals:
    """One aggregate over the same rows as the list (``handovers_for``)."""
    from dangjian.dues import HandoverStatus

    agg = qs.exclude(status=HandoverStatus.RETURNED).aggregate(
        collected=Sum("collected_cents"), handed=Sum("handed_up_cents"),
        confirmed=Sum("handed_up_cents", filter=Q(status=HandoverStatus.CONFIRMED)))
    return HandoverListTotals(collected_cents=int(agg["collected"] or 0), handed_up_cents=int(agg["handed"] or 0),
                              confirmed_cents=int(agg["confirmed"] or 0))


@dataclass
class GuestBill:
    """A floating member hosted by a branch and their bill of the month (the home branch's bill)."""

    member: Member
    bill: Bill | None
    paid_here: bool = False

    @property
    def home_name(self) -> str:
        return self.member.organization.name

    def export_cells(self) -> list[str]:
        """Name, home branch, the month's bill state, amount, where it was paid: as on the page."""
        from django.utils.translation import gettext as _

        bill = self.bill
        if bill is None:
            return [self.member.person.name, self.home_name, _("No bill"), "—", "—"]
        where = "—"
        if bill.status == BillStatus.PAID:
            where = _("Paid here") if self.paid_here else _("Paid elsewhere (home branch)")
        return [self.member.person.name, self.home_name, str(bill.get_status_display()), bill.amount_yuan, where]


def hosted_guest_bills(org: Organization, month: dt.date, *, limit: int = 500) -> list[GuestBill]:
    """Members whose floating certificate in force names ``org`` as host, with their bill of
    ``month`` and whether it was paid to this branch. Two queries, whatever the number of guests.
    Not part of the host's ledger totals: the bill is the home branch's."""
    from dangjian.members.lifecycle.selectors import floating_guests_hosted_by

    guests = list(floating_guests_hosted_by(org).order_by("person__name_pinyin", "pk")[:limit])
    bills = {b.member_id: b for b in Bill.objects.filter(member_id__in=[g.pk for g in guests], month=month)
             .select_related("payment")}
    out = []
    for g in guests:
        bill = bills.get(g.pk)
        paid_here = bool(bill and bill.status == BillStatus.PAID and bill.payment is not None
                         and bill.payment.collected_org_id == org.pk)
        out.append(GuestBill(g, bill, paid_here))
    return out
