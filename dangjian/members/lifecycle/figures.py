"""The member lifecycle's statistics figures (issue 15), registered in ``core.hooks``.

Floating members (流动党员) are counted by their home branch (``home_path``: the branch that
issued the certificate and keeps the membership), as of a day from the certificate's own dates:
issued on or before it, still valid on it (``expires_on``) and not returned or revoked by then
(``ended_on``). A renewal moves ``expires_on`` forward without keeping the earlier date, so a
certificate that lapsed and was renewed later counts as valid in the gap. One query per value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.members.lifecycle.models import FloatingCertificate

PERM = "lifecycle.view"


def floating(org_path: str, as_of: dt.date) -> QuerySet[FloatingCertificate]:
    """Certificates in force at the end of the day, of members whose home branch is in the subtree."""
    return (FloatingCertificate.objects.filter(subtree_q(org_path, "home_path"), issued_on__lte=as_of,
                                               expires_on__gte=as_of)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
            .select_related("member__person", "home_org", "host_org")
            .only("pk", "number", "home_path", "host_place", "host_unit", "abroad", "issued_on", "expires_on",
                  "member__person__name", "home_org__name", "host_org__name")
            .order_by("home_path", "pk"))


COLUMNS = [("number", _("Certificate number")), ("name", _("Name")), ("home", _("Home branch")),
           ("host", _("Where")), ("issued_on", _("Issue date")), ("expires_on", _("Expiry date"))]


def row(c: FloatingCertificate) -> dict[str, Any]:
    return {"number": c.number, "name": c.member.person.name, "home": c.home_org.name, "host": c.host_label,
            "issued_on": c.issued_on, "expires_on": c.expires_on,
            "url": reverse("lifecycle:certificate", args=[c.pk])}


DIMENSIONS = {
    "abroad": Dimension(_("Where"), choices=[("abroad", _("Abroad")), ("home", _("In the country"))],
                        q=lambda v, _d: Q(abroad=(v == "abroad"))),
    "host": Dimension(_("Host branch"), choices=[("platform", _("A branch on the platform")),
                                                 ("outside", _("Outside the platform"))],
                      q=lambda v, _d: Q(host_org__isnull=(v == "outside"))),
}

FIGURES = [
    Figure(key="lifecycle.floating", label=_("Floating members"), module="lifecycle",
           unit=pgettext_lazy("unit", "people"), perm=PERM, rows=floating, dimensions=DIMENSIONS, columns=COLUMNS,
           row=row, path_field="home_path", order=10, description=_(
               "Members of the organization holding a floating certificate (流动党员活动证) in force on the day: "
               "issued on or before it, not expired, returned or revoked by then; counted by the home branch.")),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
