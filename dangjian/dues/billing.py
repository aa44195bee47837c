"""How a bill's amount is found: the member's base in force that month, the one calculation
(``dues.calc.calculate``) and an approved reduction or exemption. Reads only; writes are actions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from dangjian.core.months import add_months, month_start, months_between  # noqa: F401 - the dues modules read them here
from dangjian.dues import BaseStatus, BillStatus, DuesCategory, ReliefKind, ReliefStatus
from dangjian.dues.calc import DuesResult, calculate
from dangjian.dues.models import Bill, DuesBase, DuesRelief
from dangjian.dues.rules import DuesRules, get_rules
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member

#: The dues category a member's registry category implies when no base says otherwise.
CATEGORY_FROM_MEMBER = {
    "in_service": DuesCategory.IN_SERVICE,
    "retired": DuesCategory.RETIRED,
    "farmer": DuesCategory.FARMER,
    "student": DuesCategory.STUDENT,
    "unemployed": DuesCategory.UNEMPLOYED,
}


# --- months -------------------------------------------------------------------------------------

def current_month() -> dt.date:
    return month_start(timezone.localdate())


def parse_month(text: Any) -> dt.date | None:
    """``"2026-11"`` → 2026-11-01; None for anything else."""
    raw = str(text or "").strip()
    try:
        year, month = raw.split("-")
        if len(year) != 4 or not 1 <= len(month) <= 2:
            return None
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


# --- amounts ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BillAmount:
    category: str
    base_cents: int | None
    amount_cents: int
    basis: str
    status: str
    relief: DuesRelief | None


def base_in_force(bases: Iterable[Any], month: dt.date) -> Any:
    """The approved base in force in ``month``: the latest one effective on or before it (a base of
    an earlier year carries on until the new year's base is set)."""
    best: Any = None
    for base in bases:
        if base.status != BaseStatus.APPROVED:
            continue
        if (base.year, base.effective_month) > (month.year, month.month):
            continue
        if best is None or (base.year, base.effective_month, base.pk) > (best.year, best.effective_month, best.pk):
            best = base
    return best


def relief_in_force(reliefs: Iterable[DuesRelief], month: dt.date) -> DuesRelief | None:
    for relief in reliefs:
        if relief.status == ReliefStatus.APPROVED and relief.from_month <= month <= relief.to_month:
            return relief
    return None


_FLAT_WITHOUT_BASE = frozenset({DuesCategory.FARMER, DuesCategory.STUDENT, DuesCategory.UNEMPLOYED})


def is_billable(member: Any, month: dt.date) -> bool:
    """Members who are not current get no bill; probationary members pay from the month of the
    branch-assembly vote (their join date)."""
    if member.status not in CURRENT_STATUSES:
        return False
    return not (member.join_date and month < month_start(member.join_date))


class CalculationMemo:
    """``calc.calculate`` remembered per (category, base, farmer amount) for one rules object:
    the function is pure, so a generation run calls it once per distinct base instead of once per
    member (every flat-rate member shares one result). Every amount is still ``calculate``'s."""

    def __init__(self, rules: DuesRules) -> None:
        self.rules = rules
        self._seen: dict[tuple[Any, ...], DuesResult] = {}

    def __call__(self, category: str, base_cents: int | None, farmer_amount_cents: int | None = None) -> DuesResult:
        key = (category, base_cents, farmer_amount_cents)
        result = self._seen.get(key)
        if result is None:
            result = self._seen[key] = calculate(category, base_cents, rules=self.rules,
                                                 farmer_amount_cents=farmer_amount_cents)
        return result


def bill_amount(member: Any, month: dt.date, bases: Iterable[Any], reliefs: Iterable[DuesRelief],
                rules: DuesRules | None = None, *, memo: CalculationMemo | None = None) -> BillAmount | None:
    """The bill for ``member`` in ``month`` or None when a base is needed and none is approved.
    ``memo`` (made for the same ``rules``): remembered results of the calculation."""
    rules = rules or get_rules()
    calc = memo or CalculationMemo(rules)
    base = base_in_force(bases, month)
    if base is not None:
        result = calc(base.category, base.base_cents, base.farmer_amount_cents)
    else:
        category = CATEGORY_FROM_MEMBER.get(member.category)
        if category is None or category not in _FLAT_WITHOUT_BASE:
            return None
        result = calc(category, None)
    amount, basis, status = result.amount_cents, result.basis, BillStatus.DUE
    relief = relief_in_force(reliefs, month)
    if relief is not None:
        if relief.kind == ReliefKind.EXEMPTION:
            amount, basis, status = 0, "relief:exemption", BillStatus.EXEMPT
        else:
            amount, basis = min(amount, relief.monthly_cents or 0), "relief:reduction"
    return BillAmount(result.category, result.base_cents, amount, basis, status, relief)


def _members_q(member_ids: list[int]) -> Q:
    """``member_id IN (…)``, or for a long list a range of ids (the caller keeps only its members):
    Django prepares every element of an IN list, ≈10 ms per 2,000 ids."""
    if len(member_ids) > 200:
        return Q(member_id__gte=min(member_ids), member_id__lte=max(member_ids))
    return Q(member_id__in=member_ids)


_BASE_FIELDS = ("id", "member_id", "status", "year", "effective_month", "category", "base_cents",
                "farmer_amount_cents")


def bases_by_member(member_ids: list[int], year: int) -> dict[int, list[Any]]:
    """Approved bases up to ``year`` per member, as plain rows with the attributes the calculation
    reads (``pk``, ``status``, ``year``, ``effective_month``, ``category``, ``base_cents``,
    ``farmer_amount_cents``): building model instances was a quarter of bill generation."""
    wanted = set(member_ids)
    out: dict[int, list[Any]] = defaultdict(list)
    for row in DuesBase.objects.filter(_members_q(member_ids), status=BaseStatus.APPROVED,
                                       year__lte=year).values(*_BASE_FIELDS):
        if row["member_id"] in wanted:
            out[row["member_id"]].append(SimpleNamespace(pk=row["id"], **row))
    return out


def reliefs_by_member(member_ids: list[int], month: dt.date) -> dict[int, list[DuesRelief]]:
    wanted = set(member_ids)
    out: dict[int, list[DuesRelief]] = defaultdict(list)
    for relief in DuesRelief.objects.filter(_members_q(member_ids), status=ReliefStatus.APPROVED,
                                            from_month__lte=month, to_month__gte=month):
        if relief.member_id in wanted:
            out[relief.member_id].append(relief)
    return out


# --- a month's bills, chunk by chunk (read here, written by ``actions.do_generate_bills``) --------------

#: the columns of a bill row as ``month_bill_rows`` yields them (the insert's column list)
BILL_COLUMNS = ("member_id", "organization_id", "org_path", "month", "category", "base_cents", "amount_cents",
                "basis", "relief_id", "status", "created_at")


@dataclass
class BillChunk:
    """One chunk of current members: the bills to insert (tuples in ``BILL_COLUMNS`` order, values
    adapted for the database) and what was left out."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    existing: int = 0
    missing_base: int = 0
    not_billable: int = 0


def month_bill_rows(month: dt.date, *, org_path: str = "", chunk: int = 2000,
                    rules: DuesRules | None = None) -> Iterator[BillChunk]:
    """The bills ``month`` still lacks, for every current member (under ``org_path`` if given), in
    chunks of ``chunk`` members in id order; every amount from ``bill_amount`` (the one calculation).

    Each chunk is one query for the members, each with the id of the month's bill if it exists: a
    correlated ``(SELECT id … WHERE member_id = m.id AND month = … LIMIT 1)``, which both databases
    answer from the (member, month) unique index, one probe per member. The former per-chunk
    ``member_id`` range with ``month = …`` let SQLite (no statistics) and PostgreSQL (statistics
    taken before the month had bills; an ``EXISTS`` was hashed the same way) read *all* the month's
    bills through a month-first index for every chunk: quadratic, 116 s instead of 46 s for
    1,000,000 members on SQLite, and 200 s for the idempotent re-run. Then the bases and reliefs of
    the members still without a bill."""
    rules = rules or get_rules()
    memo = CalculationMemo(rules)
    ops = connection.ops
    db_month, db_now = ops.adapt_datefield_value(month), ops.adapt_datetimefield_value(timezone.now())
    members = Member.objects.filter(status__in=list(CURRENT_STATUSES)).annotate(
        bill_id=Subquery(Bill.objects.filter(member_id=OuterRef("pk"), month=month).values("pk")[:1]))
    if org_path:
        members = members.filter(org_path__startswith=org_path)
    last_pk = 0
    while True:
        # Plain rows, not (deferred) model instances: building 1,000,000 of those is most of the time.
        batch = [SimpleNamespace(**row) for row in members.filter(pk__gt=last_pk).order_by("pk").values(
            "pk", "status", "category", "join_date", "organization_id", "org_path", "bill_id")[:chunk]]
        if not batch:
            return
        last_pk = batch[-1].pk
        out = BillChunk()
        todo = [m for m in batch if m.bill_id is None]
        out.existing = len(batch) - len(todo)
        ids = [m.pk for m in todo]
        bases = bases_by_member(ids, month.year) if ids else {}
        reliefs = reliefs_by_member(ids, month) if ids else {}
        for member in todo:
            if not is_billable(member, month):
                out.not_billable += 1
                continue
            amount = bill_amount(member, month, bases.get(member.pk, []), reliefs.get(member.pk, []), rules,
                                 memo=memo)
            if amount is None:
                out.missing_base += 1
                continue
            out.rows.append((member.pk, member.organization_id, member.org_path, db_month, amount.category,
                             amount.base_cents, amount.amount_cents, amount.basis,
                             amount.relief.pk if amount.relief else None, amount.status, db_now))
        yield out
