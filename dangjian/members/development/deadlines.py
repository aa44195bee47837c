"""Deadline reminders and warnings of the development pipeline (run daily by the scheduler).

For each active file with a deadline (talk within 1 month, approval within 3 months, end of
probation) and each running public notice: a reminder ``REMIND_DAYS_BEFORE`` days before the
deadline, a warning the day after it is missed. Each (file, step, kind, due date) is notified at
most once (a unique ``DeadlineNotice`` row is inserted first), so reruns send nothing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.models import RoleAssignment, User
from dangjian.core.months import add_months
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.members.development import STEPS, DueKind, FileStatus, rules
from dangjian.members.development.models import ApplicantFile, DeadlineNotice
from dangjian.orgs.models import Organization

BATCH = 500


def ancestor_paths(path: str) -> list[str]:
    step = Organization.steplen
    return [path[: i * step] for i in range(1, len(path) // step + 1)]


def responsible_users(org_path: str, perm: str = "development.manage") -> list[int]:
    """Active users holding ``perm`` on the organization at ``org_path`` (through any ancestor)."""
    ids = RoleAssignment.objects.filter(
        role__in=roles_with(perm), organization__path__in=ancestor_paths(org_path),
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=list(ids), is_active=True).values_list("pk", flat=True))


def _claim(f: ApplicantFile, kind: str, due: dt.date) -> bool:
    try:
        with transaction.atomic():
            DeadlineNotice.objects.create(file=f, step=f.step, kind=kind, due_on=due)
    except IntegrityError:
        return False
    return True


def _send(f: ApplicantFile, kind: str, due: dt.date, overdue: bool) -> None:
    label = DueKind(kind).label
    name = f.person.name
    if overdue:
        title = _("Overdue: %(what)s for %(name)s") % {"what": label, "name": name}
        body = _("The deadline was %(due)s (after step %(step)d, %(stage)s).")
    else:
        title = _("Due soon: %(what)s for %(name)s") % {"what": label, "name": name}
        body = _("The deadline is %(due)s (after step %(step)d, %(stage)s).")
    body = body % {"due": due.isoformat(), "step": f.step, "stage": STEPS[f.step].name if f.step else ""}
    recipients = responsible_users(f.org_path)
    notify(recipients, "development.deadline", title=title, body=body,
           url=reverse("development:detail", args=[f.pk]))


def run_deadline_checks(today: dt.date | None = None) -> dict[str, int]:
    """Send the due reminders and warnings; returns how many of each were sent."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=rules.config("REMIND_DAYS_BEFORE"))
    sent = {"remind": 0, "overdue": 0}
    qs = (ApplicantFile.objects.select_related("person")
          .filter(status=FileStatus.ACTIVE)
          .filter(Q(next_due_on__lte=soon) | Q(notice_ends_on__gte=today - dt.timedelta(days=1),
                                                 notice_ends_on__lte=soon, step__lt=15))
          .only("pk", "org_path", "step", "next_due_on", "due_kind", "notice_ends_on", "person__name")
          .order_by("pk"))
    last = 0
    while True:
        batch: list[Any] = list(qs.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        for f in batch:
            checks = []
            if f.next_due_on and f.due_kind:
                checks.append((f.due_kind, f.next_due_on))
            if f.notice_ends_on and f.step < 15:
                checks.append((DueKind.NOTICE.value, f.notice_ends_on))
            for kind, due in checks:
                if due < today:
                    if kind == DueKind.NOTICE:
                        continue  # a notice that has ended is not a missed deadline
                    flavour = "overdue"
                elif due <= soon:
                    flavour = "remind"
                else:
                    continue
                if _claim(f, f"{kind}.{flavour}", due):
                    _send(f, kind, due, flavour == "overdue")
                    sent[flavour] += 1
    _assessment_checks(today, soon, sent)
    return sent


# --- half-yearly assessments (steps 6 and 21) and the step-7 heads-up ---------------------------

#: Steps during which a half-yearly assessment is due: activists with mentors (after step 5, until
#: they are confirmed as candidates at step 7) and probationary members (after approval at step
#: 17, until they apply for full membership at step 22).
ACTIVIST_STEPS = (5, 6)
PROBATION_STEPS = (17, 18, 19, 20, 21)


def assessment_due(f: Any) -> dt.date | None:
    """Next half-yearly assessment: ``ASSESSMENT_MONTHS`` after the last one (step 6 for an activist,
    21 for a probationary member), or after the stage began (activist date; branch-assembly vote)."""
    months = rules.config("ASSESSMENT_MONTHS")
    if f.step in ACTIVIST_STEPS:
        dates = (f.activist_on, getattr(f, "last_activist_assessment", None))
    elif f.step in PROBATION_STEPS:
        dates = (f.assembly_on, getattr(f, "last_probation_assessment", None))
    else:
        return None
    known = [d for d in dates if d]
    return add_months(max(known), months) if known else None


def _assessment_checks(today: dt.date, soon: dt.date, sent: dict[str, int]) -> None:
    """Remind before and warn after a half-yearly assessment falls due; and, before an activist
    reaches the earliest day for step 7 (more than one year as activist), tell the branch that
    day, so the candidate is not confirmed too early (the step itself refuses an earlier date)."""
    from django.db.models import Max

    qs = (ApplicantFile.objects.select_related("person")
          .filter(status=FileStatus.ACTIVE, step__in=[*ACTIVIST_STEPS, *PROBATION_STEPS])
          .annotate(last_activist_assessment=Max("records__date", filter=Q(records__step=6)),
                    last_probation_assessment=Max("records__date", filter=Q(records__step=21)))
          .only("pk", "org_path", "step", "activist_on", "assembly_on", "person__name")
          .order_by("pk"))
    last = 0
    while True:
        batch: list[Any] = list(qs.filter(pk__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].pk
        for f in batch:
            due = assessment_due(f)
            if due is not None and due <= soon:
                flavour = "overdue" if due < today else "remind"
                if _claim(f, f"assessment.{flavour}", due):
                    _send_assessment(f, due, flavour == "overdue")
                    sent[flavour] += 1
            if f.step == 6 and f.activist_on:
                earliest = rules.candidate_earliest(f.activist_on)
                if today <= earliest <= soon and _claim(f, "candidate.earliest", earliest):
                    _send_candidate_earliest(f, earliest)
                    sent["remind"] += 1


def _send_assessment(f: Any, due: dt.date, overdue: bool) -> None:
    params = {"name": f.person.name, "due": due.isoformat(), "months": rules.config("ASSESSMENT_MONTHS")}
    if f.step in ACTIVIST_STEPS:
        title = (_("Overdue: half-yearly assessment of activist %(name)s") if overdue
                 else _("Due soon: half-yearly assessment of activist %(name)s")) % params
    else:
        title = (_("Overdue: half-yearly assessment of probationary member %(name)s") if overdue
                 else _("Due soon: half-yearly assessment of probationary member %(name)s")) % params
    body = _("Training and assessment are due every %(months)d months; the next one by %(due)s "
             "(record it as a step on the file).") % params
    notify(responsible_users(f.org_path), "development.deadline", title=title, body=body,
           url=reverse("development:detail", args=[f.pk]))


def _send_candidate_earliest(f: Any, earliest: dt.date) -> None:
    params = {"name": f.person.name, "date": earliest.isoformat()}
    title = _("%(name)s may be confirmed as a development candidate from %(date)s") % params
    body = _("A candidate is confirmed only after more than one year as an activist: do not hold the "
             "confirmation (step 7) before %(date)s.") % params
    notify(responsible_users(f.org_path), "development.deadline", title=title, body=body,
           url=reverse("development:detail", args=[f.pk]))
