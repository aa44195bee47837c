"""Compliance with the meeting frequencies (DOMAIN.md §6): per branch, per kind, per period,
what the rules require vs. what was held (closed activities). Periods are months, quarters and
years in Asia/Shanghai. Every count is one grouped SQL query over a page of branches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orglife import ActivityKind, ActivityStatus
from dangjian.orglife.conf import conf, frequencies
from dangjian.orglife.models import Activity
from dangjian.orglife.periods import tz, year_bounds
from dangjian.orglife.talks import SecretaryLecture, TalkCompliance, talks_and_lectures
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization, PartyGroup


def quarter_of(month: int) -> int:
    return (month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First day and last day of the quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    nxt = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def period_index(period: str, month: int) -> int:
    if period == "month":
        return month
    if period == "quarter":
        return quarter_of(month)
    return 1


def periods_in_year(period: str) -> int:
    return {"month": 12, "quarter": 4, "year": 1}[period]


def periods_elapsed(period: str, year: int, today: dt.date) -> int:
    """Periods of ``year`` that have ended by ``today`` (all of them for a past year)."""
    if year < today.year:
        return periods_in_year(period)
    if year > today.year:
        return 0
    if period == "month":
        return today.month - 1
    if period == "quarter":
        return quarter_of(today.month) - 1
    return 0


@dataclass
class KindCompliance:
    kind: str
    period: str
    per_period: int
    required: int          # activities required over the whole year
    held: int = 0          # closed activities of the kind in the year
    periods_met: int = 0   # periods with at least ``per_period`` held
    periods_due: int = 0   # periods that have ended
    applies: bool = True   # False: not required of this branch (no groups / no committee)
    missing_periods: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(ActivityKind(self.kind).label)

    @property
    def behind(self) -> bool:
        return self.applies and bool(self.missing_periods)


@dataclass
class BranchCompliance:
    branch: Organization
    kinds: list[KindCompliance]
    last_activity: dt.datetime | None
    inactive: bool
    talks: TalkCompliance = field(default_factory=TalkCompliance)
    secretary_lectures: list[SecretaryLecture] = field(default_factory=list)
    year_over: bool = False  # the year has ended: a missing talk or lecture can no longer be made up

    @property
    def behind(self) -> bool:
        return any(k.behind for k in self.kinds)

    @property
    def talks_behind(self) -> bool:
        return self.year_over and bool(self.talks.missing)

    @property
    def lectures_behind(self) -> bool:
        return self.year_over and any(not s.done for s in self.secretary_lectures)


def branches_under(org: Organization) -> QuerySet[Organization]:
    from dangjian.core.scoping import subtree_q

    return Organization.objects.filter(subtree_q(org.path), kind__in=BRANCH_KINDS, is_active=True).order_by("path")


def compliance_for(branches: list[Organization], year: int, *, today: dt.date | None = None,
                   talk_dates: bool = False) -> list[BranchCompliance]:
    """Compliance of ``branches`` (a page of them) in ``year``: at most nine queries whatever their
    number (four for the meeting frequencies, up to five for talks and secretaries' lectures).
    ``talk_dates``: also the day each heart-to-heart talk pair talked (the API, the committee page)."""
    today = today or timezone.localdate()
    freqs = frequencies()
    ids = [b.pk for b in branches]
    start, end = year_bounds(year)
    held: dict[tuple[int, str, int], int] = {}
    totals: dict[tuple[int, str], int] = {}
    if ids:
        # One count per month as plain range comparisons (COUNT … FILTER / CASE WHEN): no
        # per-row date function (TruncMonth is a Python callback per row on SQLite: this function
        # took 1.5 s for 2,000 branches' year of activities, 0.35 s this way; bench/module_orglife.py).
        months = [dt.datetime(year, m, 1, tzinfo=tz()) for m in range(1, 13)] + [end]
        per_month = {f"m{m}": Count("pk", filter=Q(starts_at__gte=months[m - 1], starts_at__lt=months[m]))
                     for m in range(1, 13)}
        rows = (Activity.objects.filter(organization_id__in=ids, status=ActivityStatus.CLOSED, kind__in=list(freqs),
                                        starts_at__gte=start, starts_at__lt=end)
                .values("organization_id", "kind").annotate(**per_month)
                .values_list("organization_id", "kind", *per_month).order_by())
        for org_id, kind, *counts in rows:
            period, _n = freqs[kind]
            for month_no, n in enumerate(counts, start=1):
                if not n:
                    continue
                key = (org_id, kind, period_index(period, month_no))
                held[key] = held.get(key, 0) + n
                totals[(org_id, kind)] = totals.get((org_id, kind), 0) + n
    with_groups = set(PartyGroup.objects.filter(branch_id__in=ids).values_list("branch_id", flat=True).distinct()) if ids else set()
    sizes = dict(Member.objects.filter(organization_id__in=ids, status__in=CURRENT_STATUSES)
                 .values("organization_id").annotate(n=Count("pk")).values_list("organization_id", "n").order_by()) if ids else {}
    last = last_activity_dates(ids)
    threshold = timezone.now() - dt.timedelta(days=int(conf("INACTIVE_DAYS")))
    committee_min = int(conf("COMMITTEE_MIN_MEMBERS"))
    talks, lectures = talks_and_lectures(ids, year, dates=talk_dates)
    result = []
    for b in branches:
        kinds = []
        for kind, (period, per) in freqs.items():
            n_periods = periods_in_year(period)
            applies = True
            if kind == ActivityKind.GROUP_MEETING and b.pk not in with_groups:
                applies = False
            if kind == ActivityKind.COMMITTEE_MEETING and sizes.get(b.pk, 0) < committee_min:
                applies = False
            due = periods_elapsed(period, year, today)
            met = [p for p in range(1, n_periods + 1) if held.get((b.pk, kind, p), 0) >= per]
            kc = KindCompliance(
                kind=kind, period=period, per_period=per, required=n_periods * per if applies else 0,
                held=totals.get((b.pk, kind), 0), periods_met=len(met), periods_due=due if applies else 0,
                applies=applies,
                missing_periods=[p for p in range(1, due + 1) if p not in met] if applies else [],
            )
            kinds.append(kc)
        last_at = last.get(b.pk)
        result.append(BranchCompliance(branch=b, kinds=kinds, last_activity=last_at,
                                       inactive=last_at is None or last_at < threshold,
                                       talks=talks.get(b.pk, TalkCompliance()),
                                       secretary_lectures=lectures.get(b.pk, []), year_over=year < today.year))
    return result


def last_activity_dates(branch_ids: list[int]) -> dict[int, dt.datetime]:
    """The start of each branch's latest activity held or under way (not planned, not cancelled)."""
    if not branch_ids:
        return {}
    now = timezone.now()
    return dict(Activity.objects.filter(organization_id__in=branch_ids, starts_at__lte=now,
                                        status__in=[ActivityStatus.CLOSED, ActivityStatus.IN_PROGRESS])
                .values("organization_id").annotate(last=Max("starts_at"))
                .values_list("organization_id", "last").order_by())


def inactive_branches(org: Organization) -> QuerySet[Organization]:
    """Branches under ``org`` with no activity held for ``INACTIVE_DAYS`` days (one query)."""
    threshold = timezone.now() - dt.timedelta(days=int(conf("INACTIVE_DAYS")))
    recent = Activity.objects.filter(organization=OuterRef("pk"), starts_at__gte=threshold, starts_at__lte=timezone.now(),
                                     status__in=[ActivityStatus.CLOSED, ActivityStatus.IN_PROGRESS])
    return branches_under(org).filter(~Exists(recent))


def branches_without_assembly(year: int, quarter: int, branch_ids: Any = None) -> QuerySet[Organization]:
    """Active branches with no assembly closed or planned in the quarter (one query)."""
    first, last = quarter_bounds(year, quarter)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz())
    assembly = Activity.objects.filter(
        organization=OuterRef("pk"), kind=ActivityKind.BRANCH_ASSEMBLY, starts_at__gte=start, starts_at__lt=end,
    ).filter(Q(status=ActivityStatus.CLOSED) | Q(status=ActivityStatus.IN_PROGRESS) | Q(status=ActivityStatus.PLANNED))
    qs = Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True).filter(~Exists(assembly))
    if branch_ids is not None:
        qs = qs.filter(pk__in=branch_ids)
    return qs


# --- this period's meetings (the workbench's to-dos and figures) ---------------------------------

@dataclass(frozen=True)
class Window:
    """One period of a kind's rule: local midnights ``[start, end)`` and its last day."""

    period: str
    index: int
    start: dt.datetime
    end: dt.datetime

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()


def period_window(period: str, today: dt.date, *, previous: bool = False) -> Window:
    """The month, quarter or year containing ``today`` (``previous``: the one before it)."""
    year = today.year
    if period == "month":
        first = dt.date(year, today.month, 1)
        if previous:
            first = (first - dt.timedelta(days=1)).replace(day=1)
        nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        index = first.month
    elif period == "quarter":
        q = quarter_of(today.month)
        if previous:
            year, q = (year - 1, 4) if q == 1 else (year, q - 1)
        first, last = quarter_bounds(year, q)
        nxt, index = last + dt.timedelta(days=1), q
    else:
        if previous:
            year -= 1
        first, nxt, index = dt.date(year, 1, 1), dt.date(year + 1, 1, 1), 1
    return Window(period, index, dt.datetime.combine(first, dt.time.min, tzinfo=tz()),
                  dt.datetime.combine(nxt, dt.time.min, tzinfo=tz()))


def kind_windows(today: dt.date, *, previous: bool = False) -> dict[str, tuple[Window, int]]:
    """Each rule's kind with its period window (this one, or the last one ended) and how many
    activities the period requires."""
    return {kind: (period_window(period, today, previous=previous), per)
            for kind, (period, per) in frequencies().items()}


def _applies(kind: str) -> Q | None:
    """The condition for ``kind`` to be required of a branch (None: required of every branch)."""
    if kind == ActivityKind.GROUP_MEETING:
        return Q(Exists(PartyGroup.objects.filter(branch=OuterRef("pk"))))
    if kind == ActivityKind.COMMITTEE_MEETING:
        return Q(committee_size__gte=int(conf("COMMITTEE_MIN_MEMBERS")))
    return None


def _too_few(kind: str, window: Window, per: int, suffix: str = "") -> tuple[Q, dict[str, Any]]:
    """Fewer than ``per`` activities of ``kind`` held (closed) in ``window``, and the annotations the
    condition needs (named with ``suffix`` when several windows are asked)."""
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce

    held_qs = Activity.objects.filter(organization=OuterRef("pk"), status=ActivityStatus.CLOSED, kind=kind,
                                      starts_at__gte=window.start, starts_at__lt=window.end)
    extra: dict[str, Any] = {}
    if per <= 1:
        return Q(~Exists(held_qs)), extra
    extra[f"held_{kind}{suffix}"] = Coalesce(Subquery(held_qs.order_by().values("organization")
                                                      .annotate(n=Count("pk")).values("n")[:1]), 0)
    return Q(**{f"held_{kind}{suffix}__lt": per}), extra


def _missing(kind: str, window: Window, per: int) -> tuple[Q, dict[str, Any]]:
    """A condition on a branch: ``kind`` applies to it and fewer than ``per`` activities of the
    kind were held (closed) in ``window`` — the same rules as :func:`compliance_for` — and the
    annotations the condition needs."""
    missing, extra = _too_few(kind, window, per)
    applies = _applies(kind)
    return (missing & applies if applies is not None else missing), extra


def _with_committee_size(branches: QuerySet[Organization]) -> QuerySet[Organization]:
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce

    sizes = (Member.objects.filter(organization=OuterRef("pk"), status__in=list(CURRENT_STATUSES))
             .order_by().values("organization").annotate(n=Count("pk")).values("n")[:1])
    return branches.annotate(committee_size=Coalesce(Subquery(sizes), 0))


def with_missing_meetings(branches: QuerySet[Organization], windows: dict[str, tuple[Window, int]]) -> QuerySet[Organization]:
    """``branches`` annotated ``miss_<kind>`` (True when that kind's meetings of its window are
    not all held), ``behind`` when any is missing. One query whatever the number of branches
    (correlated EXISTS on the activities' (organization, status, kind, starts_at) index)."""
    from django.db.models import BooleanField, ExpressionWrapper, Value

    qs = _with_committee_size(branches)
    any_missing: Q | None = None
    for kind, (window, per) in windows.items():
        condition, extra = _missing(kind, window, per)
        if extra:
            qs = qs.annotate(**extra)
        qs = qs.annotate(**{f"miss_{kind}": ExpressionWrapper(condition, output_field=BooleanField())})
        flag = Q(**{f"miss_{kind}": True})
        any_missing = flag if any_missing is None else any_missing | flag
    if any_missing is None:  # no rule configured
        return qs.annotate(behind=Value(False, output_field=BooleanField()))
    return qs.annotate(behind=ExpressionWrapper(any_missing, output_field=BooleanField()))


# --- the year so far (the statistics figures) ------------------------------------------------------

def year_windows(as_of: dt.date) -> dict[str, tuple[list[Window], int]]:
    """Each rule's kind with the periods of ``as_of``'s year that had ended by the end of that day
    (a period ending on ``as_of`` included), and how many activities each period requires."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz())
    firsts = {"month": [dt.date(as_of.year, m, 1) for m in range(1, 13)],
              "quarter": [dt.date(as_of.year, m, 1) for m in (1, 4, 7, 10)],
              "year": [dt.date(as_of.year, 1, 1)]}
    out: dict[str, tuple[list[Window], int]] = {}
    for kind, (period, per) in frequencies().items():
        windows = [period_window(period, first) for first in firsts[period]]
        out[kind] = ([w for w in windows if w.end <= end], per)
    return out


def with_missed_periods(branches: QuerySet[Organization], as_of: dt.date) -> QuerySet[Organization]:
    """``branches`` annotated ``miss_<kind>``: True when some period of the kind in ``as_of``'s
    year, ended by the end of that day, had fewer activities held (closed) than the rule requires —
    the rules of :func:`compliance_for` (committee meetings only for branches of
    ``COMMITTEE_MIN_MEMBERS``, group meetings only with party groups), read over every period of
    the year so far. One query (a correlated EXISTS per kind and period)."""
    from django.db.models import BooleanField, ExpressionWrapper, Value

    qs = _with_committee_size(branches)
    for kind, (windows, per) in year_windows(as_of).items():
        condition: Q | None = None
        for window in windows:
            missing, extra = _too_few(kind, window, per, suffix=f"_{window.index}")
            if extra:
                qs = qs.annotate(**extra)
            condition = missing if condition is None else condition | missing
        applies = _applies(kind)
        if condition is not None and applies is not None:
            condition = applies & condition  # asked once per kind, not once per period
        flag = (ExpressionWrapper(condition, output_field=BooleanField()) if condition is not None
                else Value(False, output_field=BooleanField()))
        qs = qs.annotate(**{f"miss_{kind}": flag})
    return qs


def behind_q() -> Q:
    """Branches of :func:`with_missed_periods` that missed any kind's meetings."""
    q = Q(pk__in=[])
    for kind in frequencies():
        q |= Q(**{f"miss_{kind}": True})
    return q
