"""Core periodic tasks."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from django_tasks.base import TaskResultStatus

from dangjian.core.scheduler import prune_ticks

logger = logging.getLogger(__name__)


class StaleTaskError(Exception):
    """Recorded on a task given up after its workers died ``TASKS_STALE_MAX_ATTEMPTS`` times."""


def requeue_stale_tasks(now: dt.datetime | None = None) -> dict[str, int]:
    """Take up again the tasks a killed worker left RUNNING (django-tasks-db never does: a worker
    that dies by ``kill -9``, out of memory or a power cut leaves its row RUNNING for ever).

    A row RUNNING for longer than ``TASKS_STALE_AFTER_SECONDS`` goes back to READY, so the next
    free worker runs it again; after ``TASKS_STALE_MAX_ATTEMPTS`` claims (each worker that took it
    is in ``worker_ids``) it is marked FAILED instead, so a task that kills its worker cannot loop.
    Every task of the project is safe to run again (see docs/architecture.md, "Background jobs");
    the timeout must exceed the longest task's running time, or a live run gets a twin.
    """
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    timeout = dt.timedelta(seconds=int(getattr(settings, "TASKS_STALE_AFTER_SECONDS", 3600)))
    max_attempts = max(1, int(getattr(settings, "TASKS_STALE_MAX_ATTEMPTS", 3)))
    counts = {"requeued": 0, "failed": 0}
    for row in DBTaskResult.objects.running().filter(started_at__lt=now - timeout).order_by("started_at")[:1000]:
        # the guard on status and started_at: a row that finished or was taken meanwhile is left alone
        same = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        attempts = len(row.worker_ids or [])
        if attempts >= max_attempts:
            error = StaleTaskError(f"its worker died {attempts} times while running it")
            if same.update(status=TaskResultStatus.FAILED, finished_at=now,
                           exception_class_path=f"{__name__}.StaleTaskError", traceback=str(error)):
                counts["failed"] += 1
                logger.warning("task %s (%s) left running since %s by worker %s: given up after %d attempts",
                               row.pk, row.task_path, row.started_at.isoformat(), (row.worker_ids or ["?"])[-1],
                               attempts)
            continue
        if same.update(status=TaskResultStatus.READY):
            counts["requeued"] += 1
            logger.warning("task %s (%s) left running since %s by worker %s: queued to run again (attempt %d)",
                           row.pk, row.task_path, row.started_at.isoformat(), (row.worker_ids or ["?"])[-1],
                           attempts + 1)
    return counts


@task()
def requeue_stale_task_results() -> dict[str, int]:
    """Every minute (scheduler job ``core.requeue_stale_tasks``): see ``requeue_stale_tasks``."""
    return requeue_stale_tasks()


@task()
def prune_scheduler_ticks() -> int:
    return prune_ticks()


@task()
def warn_missing_calendar_years() -> list[int]:
    """In November and December: remind the administrators who manage the working-day calendar
    to enter next year's official holidays (the State Council publishes them then); until they do,
    deadlines in that year count weekends only. Safe to run again: an administrator reminded in
    the last 20 days is not reminded twice (a task re-run after its worker died)."""
    from dangjian.core.models import Notification, RoleAssignment, User
    from dangjian.core.notifications import notify
    from dangjian.core.roles import roles_with
    from dangjian.core.ui import safe_reverse
    from dangjian.core.workdays import missing_years

    years = missing_years(years_ahead=1)
    if not years:
        return []
    admins = User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(role__in=roles_with("calendar.manage")).values("user_id"),
    ).exclude(pk__in=Notification.objects.filter(
        kind="core.calendar_missing", created_at__gte=timezone.now() - dt.timedelta(days=20)).values("recipient_id"))
    if not admins:
        return years
    notify(
        list(admins), "core.calendar_missing",
        title=_("Enter the official working-day calendar"),
        body=_("No official holiday calendar has been entered for %(years)s; deadlines in those years "
               "count weekends only until it is.") % {"years": ", ".join(str(y) for y in years)},
        url=safe_reverse("workdays:list") or "",
    )
    return years


@task()
def send_todo_digests() -> int:
    """Each morning: one digest of open to-dos per back-office user who has any."""
    from dangjian.core.workbench import send_todo_digests as send

    return send()
