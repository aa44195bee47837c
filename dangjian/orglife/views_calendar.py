"""Month-grid calendar of activities: a branch's (or any organization's subtree, for staff) and
a member's own. Server-rendered; on a narrow screen the grid collapses to a list by CSS alone.
Two queries for the activities whatever their number (capped at ``MAX_PER_MONTH``)."""

from __future__ import annotations

import calendar as cal
import datetime as dt
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from dangjian.core.months import add_months
from dangjian.core.scoping import has_any, subtree_q
from dangjian.core.ui import own_member
from dangjian.orglife.models import Activity, Attendee
from dangjian.orglife.periods import tz
from dangjian.orglife.selectors import activities_for
from dangjian.orgs.selectors import access_org

MAX_PER_MONTH = 400
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _month(request: HttpRequest) -> tuple[int, int]:
    m = _MONTH.match(request.GET.get("month", ""))
    if m and 2000 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    today = timezone.localdate()
    return today.year, today.month


def _shift(year: int, month: int, delta: int) -> str:
    return f"{add_months(dt.date(year, month, 1), delta):%Y-%m}"


@login_required
def month_view(request: HttpRequest) -> HttpResponse:
    year, month = _month(request)
    start = dt.datetime(year, month, 1, tzinfo=tz())
    following = add_months(dt.date(year, month, 1), 1)
    end = dt.datetime(following.year, following.month, 1, tzinfo=tz())
    mine = request.GET.get("mine") == "1" or not has_any(request.user, "orglife.view")
    if mine and own_member(request.user) is None and not has_any(request.user, "orglife.view"):
        return redirect("core:home")  # no activities of one's own without being a party member
    org = None
    if mine:
        qs = Activity.objects.select_related("organization").filter(
            pk__in=Attendee.objects.filter(member__person__user=request.user.pk).values("activity_id"))
    else:
        qs = activities_for(request.user)
        raw = request.GET.get("org", "")
        if raw.isdigit():
            org = access_org(request.user, raw, perm="orglife.view")
            qs = qs.filter(subtree_q(org.path, "org_path"))
    rows = list(qs.filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at", "pk")[:MAX_PER_MONTH + 1])
    truncated = len(rows) > MAX_PER_MONTH
    by_day: dict[dt.date, list[Any]] = {}
    for a in rows[:MAX_PER_MONTH]:
        a.local_start = timezone.localtime(a.starts_at, tz())  # type: ignore[attr-defined]
        by_day.setdefault(a.local_start.date(), []).append(a)  # type: ignore[attr-defined]
    today = timezone.localdate()
    weeks = [[{"date": d, "in_month": d.month == month, "today": d == today, "items": by_day.get(d, [])}
              for d in week] for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month)]
    days = [{"date": d, "today": d == today, "items": items} for d, items in sorted(by_day.items())]
    keep = "mine=1&" if mine and has_any(request.user, "orglife.view") else (f"org={org.pk}&" if org else "")
    return render(request, "orglife/calendar.html", {
        "year": year, "month": month, "first": start.date(), "weeks": weeks, "days": days, "org": org, "mine": mine,
        "truncated": truncated, "max_per_month": MAX_PER_MONTH, "keep": keep,
        "prev": _shift(year, month, -1), "next": _shift(year, month, 1),
        "this_month": f"{today.year:04d}-{today.month:02d}", "staff": has_any(request.user, "orglife.view"),
    })
