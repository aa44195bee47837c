"""The year-end tables to-do (``stats.tables``), during the submission season (1 January to 31
March, or to the deadline when it is later), read from the submissions as they are now:

- an organization in the user's ``stats.submit`` scope that has a level above and has not
  submitted last year's tables: "Submit the year-end tables of 2025" (a branch, a town);
- an organization with organizations below it, some of which have not submitted: "3 of 12
  organizations below have not submitted" (a committee).

Due on the deadline, ``STATS_TABLES_DEADLINE`` in the settings ("MM-DD", default "01-31"); urgent
after it. ``today`` is a parameter so that tests never depend on the calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangjian.core.scoping import subtree_q
from dangjian.core.todos import Todo
from dangjian.core.ui import safe_reverse
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import scope_roots
from dangjian.stats import SubmissionStatus
from dangjian.stats.actions import PERM_SUBMIT
from dangjian.stats.models import TableSubmission

DEFAULT_DEADLINE = "01-31"
#: At most this many organizations of a user's scope get an item each.
MAX_ROOTS = 50


def deadline(year: int) -> dt.date:
    """The day the tables of ``year - 1`` are due in ``year`` (settings ``STATS_TABLES_DEADLINE``)."""
    raw = str(getattr(settings, "STATS_TABLES_DEADLINE", DEFAULT_DEADLINE))
    month, day = (int(part) for part in raw.split("-"))
    return dt.date(year, month, day)


def season(today: dt.date) -> tuple[int, dt.date] | None:
    """(the year whose tables are due, the deadline) while the season lasts; None after it."""
    due = deadline(today.year)
    if today > max(dt.date(today.year, 3, 31), due):
        return None
    return today.year - 1, due


def items(user: Any, limit: int, *, today: dt.date | None = None) -> list[Todo]:
    today = today or timezone.localdate()
    current = season(today)
    if current is None or limit <= 0:
        return []
    year, due = current
    roots = scope_roots(user, PERM_SUBMIT)[:MAX_ROOTS]
    if not roots:
        return []
    done = set(TableSubmission.objects.filter(year=year, status=SubmissionStatus.SUBMITTED)
               .filter(Q(organization__in=roots) | Q(to_organization__in=roots))
               .values_list("organization_id", flat=True))
    below: dict[str, list[int]] = {}
    kids_q = Q(pk__in=[])
    for root in roots:
        kids_q |= subtree_q(root.path) & Q(depth=root.depth + 1)
    for pk, path in Organization.objects.filter(kids_q).values_list("pk", "path"):
        below.setdefault(path[:-Organization.steplen], []).append(pk)
    tables_url = safe_reverse("stats:tables") or ""
    submissions_url = safe_reverse("stats:submissions") or ""
    out: list[Todo] = []
    for root in roots:
        if root.depth > 1 and root.pk not in done:
            out.append(Todo(title=_("Submit the year-end statistics tables of %(year)d") % {"year": year},
                            url=f"{tables_url}?org={root.pk}&date={year}-12-31", org=root.name, due=due,
                            urgent=today > due, ref=f"stats.submit:{root.pk}:{year}"))
        kids = below.get(root.path, [])
        missing = sum(1 for pk in kids if pk not in done)
        if missing:
            out.append(Todo(
                title=ngettext("%(n)d of %(m)d organizations below has not submitted the tables of %(year)d",
                               "%(n)d of %(m)d organizations below have not submitted the tables of %(year)d",
                               missing) % {"n": missing, "m": len(kids), "year": year},
                url=f"{submissions_url}?org={root.pk}&year={year}", org=root.name, due=due, urgent=today > due,
                ref=f"stats.children:{root.pk}:{year}"))
    return out[:limit]


def count(user: Any, *, today: dt.date | None = None) -> int:
    return len(items(user, MAX_ROOTS * 2, today=today))
