"""The opinion express lane's statistics figures (issue 15), registered in ``core.hooks``.

An opinion belongs to the organization of its place (``org_path``); one sent without a place
belongs to the county, that is to every top-level organization (the staff list's rule,
``selectors._no_place_q``), and counts there as the organization's own. Opinions are counted by
the day they were received (``created_at``). One query per value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.opinions import OpinionChannel, OpinionKind
from dangjian.opinions.models import Opinion
from dangjian.orgs.models import Organization

PERM = "opinions.view"


def _local(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def received(org_path: str, as_of: dt.date) -> QuerySet[Opinion]:
    """Opinions received from 1 January to the end of the day, annotated ``place_path`` (the place's
    path; the organization's own for one without a place counted at a top-level organization)."""
    where = subtree_q(org_path, "org_path")
    if len(org_path) <= Organization.steplen:
        where |= Q(org_path="")
    return (Opinion.objects.filter(where, created_at__gte=_local(dt.date(as_of.year, 1, 1)),
                                   created_at__lt=_local(as_of + dt.timedelta(days=1)))
            .annotate(place_path=Case(When(org_path="", then=Value(org_path)), default=F("org_path"),
                                      output_field=CharField()))
            .only("pk", "tracking_no", "kind", "title", "channel", "status", "org_path", "created_at")
            .order_by("-created_at", "-pk"))


def row(o: Opinion) -> dict[str, Any]:
    return {"number": o.tracking_no, "title": o.title, "kind": o.get_kind_display(), "channel": o.get_channel_display(),
            "status": o.get_status_display(), "received": timezone.localtime(o.created_at).date(),
            "url": reverse("opinions:staff_detail", args=[o.pk])}


FIGURES = [
    Figure(key="opinions.received", label=_("Opinions received this year"), module="opinions",
           unit=pgettext_lazy("unit", "opinions"), perm=PERM, rows=received, path_field="place_path", order=10,
           dimensions={"channel": Dimension(_("Channel"), choices=OpinionChannel.choices, field="channel"),
                       "kind": Dimension(_("Kind"), choices=OpinionKind.choices, field="kind")},
           columns=[("number", _("Tracking number")), ("title", _("Title")), ("kind", _("Kind")),
                    ("channel", _("Channel")), ("status", _("Status now")), ("received", _("Received"))],
           row=row, description=_(
               "Opinions sent to or logged for places in the organization from 1 January to the day, by every "
               "channel; those without a place count at the county.")),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
