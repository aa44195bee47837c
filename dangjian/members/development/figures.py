"""The development pipeline's statistics figures (issue 15), registered in ``core.hooks``.

Every figure is read "as of" a day from the dates the pipeline keeps: the steps' own dates
(``StepRecord.date``; ``applied_on``, ``activist_on``, ``candidate_on``, ``assembly_on`` are copies
of steps 1, 3, 7 and 15), so a step recorded after the day — or dated after it — does not count.
A closed file keeps no closing date: the moment it was last saved (``updated_at``, which is the
closing, since a closed file can no longer change) stands for it. A file belongs to its branch as
it is now (``org_path``). Each value is one query over the files of the subtree.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.members import Sex
from dangjian.members.development import STAGE_ORDER, STEPS, DueKind, FileStatus, rules
from dangjian.members.development.models import ApplicantFile, StepRecord

PERM = "development.view"
_FIELDS = ("pk", "org_path", "step", "stage", "status", "applied_on", "activist_on", "candidate_on", "assembly_on",
           "probation_ends_on", "updated_at", "person__name", "organization__name")


def day_end(as_of: dt.date) -> dt.datetime:
    """The end of the day ``as_of`` (the first instant of the next day, local time)."""
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min),
                               timezone.get_default_timezone())


def _step_done(step: int, as_of: dt.date, *, before: dt.date | None = None) -> Q:
    """The file has step ``step`` recorded with a date on or before ``as_of`` (and before ``before``)."""
    records = StepRecord.objects.filter(file=OuterRef("pk"), step=step, date__lte=as_of)
    if before is not None:
        records = records.filter(date__lt=before)
    return Q(Exists(records))


def _open_on(as_of: dt.date) -> Q:
    """Applied on or before the day and not closed by its end."""
    return Q(applied_on__lte=as_of) & ~Q(status=FileStatus.CLOSED, updated_at__lt=day_end(as_of))


def _files(org_path: str) -> QuerySet[ApplicantFile]:
    return (ApplicantFile.objects.filter(subtree_q(org_path, "org_path"))
            .select_related("person", "organization").only(*_FIELDS).order_by("org_path", "pk"))


# --- the figures' rows ---------------------------------------------------------------------------

def activists(org_path: str, as_of: dt.date) -> QuerySet[ApplicantFile]:
    """Activists (入党积极分子) as of the day: confirmed (step 3), not yet candidates (step 7)."""
    return _files(org_path).filter(_open_on(as_of), activist_on__lte=as_of).filter(
        Q(candidate_on__isnull=True) | Q(candidate_on__gt=as_of))


def candidates(org_path: str, as_of: dt.date) -> QuerySet[ApplicantFile]:
    """Development candidates (发展对象) as of the day: confirmed (step 7), admission not yet
    approved by the higher committee (step 17, when they become probationary members)."""
    return _files(org_path).filter(_open_on(as_of), candidate_on__lte=as_of).filter(~_step_done(17, as_of))


def admitted(org_path: str, as_of: dt.date) -> QuerySet[ApplicantFile]:
    """Admitted as probationary members in the year of the day: step 17 (approval by the higher
    committee) dated from 1 January to the day."""
    records = StepRecord.objects.filter(file=OuterRef("pk"), step=17, date__gte=dt.date(as_of.year, 1, 1),
                                        date__lte=as_of)
    return _files(org_path).filter(Exists(records))


def step_as_of(as_of: dt.date) -> Subquery:
    """The last step a file had reached by the day (its stage follows from it)."""
    return Subquery(StepRecord.objects.filter(file=OuterRef("pk"), date__lte=as_of)
                    .order_by("-step").values("step")[:1])


def in_progress(org_path: str, as_of: dt.date) -> QuerySet[ApplicantFile]:
    """Files under way as of the day: applied, not closed, not finished (step 25), annotated
    ``step_as_of`` (the stage dimension reads it)."""
    return (_files(org_path).filter(_open_on(as_of)).annotate(step_as_of=step_as_of(as_of))
            .filter(step_as_of__lt=25))


#: Each stage's first and last step.
_STAGE_STEPS: dict[str, tuple[int, int]] = {
    stage: (min(n for n, s in STEPS.items() if s.stage == stage), max(n for n, s in STEPS.items() if s.stage == stage))
    for stage in STAGE_ORDER
}


def _stage_q(value: str, as_of: dt.date) -> Q:
    lo, hi = _STAGE_STEPS[value]
    return Q(step_as_of__gte=lo, step_as_of__lte=hi)


# --- overdue steps as of a day ------------------------------------------------------------------

def first_start_not_due(due: Callable[[dt.date], dt.date], by: dt.date) -> dt.date:
    """The earliest start whose deadline ``due(start)`` is on or after ``by``: a start before it
    had its deadline pass before ``by`` (``due`` — months after the start, clamped to the month's
    length — never decreases as the start moves later)."""
    start = by - dt.timedelta(days=400)
    while due(start) >= by:  # pragma: no cover - 400 days is more than any configured deadline
        start -= dt.timedelta(days=400)
    lo, hi = start, by  # due(lo) < by <= due(hi), since due(by) >= by
    while (hi - lo).days > 1:
        mid = lo + dt.timedelta(days=(hi - lo).days // 2)
        if due(mid) >= by:
            hi = mid
        else:
            lo = mid
    return hi


def _overdue_q(kind: str, as_of: dt.date) -> Q:
    """Files with a deadline of kind ``kind`` passed by the end of the day and the step that
    meets it not taken by then — the same deadlines as the dashboard's (``actions.set_due``):
    the talk within a month of the application (met by step 2); approval within three months of
    an assembly vote (step 15 → 17, step 23 → 24); the end of probation (met by the vote, step 23)."""
    after = as_of + dt.timedelta(days=1)  # a deadline before this day has passed by the end of as_of
    if kind == DueKind.TALK:
        return Q(applied_on__lt=first_start_not_due(rules.talk_due, after)) & ~_step_done(2, as_of)
    if kind == DueKind.APPROVAL:
        vote_before = first_start_not_due(rules.approval_due, after)
        admission = Q(assembly_on__lt=vote_before) & ~_step_done(17, as_of)
        full = _step_done(23, as_of, before=vote_before) & ~_step_done(24, as_of)
        return admission | full
    if kind == DueKind.PROBATION:
        return Q(probation_ends_on__lt=after) & _step_done(17, as_of) & ~_step_done(23, as_of)
    raise ValueError(kind)


OVERDUE_KINDS = (DueKind.TALK, DueKind.APPROVAL, DueKind.PROBATION)


def overdue(org_path: str, as_of: dt.date) -> QuerySet[ApplicantFile]:
    """Files with a step overdue as of the day (applied, not closed by then)."""
    late = reduce(operator.or_, (_overdue_q(kind, as_of) for kind in OVERDUE_KINDS))
    return _files(org_path).filter(_open_on(as_of)).filter(late)


# --- the drill-down list -------------------------------------------------------------------------

COLUMNS = [("name", _("Name")), ("branch", _("Branch")), ("stage", _("Stage now")),
           ("applied_on", _("Application date")), ("activist_on", _("Activist since")),
           ("candidate_on", _("Candidate since"))]


def row(f: ApplicantFile) -> dict[str, Any]:
    return {"name": f.person.name, "branch": f.organization.name,
            "stage": f.get_status_display() if f.status != FileStatus.ACTIVE else f.get_stage_display(),
            "applied_on": f.applied_on or "", "activist_on": f.activist_on or "",
            "candidate_on": f.candidate_on or "", "url": reverse("development:detail", args=[f.pk])}


SEX = Dimension(_("Sex"), choices=Sex.choices, field="person__sex")
STAGE = Dimension(_("Stage"), choices=[(s.value, s.label) for s in STAGE_ORDER], q=_stage_q)
OVERDUE_KIND = Dimension(_("Deadline"), choices=[(k.value, k.label) for k in OVERDUE_KINDS], q=_overdue_q)


def _figure(key: str, label: Any, rows: Any, description: Any, order: int, **extra: Any) -> Figure:
    return Figure(key=key, label=label, module="development", unit=pgettext_lazy("unit", "people"), perm=PERM, rows=rows,
                  columns=COLUMNS, row=row, description=description, order=order, **extra)


FIGURES = [
    _figure("development.activists", _("Activists"), activists, _(
        "Activists (入党积极分子) on the day: confirmed as activists (step 3) on or before it, not yet "
        "confirmed as candidates (step 7), their file not closed."), 10, dimensions={"sex": SEX}),
    _figure("development.candidates", _("Development candidates"), candidates, _(
        "Development candidates (发展对象) on the day: confirmed (step 7) on or before it, admission not "
        "yet approved by the higher committee (step 17)."), 20, dimensions={"sex": SEX}),
    _figure("development.admitted", _("Admitted this year"), admitted, _(
        "Applicants whose admission the higher committee approved (step 17: they become probationary "
        "members) from 1 January to the day."), 30, dimensions={"sex": SEX}),
    _figure("development.in_progress", _("Development files in progress"), in_progress, _(
        "Files under way on the day (applied, not closed, not finished), by the stage of the last "
        "step dated on or before it."), 40, dimensions={"stage": STAGE, "sex": SEX}),
    _figure("development.overdue", _("Files with an overdue step"), overdue, _(
        "Files whose deadline had passed by the end of the day without the step that meets it: the "
        "branch's talk within a month of the application, the higher committee's approval within "
        "three months of an assembly vote, the vote on full membership at the end of probation."),
        50, dimensions={"kind": OVERDUE_KIND}),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
