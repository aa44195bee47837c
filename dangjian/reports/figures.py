"""Statistics of reports without content (``core.hooks.register_figure``): reports received this
year by kind, stage and real name; triaged on time (forward deadline kept)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import Dimension
from dangjian.reports.choices import ReportKind, State
from dangjian.reports.models import Report

PERM = "reports.supervise"


def received(org_path: str, as_of: dt.date) -> QuerySet[Report]:
    return (Report.objects.filter(subtree_q(org_path, "org_path"), received_on__gte=dt.date(as_of.year, 1, 1),
                                  received_on__lte=as_of)
            .only("id", "uuid", "number", "kind", "state", "real_name", "received_on", "org_path")
            .order_by("-received_on", "-id"))


def _timely_q(value: str, as_of: dt.date) -> Q:
    triaged = ~Q(state=State.RECEIVED)
    late_open = Q(state=State.RECEIVED, forward_due__lt=as_of)
    if value == "late":
        return late_open | (triaged & Q(accepted_on__gt=F("forward_due")))
    if value == "waiting":
        return Q(state=State.RECEIVED, forward_due__gte=as_of)
    return triaged & (Q(accepted_on__isnull=True) | Q(accepted_on__lte=F("forward_due")))


def row(r: Report) -> dict[str, Any]:
    return {"number": r.number, "kind": ReportKind(r.kind).label, "state": State(r.state).label,
            "real_name": _("Real name") if r.real_name else _("Anonymous"), "received": r.received_on,
            "url": reverse("reports:detail", args=[r.uuid])}


FIGURES = (
    Figure(key="reports.received", label=_("Reports received this year"), module="reports", unit=pgettext_lazy("unit", "reports"),
           perm=PERM, rows=received, row=row, order=10,
           dimensions={"kind": Dimension(_("Kind"), choices=ReportKind.choices, field="kind"),
                       "state": Dimension(_("Stage"), choices=State.choices, field="state"),
                       "timely": Dimension(_("Triage timeliness"), choices=[
                           ("on_time", _("Triaged in time")), ("waiting", _("Waiting, in time")),
                           ("late", _("Late"))], q=_timely_q)},
           columns=(("number", _("Number")), ("kind", _("Kind")), ("state", _("Stage")),
                    ("real_name", _("Real name")), ("received", _("Received on")))),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
