"""Statistics figures of democratic evaluations (issue 15's registry, ``core.hooks``): evaluations
held (tallied) in the year so far, and the ballots cast in them. Counts only: no result ever
leaves the results page, where the group minimum applies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.ballots.choices import State
from dangjian.ballots.models import Evaluation
from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q

PERM = "ballots.view"


def _day_end(as_of: dt.date) -> dt.datetime:
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


def held(org_path: str, as_of: dt.date) -> QuerySet[Evaluation]:
    """Evaluations tallied that closed from 1 January to the end of the day."""
    start = dt.datetime(as_of.year, 1, 1, tzinfo=timezone.get_current_timezone())
    return (Evaluation.objects.filter(subtree_q(org_path, "org_path"), state=State.TALLIED,
                                      closed_at__gte=start, closed_at__lt=_day_end(as_of))
            .select_related("organization").order_by("-closed_at", "-pk"))


def ballots_cast(org_path: str, as_of: dt.date) -> int:
    return held(org_path, as_of).aggregate(n=Sum("ballot_count"))["n"] or 0


def held_row(e: Evaluation) -> dict[str, Any]:
    return {"title": e.title, "organization": e.organization.name, "ballots": e.ballot_count,
            "closed": timezone.localdate(e.closed_at) if e.closed_at else "",
            "url": reverse("ballots:detail", args=[e.uuid])}


FIGURES = (
    Figure(key="ballots.held", label=_("Democratic evaluations held this year"), module="ballots",
           unit=_("evaluations"), perm=PERM, rows=held, row=held_row, order=10,
           columns=(("title", _("Title")), ("organization", _("Organization")), ("ballots", _("Ballots")),
                    ("closed", _("Closed on")))),
    Figure(key="ballots.ballots", label=_("Ballots cast in democratic evaluations this year"), module="ballots",
           unit=_("ballots"), perm=PERM, value=ballots_cast, drill="ballots.held", order=20),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
