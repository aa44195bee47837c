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
    return sent
