"""Statistics figures of the service centre (``core.hooks.register_figure``): applications
received this year (by state), the ones decided on time, the on-time rate, returns, 补正 rounds,
re-submissions, the working days a step takes, and the applicants' rating."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import Dimension
from dangjian.services import CLOSED, State, StepState
from dangjian.services.models import Application, Step

PERM = "services.approve"


def _year(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime(as_of.year, 1, 1, tzinfo=tz),
            dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def received(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    """Applications submitted from 1 January to the end of the day, from the subtree."""
    start, end = _year(as_of)
    return (Application.objects.filter(subtree_q(org_path, "org_path"), created_at__gte=start, created_at__lt=end)
            .exclude(state=State.DRAFT).select_related("matter", "organization").defer("data_text")
            .order_by("-created_at", "-pk"))


def decided(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    return received(org_path, as_of).filter(state__in=[s for s in CLOSED if s != State.WITHDRAWN])


def on_time(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    return decided(org_path, as_of).filter(decided_on_time=True)


def returned(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    return received(org_path, as_of).filter(returns__gt=0)


def supplemented(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    return received(org_path, as_of).filter(supplement_rounds__gt=0)


def resubmitted(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    return received(org_path, as_of).filter(resubmissions__gt=0)


def on_time_rate(org_path: str, as_of: dt.date) -> float:
    total = decided(org_path, as_of).count()
    return round(on_time(org_path, as_of).count() * 100 / total, 1) if total else 0.0


def step_days(org_path: str, as_of: dt.date) -> float:
    """Average working days of the steps signed off this year at organizations of the subtree
    (where the step sat: a county's figure includes its towns' and branches' steps)."""
    start, end = _year(as_of)
    avg = Step.objects.filter(subtree_q(org_path, "org_path"), state=StepState.DONE, closed_at__gte=start,
                              closed_at__lt=end, days_taken__isnull=False).aggregate(v=Avg("days_taken"))["v"]
    return round(float(avg), 1) if avg is not None else 0.0


def rated(org_path: str, as_of: dt.date) -> QuerySet[Application]:
    return received(org_path, as_of).filter(rating__isnull=False)


def rating(org_path: str, as_of: dt.date) -> float:
    avg = rated(org_path, as_of).aggregate(v=Avg("rating"))["v"]
    return round(float(avg), 1) if avg is not None else 0.0


def row(a: Application) -> dict[str, Any]:
    return {"number": a.number, "matter": a.matter.title, "organization": a.organization.name,
            "state": State(a.state).label, "submitted": a.submitted_on or "",
            "url": reverse("services:application", args=[a.public_id])}


COLUMNS = (("number", _("Number")), ("matter", _("Matter")), ("organization", _("Organization")),
           ("state", _("State")), ("submitted", _("Submitted on")))

FIGURES = (
    Figure(key="services.received", label=_("Service applications this year"), module="services",
           unit=_("applications"), perm=PERM, rows=received, row=row, columns=COLUMNS, order=10,
           dimensions={"state": Dimension(label=_("State"), field="state",
                                          choices=tuple((v, lbl) for v, lbl in State.choices if v != State.DRAFT))}),
    Figure(key="services.on_time", label=_("Service applications decided on time this year"), module="services",
           unit=_("applications"), perm=PERM, rows=on_time, row=row, columns=COLUMNS, order=20),
    Figure(key="services.returned", label=_("Service applications returned at least once this year"),
           module="services", unit=_("applications"), perm=PERM, rows=returned, row=row, columns=COLUMNS, order=40),
    Figure(key="services.supplemented", label=_("Service applications asked for more material this year"),
           module="services", unit=_("applications"), perm=PERM, rows=supplemented, row=row, columns=COLUMNS,
           order=50),
    Figure(key="services.resubmitted", label=_("Service applications submitted again this year"),
           module="services", unit=_("applications"), perm=PERM, rows=resubmitted, row=row, columns=COLUMNS,
           order=60),
    Figure(key="services.step_days", label=_("Working days per service step this year"), module="services",
           unit=_("working days"), perm=PERM, value=step_days, order=70,
           description=_("Average over the steps signed off this year at organizations of the subtree; days "
                         "paused for more material do not count.")),
    Figure(key="services.rated", label=_("Service applications rated by the applicant this year"),
           module="services", unit=_("applications"), perm=PERM, rows=rated, row=row, columns=COLUMNS, order=80),
    Figure(key="services.rating", label=_("Applicants' rating of service applications this year"),
           module="services", unit=_("stars (of 5)"), perm=PERM, value=rating, drill="services.rated", order=90),
    Figure(key="services.on_time_rate", label=_("On-time rate of service applications this year"),
           module="services", unit="%", perm=PERM, value=on_time_rate, drill="services.on_time", order=30),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
