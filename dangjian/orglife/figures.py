"""Organizational life's statistics figures (issue 15), registered in ``core.hooks``.

Meetings count as held when their record is closed (the ledger's and the compliance page's
rule), in the period of their start (Asia/Shanghai). Compliance is the compliance page's
(``compliance.py``) over the year so far: every period of the year of the day that had ended by
its end. Branches are those of the subtree that existed on the day (established, or created on
the platform, by then) and are active now; a branch's party groups and its committee size
(for the committee-meeting rule) are read as they are now.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import rate
from dangjian.orglife import ActivityKind, ActivityStatus
from dangjian.orglife.compliance import behind_q, with_missed_periods
from dangjian.orglife.conf import frequencies
from dangjian.orglife.models import Activity
from dangjian.orglife.periods import tz
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

PERM = "orglife.view"


def day_end(as_of: dt.date) -> dt.datetime:
    """The end of the day ``as_of`` (the first instant of the next day, Shanghai time)."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz())


def branches(org_path: str, as_of: dt.date) -> QuerySet[Organization]:
    """Active branches of the subtree that existed on the day."""
    existed = Q(established_on__lte=as_of) | Q(established_on__isnull=True, created_at__lt=day_end(as_of))
    return Organization.objects.filter(subtree_q(org_path), existed, kind__in=BRANCH_KINDS, is_active=True)


def noncompliant(org_path: str, as_of: dt.date) -> QuerySet[Organization]:
    """Branches that missed a required meeting in a period of the year ended by the end of the day."""
    return (with_missed_periods(branches(org_path, as_of), as_of).filter(behind_q())
            .annotate(stats_year=Value(as_of.year, output_field=IntegerField()))
            .only("pk", "path", "name", "kind").order_by("path"))


def compliance_rate(org_path: str, as_of: dt.date) -> Decimal | None:
    """The share of branches that held every required meeting so far in the year, in per cent. One query."""
    totals = with_missed_periods(branches(org_path, as_of), as_of).aggregate(
        total=Count("pk"), behind=Count("pk", filter=behind_q()))
    return rate(totals["total"] - totals["behind"], totals["total"])


def noncompliant_row(o: Any) -> dict[str, Any]:
    missed = [str(ActivityKind(kind).label) for kind in frequencies() if getattr(o, f"miss_{kind}", False)]
    return {"name": o.name, "missed": "、".join(missed),
            "url": reverse("orglife:compliance") + f"?org={o.pk}&year={o.stats_year}"}


def meetings(org_path: str, as_of: dt.date) -> QuerySet[Activity]:
    """Activities held (record closed) that started from 1 January to the end of the day."""
    return (Activity.objects.filter(subtree_q(org_path, "org_path"), status=ActivityStatus.CLOSED,
                                    starts_at__gte=dt.datetime(as_of.year, 1, 1, tzinfo=tz()),
                                    starts_at__lt=day_end(as_of))
            .select_related("organization").only("pk", "org_path", "kind", "topic", "starts_at", "present_full",
                                                 "present_probationary", "expected_count", "organization__name")
            .order_by("-starts_at", "-pk"))


def meeting_row(a: Activity) -> dict[str, Any]:
    return {"topic": a.topic, "kind": a.get_kind_display(), "branch": a.organization.name,
            "date": timezone.localtime(a.starts_at, tz()).date(),
            "present": f"{a.present_full + a.present_probationary}/{a.expected_count}",
            "url": reverse("orglife:detail", args=[a.pk])}


FIGURES = [
    Figure(key="orglife.compliance_rate", label=_("Organizational life compliance rate"), module="orglife", unit="%",
           perm=PERM, value=compliance_rate, drill="orglife.noncompliant", order=10, description=_(
               "The share of the branches that held every required meeting (三会一课 and the others, at the "
               "configured frequencies) in each month, quarter or year of the year so far that had ended by the "
               "end of the day. A meeting counts when its record is closed; committee meetings are required "
               "only of branches with a committee, group meetings only of branches with party groups.")),
    Figure(key="orglife.noncompliant", label=_("Branches behind with organizational life"), module="orglife",
           unit=pgettext_lazy("unit", "branches"), perm=PERM, rows=noncompliant, path_field="path", order=20,
           columns=[("name", _("Branch")), ("missed", _("Meetings missed"))], row=noncompliant_row,
           description=_("Branches that missed a required meeting in a period of the year ended by the end of the "
                         "day, with the kinds of meeting missed.")),
    Figure(key="orglife.meetings", label=_("Meetings held this year"), module="orglife",
           unit=pgettext_lazy("unit", "meetings"), perm=PERM, rows=meetings, order=30,
           dimensions={"kind": Dimension(_("Kind"), choices=ActivityKind.choices, field="kind")},
           columns=[("topic", _("Topic")), ("kind", _("Kind")), ("branch", _("Branch")), ("date", _("Date")),
                    ("present", _("Present"))], row=meeting_row,
           description=_("Activities (三会一课, theme days, life meetings, reviews, talks) that started from 1 "
                         "January to the day and whose record is closed.")),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
