"""Statistics figures of the service centre (``core.hooks.register_figure``): applications
received this year (by state), the ones decided on time, the on-time rate, returns, 补正 rounds,
re-submissions, the working days a step takes, and the applicants' rating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, overload

from django.db.models import Avg, Count, F, QuerySet, Sum
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import CHILD, PATH_STEP, Dimension, breakdown, get_figure, rate
from dangjian.services import CLOSED, State, StepState
from dangjian.services.models import Application, Matter, Step

PERM = "services.approve"
MAX_MATTERS = 300


class MatterChoices(Sequence[tuple[str, str]]):
    """The values of the ``matter`` dimension: every matter (id, title), read from the database
    whenever the registry asks — administrators define matters, so the list is not fixed at
    start-up. One query per use, at most ``MAX_MATTERS`` matters."""

    def _rows(self) -> list[tuple[str, str]]:
        return [(str(pk), title) for pk, title in
                Matter.objects.order_by("title", "pk").values_list("pk", "title")[:MAX_MATTERS]]

    @overload
    def __getitem__(self, i: int) -> tuple[str, str]: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[str, str]]: ...
    def __getitem__(self, i: Any) -> Any:
        return self._rows()[i]

    def __len__(self) -> int:
        return len(self._rows())

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._rows())


MATTER = Dimension(label=_("Matter"), field="matter_id", choices=MatterChoices())


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


def _step_days_by(org_path: str, as_of: dt.date, group: Any) -> dict[str, float]:
    start, end = _year(as_of)
    rows = (Step.objects.filter(subtree_q(org_path, "org_path"), state=StepState.DONE, closed_at__gte=start,
                                closed_at__lt=end, days_taken__isnull=False)
            .order_by().annotate(_k=group).values("_k").annotate(v=Avg("days_taken")))
    return {str(r["_k"]): round(float(r["v"]), 1) for r in rows}


def measures(org_path: str, as_of: dt.date, by: str) -> list[dict[str, Any]]:
    """The measures of the year side by side, one row per matter (``by="matter"``) or per child
    organization of ``org_path`` (``by="child"``): received, decided, decided on time and the
    on-time rate, applications returned / asked for material / submitted again and their rounds,
    working days per step, rated and the average stars. The counts are the registered figures
    split by that dimension (``core.stats.breakdown``), so they add up to the figures; a fixed
    number of queries whatever the data."""
    dim = "matter" if by == "matter" else CHILD
    counts = {key: breakdown(get_figure(f"services.{key}"), org_path, as_of, dim)  # type: ignore[arg-type]
              for key in ("received", "decided", "on_time", "returned", "supplemented", "resubmitted", "rated")}
    group: Any = F("matter_id") if dim == "matter" else Substr("org_path", 1, len(org_path) + PATH_STEP)
    extra: dict[str, dict[str, Any]] = {str(r["_k"]): dict(r) for r in received(org_path, as_of).order_by().annotate(_k=group).values("_k").annotate(
        returns=Sum("returns"), supplement_rounds=Sum("supplement_rounds"), resubmissions=Sum("resubmissions"),
        stars=Avg("rating"), n=Count("pk"))}
    step_group: Any = (F("application__matter_id") if dim == "matter"
                       else Substr("org_path", 1, len(org_path) + PATH_STEP))
    days = _step_days_by(org_path, as_of, step_group)
    if dim == "matter":
        keys = sorted(set(counts["received"]) | set(days), key=lambda k: (k == "", k))
        names = dict(Matter.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()]).values_list("pk", "title"))
        labels = {k: names.get(int(k), k) if k.isdigit() else "" for k in keys}
    else:
        from dangjian.orgs.models import Organization

        children = list(Organization.objects.filter(path__startswith=org_path, depth=len(org_path) // PATH_STEP + 1)
                        .order_by("path").values_list("path", "name")[:500])
        labels = dict(children)
        keys = [p for p, _name in children if p in counts["received"] or p in days]
    out = []
    for k in keys:
        c = {key: counts[key].get(k, 0) for key in counts}
        e = extra.get(k, {})
        stars = e.get("stars")
        out.append({"key": k, "label": labels.get(k, k), **c,
                    "on_time_rate": rate(c["on_time"], c["decided"]),
                    "returns": e.get("returns") or 0, "supplement_rounds": e.get("supplement_rounds") or 0,
                    "resubmissions": e.get("resubmissions") or 0, "step_days": days.get(k),
                    "rating": Decimal(str(round(float(stars), 1))) if stars is not None else None})
    return out


def row(a: Application) -> dict[str, Any]:
    return {"number": a.number, "matter": a.matter.title, "organization": a.organization.name,
            "state": State(a.state).label, "submitted": a.submitted_on or "",
            "url": reverse("services:application", args=[a.public_id])}


COLUMNS = (("number", _("Number")), ("matter", _("Matter")), ("organization", _("Organization")),
           ("state", _("State")), ("submitted", _("Submitted on")))

FIGURES = (
    Figure(key="services.received", label=_("Service applications this year"), module="services",
           unit=_("applications"), perm=PERM, rows=received, row=row, columns=COLUMNS, order=10,
           dimensions={"matter": MATTER, "state": Dimension(label=_("State"), field="state",
                                          choices=tuple((v, lbl) for v, lbl in State.choices if v != State.DRAFT))}),
    Figure(key="services.decided", label=_("Service applications decided this year"), module="services",
           unit=_("applications"), perm=PERM, rows=decided, row=row, columns=COLUMNS, order=15,
           dimensions={"matter": MATTER}),
    Figure(key="services.on_time", label=_("Service applications decided on time this year"), module="services",
           unit=_("applications"), perm=PERM, rows=on_time, row=row, columns=COLUMNS, order=20,
           dimensions={"matter": MATTER}),
    Figure(key="services.returned", label=_("Service applications returned at least once this year"),
           module="services", unit=_("applications"), perm=PERM, rows=returned, row=row, columns=COLUMNS, order=40,
           dimensions={"matter": MATTER}),
    Figure(key="services.supplemented", label=_("Service applications asked for more material this year"),
           module="services", unit=_("applications"), perm=PERM, rows=supplemented, row=row, columns=COLUMNS,
           order=50, dimensions={"matter": MATTER}),
    Figure(key="services.resubmitted", label=_("Service applications submitted again this year"),
           module="services", unit=_("applications"), perm=PERM, rows=resubmitted, row=row, columns=COLUMNS,
           order=60, dimensions={"matter": MATTER}),
    Figure(key="services.step_days", label=_("Working days per service step this year"), module="services",
           unit=_("working days"), perm=PERM, value=step_days, order=70,
           description=_("Average over the steps signed off this year at organizations of the subtree; days "
                         "paused for more material do not count.")),
    Figure(key="services.rated", label=_("Service applications rated by the applicant this year"),
           module="services", unit=_("applications"), perm=PERM, rows=rated, row=row, columns=COLUMNS, order=80,
           dimensions={"matter": MATTER}),
    Figure(key="services.rating", label=_("Applicants' rating of service applications this year"),
           module="services", unit=_("stars (of 5)"), perm=PERM, value=rating, drill="services.rated", order=90),
    Figure(key="services.on_time_rate", label=_("On-time rate of service applications this year"),
           module="services", unit="%", perm=PERM, value=on_time_rate, drill="services.on_time", order=30),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
