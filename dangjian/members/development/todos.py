"""The workbench of the development pipeline: the to-do "development steps due" and the
"files late" figure for administrators.

A file is a to-do of the users who manage its branch (``development.manage`` in scope — the same
people the daily deadline job reminds, ``deadlines.responsible_users``) from
``REMIND_DAYS_BEFORE`` days before its next deadline (the talk within one month, the approval
within three months, the end of probation — ``ApplicantFile.next_due_on``, set by the step
actions), and stays one, overdue, until the step that meets the deadline is recorded: recording
a step moves ``next_due_on`` on (or clears it), which ends the item."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import Todo
from dangjian.core.scoping import has_any, scoped
from dangjian.core.ui import safe_reverse
from dangjian.members.development import DueKind, FileStatus, rules
from dangjian.members.development.models import ApplicantFile

PERM = "development.manage"


def due_files(user: Any, perm: str = PERM, *, today: dt.date | None = None) -> QuerySet[ApplicantFile]:
    """Active files in ``user``'s scope whose next deadline is within the reminder window (or past)."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=rules.config("REMIND_DAYS_BEFORE"))
    qs = ApplicantFile.objects.filter(status=FileStatus.ACTIVE, next_due_on__lte=soon)
    return scoped(qs, user, perm, path_field="org_path")


def count(user: Any) -> int:
    return due_files(user).count()


def items(user: Any, limit: int) -> list[Todo]:
    today = timezone.localdate()
    rows = (due_files(user, today=today).select_related("person", "organization")
            .only("pk", "next_due_on", "due_kind", "person__name", "organization__name")
            .order_by("next_due_on", "pk")[:limit])
    out = []
    for f in rows:
        what = DueKind(f.due_kind).label if f.due_kind in DueKind.values else _("Next step")
        out.append(Todo(
            title=_("%(what)s: %(name)s") % {"what": what, "name": f.person.name},
            url=safe_reverse("development:detail", f.pk) or "",
            org=f.organization.name,
            due=f.next_due_on,
            urgent=bool(f.next_due_on and f.next_due_on < today),
            ref=f"development:{f.pk}",
        ))
    return out


def workbench_cards(request: HttpRequest) -> Iterable[dict[str, Any]]:
    """Administrators' figure: files in their subtree whose deadline has passed, linking to the
    development list filtered to them."""
    user = request.user
    if not has_any(user, "development.view"):
        return []
    late = scoped(ApplicantFile.objects.filter(status=FileStatus.ACTIVE, next_due_on__lt=timezone.localdate()),
                  user, "development.view", path_field="org_path").count()
    url = safe_reverse("development:dashboard")
    return [{
        "label": _("Development steps late"),
        "value": late,
        "url": f"{url}?overdue=1" if url else None,
        "link": _("Open the late files"),
        "order": 40,
    }]
