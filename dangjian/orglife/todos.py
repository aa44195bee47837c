"""The organizational-life to-dos and workbench figures (issue 14).

Two to-do sources, read from the activities as they are now:

- ``orglife.due`` — meetings the rules (DOMAIN.md §6, ``conf.frequencies``) require this period
  that the branch has not held yet: one item per branch and kind, due on the period's last day;
  it goes when an activity of the kind in the period is closed with its record.
- ``orglife.records`` — activities whose time is over but that are still planned or under way:
  the record (attendance, minutes) is not completed. Due a few working days after the activity;
  it goes when the activity is closed (or cancelled).

Both are scoped with ``orglife.manage`` (the people who plan and record activities). Each count
is one query; each list one or two, whatever the number of branches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any, scoped
from dangjian.core.todos import Todo
from dangjian.core.ui import safe_reverse
from dangjian.core.workdays import add_workdays
from dangjian.orglife import ActivityKind, ActivityStatus
from dangjian.orglife.compliance import Window, kind_windows, with_missing_meetings
from dangjian.orglife.models import Activity
from dangjian.orglife.periods import tz
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

PERM = "orglife.manage"
#: Working days after an activity by which its record should be completed.
RECORD_WORKDAYS = 3


def _branches(user: Any) -> QuerySet[Organization]:
    return scoped(Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True), user, PERM)


def _due_branches(user: Any, today: dt.date) -> tuple[QuerySet[Organization], dict[str, tuple[Window, int]]]:
    windows = kind_windows(today)
    return with_missing_meetings(_branches(user), windows).filter(behind=True), windows


def due_meeting_count(user: Any) -> int:
    """Meetings (branch × kind) due this period and not held yet, in one query."""
    qs, windows = _due_branches(user, timezone.localdate())
    if not windows:
        return 0
    totals = qs.aggregate(**{kind: Count("pk", filter=Q(**{f"miss_{kind}": True})) for kind in windows})
    return sum(int(n or 0) for n in totals.values())


def due_meetings(user: Any, limit: int) -> list[Todo]:
    """The branches' missing meetings, the earliest period end first (one query)."""
    today = timezone.localdate()
    qs, windows = _due_branches(user, today)
    if not windows or limit <= 0:
        return []
    # Branches missing a kind of the shortest period first, so the earliest due items are listed.
    by_end = sorted(windows, key=lambda k: windows[k][0].end)
    rows = qs.order_by(*[f"-miss_{k}" for k in by_end[:1]], "path").values(
        "pk", "name", *[f"miss_{k}" for k in windows])[:limit]
    plan = safe_reverse("orglife:plan") or ""
    items = []
    for row in rows:
        for kind in by_end:
            if not row[f"miss_{kind}"]:
                continue
            window = windows[kind][0]
            due = window.last_day
            items.append(Todo(
                title=_("%(kind)s due by %(date)s") % {"kind": ActivityKind(kind).label, "date": f"{due:%Y-%m-%d}"},
                url=f"{plan}?org={row['pk']}&kind={kind}", org=row["name"], due=due,
                urgent=(due - today).days <= 7,
                ref=f"orglife.due:{row['pk']}:{kind}:{window.start:%Y-%m-%d}"))
    items.sort(key=lambda t: (t.due, t.org))
    return items[:limit]


def _open_records(user: Any) -> QuerySet[Activity]:
    return scoped(Activity.objects.all(), user, PERM, path_field="org_path").filter(
        status__in=[ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS], ends_at__lt=timezone.now())


def open_record_count(user: Any) -> int:
    return _open_records(user).count()


def open_records(user: Any, limit: int) -> list[Todo]:
    """Activities over but not closed with their record, the oldest first (one query)."""
    rows = _open_records(user).select_related("organization").order_by("ends_at", "pk")[:max(limit, 0)]
    today = timezone.localdate()
    items = []
    for a in rows:
        due = add_workdays(a.ends_at.astimezone(tz()).date(), RECORD_WORKDAYS)
        items.append(Todo(
            title=_("Record “%(topic)s” (attendance and minutes)") % {"topic": a.topic},
            url=safe_reverse("orglife:detail", a.pk) or "", org=a.organization.name, due=due,
            urgent=due <= today, ref=f"orglife.record:{a.pk}"))
    return items


def workbench_cards(request: HttpRequest) -> Iterable[dict[str, Any]]:
    """Organizational-life compliance: the share of the user's branches that held every meeting
    the rules required in the last period ended (last month, last quarter, last year). Two queries."""
    user = request.user
    if not has_any(user, "orglife.view"):
        return []
    branches = scoped(Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True), user, "orglife.view")
    windows = kind_windows(timezone.localdate(), previous=True)
    total = branches.count()
    if not total:
        return []
    on_schedule = total - with_missing_meetings(branches, windows).filter(behind=True).count()
    return [{
        "label": _("Branches on schedule with organizational life"),
        "value": f"{round(100 * on_schedule / total)} % ({on_schedule}/{total})",
        "url": safe_reverse("orglife:compliance"),
        "link": _("Open the compliance list"),
        "order": 40,
    }]


def runs_a_branch(user: Any) -> bool:
    """The committee page opens on the user's first organization, which must be a branch. Read
    from the user's role assignments (loaded once per request with their organizations): no query
    on every page for the menu."""
    from dangjian.core.scoping import ALL, roles_of, scope_paths

    paths = scope_paths(user, "orglife.view")
    if paths is ALL or not paths:
        return False
    first = paths[0]  # type: ignore[index]
    return any(a.organization is not None and a.organization.path == first and a.organization.is_branch
               for a in roles_of(user))
