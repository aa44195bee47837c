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
