"""Periodic jobs: APScheduler cron triggers in a `scheduler` process that only *enqueues* tasks.

Modules register jobs with ``register_job(name, "cron expression", "dotted.path.to.task")``
(usually from ``AppConfig.ready``). ``manage.py run_scheduler`` runs APScheduler; at each tick
``fire()`` inserts a ``SchedulerTick`` row for (job, scheduled time) and enqueues the task only if
that insert succeeded, so a tick fires once however many schedulers run on however many machines.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from dangjian.core.models import SchedulerTick

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # crontab format: "minute hour day month day_of_week"
    task_path: str  # dotted path of a django-tasks Task


JOBS: dict[str, Job] = {}


def register_job(name: str, cron: str, task_path: str) -> None:
    JOBS[name] = Job(name, cron, task_path)


def fire(job: Job, scheduled_for: dt.datetime) -> bool:
    """Enqueue ``job`` for the tick at ``scheduled_for`` unless another scheduler already did."""
    scheduled_for = scheduled_for.replace(microsecond=0)
    try:
        with transaction.atomic():
            SchedulerTick.objects.create(job=job.name, scheduled_for=scheduled_for)
            task = import_string(job.task_path)
            transaction.on_commit(task.enqueue)
    except IntegrityError:
        logger.info("tick %s@%s already fired elsewhere", job.name, scheduled_for)
        return False
    return True


def prune_ticks(older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    with transaction.atomic():
        deleted, _ = SchedulerTick.objects.filter(fired_at__lt=timezone.now() - older_than).delete()
    return deleted


def build_scheduler(blocking: bool = True):  # type: ignore[no-untyped-def]
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from django.conf import settings

    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=settings.TIME_ZONE)
    for job in JOBS.values():
        trigger = CronTrigger.from_crontab(job.cron, timezone=settings.TIME_ZONE)

        def run(job: Job = job) -> None:
            # APScheduler runs this at the tick; the tick time (to the minute) is the lock key.
            now = timezone.now().replace(second=0, microsecond=0)
            fire(job, now)

        scheduler.add_job(run, trigger, id=job.name, coalesce=True, max_instances=1, misfire_grace_time=30)
    return scheduler
