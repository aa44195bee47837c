"""The transfers' statistics figures (issue 15), registered in ``core.hooks``.

A transfer concerns an organization when the member leaves it (``from_path`` in its subtree) or
arrives there (``to_path``); one inside the subtree counts once. Its ``side_path`` is the side in
the subtree (the sending side when both are), so per-child splits put it under one child, and
its ``direction`` says out / in / within. "As of" a day reads the transfer's own dates: started
(``created_at``), received (``received_on``, the receipt's date for a letter outside the
platform), closed otherwise (``closed_at``: cancelled, expired). One query per value.
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
from dangjian.members.transfers import TransferKind, TransferStatus
from dangjian.members.transfers.models import Transfer

PERM = "transfers.view"
OUT, IN, WITHIN = "out", "in", "within"
_FIELDS = ("pk", "number", "kind", "status", "name", "from_org_name", "to_org_name", "from_path", "to_path",
           "created_at", "received_on", "closed_at")


def day_end(as_of: dt.date) -> dt.datetime:
    """The end of the day ``as_of`` (the first instant of the next day, local time)."""
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min),
                               timezone.get_default_timezone())


def _concerning(org_path: str) -> QuerySet[Transfer]:
    out_q, in_q = subtree_q(org_path, "from_path"), subtree_q(org_path, "to_path")
    return (Transfer.objects.filter(out_q | in_q)
            .annotate(side_path=Case(When(out_q, then=F("from_path")), default=F("to_path"), output_field=CharField()),
                      direction=Case(When(out_q & in_q, then=Value(WITHIN)), When(out_q, then=Value(OUT)),
                                     default=Value(IN), output_field=CharField()))
            .only(*_FIELDS).order_by("-created_at", "-pk"))


def _ended_by(as_of: dt.date) -> Q:
    """Received by the end of the day, or closed otherwise (cancelled, expired) by then."""
    return (Q(status=TransferStatus.COMPLETED, received_on__lte=as_of)
            | (~Q(status=TransferStatus.COMPLETED) & Q(closed_at__lt=day_end(as_of))))


def in_progress(org_path: str, as_of: dt.date) -> QuerySet[Transfer]:
    """Transfers started by the end of the day and neither received nor closed by then."""
    return _concerning(org_path).filter(created_at__lt=day_end(as_of)).exclude(_ended_by(as_of))


def completed(org_path: str, as_of: dt.date) -> QuerySet[Transfer]:
    """Transfers received from 1 January to the day (the receipt's date)."""
    return _concerning(org_path).filter(status=TransferStatus.COMPLETED, received_on__gte=dt.date(as_of.year, 1, 1),
                                        received_on__lte=as_of)


COLUMNS = [("number", _("Letter number")), ("name", _("Name")), ("from", pgettext_lazy("transfer", "From")), ("to", _("To")),
           ("status", _("Status now")), ("started", _("Started"))]


def row(t: Transfer) -> dict[str, Any]:
    return {"number": t.number, "name": t.name, "from": t.from_org_name, "to": t.to_org_name,
            "status": t.get_status_display(), "started": timezone.localdate(t.created_at),
            "url": reverse("transfers:detail", args=[t.pk])}


DIMENSIONS = {
    "direction": Dimension(_("Direction"), choices=[(OUT, _("Out of the organization")), (IN, _("Into the organization")),
                                                    (WITHIN, _("Within the organization"))], field="direction"),
    "kind": Dimension(_("Kind"), choices=TransferKind.choices, field="kind"),
}


def _figure(key: str, label: Any, rows: Any, description: Any, order: int) -> Figure:
    return Figure(key=key, label=label, module="transfers", unit=pgettext_lazy("unit", "transfers"), perm=PERM,
                  rows=rows, dimensions=DIMENSIONS, columns=COLUMNS, row=row, path_field="side_path",
                  description=description, order=order)


FIGURES = [
    _figure("transfers.in_progress", _("Transfers in progress"), in_progress, _(
        "Transfers of members out of, into or within the organization started by the end of the day and "
        "neither received nor closed (cancelled, expired) by then."), 10),
    _figure("transfers.completed", _("Transfers received this year"), completed, _(
        "Transfers out of, into or within the organization received from 1 January to the day (for a letter "
        "outside the platform, the date on its receipt)."), 20),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
