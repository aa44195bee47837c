"""Statistics figures of exams (``core.hooks.register_figure``): attempts finished this year by
members of the subtree, those that passed, and the pass rate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.learning.exams import FINISHED
from dangjian.learning.exams.models import Attempt

PERM = "exams.manage"


def _year(as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime(as_of.year, 1, 1, tzinfo=tz),
            dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def finished(org_path: str, as_of: dt.date) -> QuerySet[Attempt]:
    """Attempts submitted (or marked at their time limit) from 1 January to the end of the day by
    members of the subtree (their organization when the paper was drawn)."""
    start, end = _year(as_of)
    return (Attempt.objects.filter(subtree_q(org_path, "org_path"), state__in=FINISHED, submitted_at__gte=start,
                                   submitted_at__lt=end)
            .select_related("exam", "member__person", "organization").defer("paper", "answers", "marks")
            .order_by("-submitted_at", "-pk"))


def passed(org_path: str, as_of: dt.date) -> QuerySet[Attempt]:
    return finished(org_path, as_of).filter(passed=True)


def pass_rate(org_path: str, as_of: dt.date) -> float:
    total = finished(org_path, as_of).count()
    return round(passed(org_path, as_of).count() * 100 / total, 1) if total else 0.0


def row(a: Attempt) -> dict[str, Any]:
    return {"exam": a.exam.title, "name": a.member.person.name, "organization": a.organization.name,
            "score": f"{a.score}/{a.max_score}", "submitted": timezone.localtime(a.submitted_at).date()
            if a.submitted_at else "", "url": reverse("exams:results", args=[a.exam_id])}


COLUMNS = (("exam", _("Exam")), ("name", pgettext_lazy("exams", "Name")), ("organization", _("Organization")), ("score", _("Score")),
           ("submitted", pgettext_lazy("exams", "Submitted on")))

FIGURES = (
    Figure(key="exams.finished", label=_("Exam attempts finished this year"), module="exams", unit=pgettext_lazy("exams", "attempts"),
           perm=PERM, rows=finished, row=row, columns=COLUMNS, order=10),
    Figure(key="exams.passed", label=_("Exam attempts passed this year"), module="exams", unit=pgettext_lazy("exams", "attempts"),
           perm=PERM, rows=passed, row=row, columns=COLUMNS, order=20),
    Figure(key="exams.pass_rate", label=_("Exam pass rate this year"), module="exams", unit="%", perm=PERM,
           value=pass_rate, drill="exams.passed", order=30),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
