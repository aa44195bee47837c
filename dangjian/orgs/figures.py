"""The organization figures of the statistics registry (issue 15; keys in docs/modules/members.md).

An organization exists as of a day when it was established on or before it (``established_on``,
else the day its record was created) and not dissolved on or before it (``dissolved_on``, set
when it is deactivated). Kinds and terms are today's (organizations keep no history of them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core import stats
from dangjian.core.scoping import subtree_q
from dangjian.orgs import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Organization

PERM = "orgs.view"
UNIT = pgettext_lazy("unit", "organizations")
#: A term "due" ends within this many days after the day (or has ended).
TERM_WARNING_DAYS = 90


def _day_end(as_of: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))


def existing(org_path: str, as_of: dt.date) -> QuerySet[Organization]:
    """Organizations of the subtree that exist at the end of ``as_of``."""
    established = Q(established_on__lte=as_of) | Q(established_on__isnull=True, created_at__lt=_day_end(as_of))
    return (Organization.objects.filter(subtree_q(org_path, "path"), established)
            .filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=as_of))
            .order_by("path"))


def total_rows(org_path: str, as_of: dt.date) -> QuerySet[Organization]:
    return existing(org_path, as_of)


def branch_rows(org_path: str, as_of: dt.date) -> QuerySet[Organization]:
    return existing(org_path, as_of).filter(kind__in=BRANCH_KINDS)


def _date_key(year: Any, month: Any, day: Any) -> Any:
    return year * 10000 + month * 100 + day


def terms_due_rows(org_path: str, as_of: dt.date) -> QuerySet[Organization]:
    """Organizations whose current term (``term_started_on`` + ``term_years``) ends within
    ``TERM_WARNING_DAYS`` after ``as_of`` or has ended. The term's end is compared as the number
    YYYYMMDD (years added to the start's year), which every database computes the same way; a
    term started on 29 February ends after 28 February of a common year."""
    limit = as_of + dt.timedelta(days=TERM_WARNING_DAYS)
    end = _date_key(ExtractYear("term_started_on") + F("term_years"), ExtractMonth("term_started_on"),
                    ExtractDay("term_started_on"))
    return (existing(org_path, as_of).filter(term_started_on__isnull=False)
            .alias(term_end=end).filter(term_end__lte=_date_key(limit.year, limit.month, limit.day)))


def org_row(org: Organization) -> dict[str, Any]:
    return {
        "name": org.name, "kind": org.get_kind_display(), "established_on": org.established_on or "",
        "secretary": org.secretary_name, "url": reverse("orgs:detail", args=[org.pk]),
    }


def term_row(org: Organization) -> dict[str, Any]:
    return {**org_row(org), "term_started_on": org.term_started_on, "term_years": org.term_years}


KIND = stats.Dimension(pgettext_lazy("organization", "Kind"), choices=OrgKind.choices, field="kind")
BRANCH_KIND = stats.Dimension(pgettext_lazy("organization", "Kind"), choices=[(k.value, k.label) for k in OrgKind if k in BRANCH_KINDS],
                              field="kind")
COLUMNS = [("name", _("Name")), ("kind", pgettext_lazy("organization", "Kind")), ("established_on", _("Established on")),
           ("secretary", _("Secretary"))]

FIGURES = [
    stats.Figure(
        key="orgs.total", label=_("Party organizations"), module="orgs", unit=UNIT, perm=PERM, rows=total_rows,
        path_field="path", dimensions={"kind": KIND}, columns=COLUMNS, row=org_row, order=10,
        description=_("Organizations established on or before the day and not dissolved by it."),
    ),
    stats.Figure(
        key="orgs.branches", label=_("Branches"), module="orgs", unit=UNIT, perm=PERM, rows=branch_rows,
        path_field="path", dimensions={"kind": BRANCH_KIND}, columns=COLUMNS, row=org_row, order=20,
        description=_("Branches of every kind (joint, temporary, floating members', grid) existing on the day."),
    ),
    stats.Figure(
        key="orgs.terms_due", label=_("Terms due for election"), module="orgs", unit=UNIT, perm=PERM,
        rows=terms_due_rows, path_field="path", history=False,
        columns=[*COLUMNS[:2], ("term_started_on", _("Current term started on")), ("term_years", _("Term (years)"))],
        row=term_row, order=30,
        description=_("Organizations whose current term ends within 90 days after the day or has already ended."),
    ),
]


def register() -> None:
    from dangjian.core.hooks import register_figure

    for figure in FIGURES:
        register_figure(figure)
