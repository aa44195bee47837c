"""A task a killed worker (kill -9) left RUNNING is taken up again after a timeout and then runs
once (core.tasks.requeue_stale_tasks, scheduler job core.requeue_stale_tasks). django-tasks-db
itself never touches such a row (upstream issue "Unclean exits of the worker leave tasks in limbo")."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from dangjian.core.logredact import redact
from dangjian.core.models import SchedulerTick
from dangjian.core.scheduler import JOBS
from dangjian.core.tasks import prune_scheduler_ticks, requeue_stale_tasks


@pytest.fixture
def db_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_STALE_AFTER_SECONDS = 600
    settings.TASKS_STALE_MAX_ATTEMPTS = 3


def run_worker() -> None:
    """The package's own worker, in batch mode: runs every ready task, then returns."""
    Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="new-worker").run()


def killed_mid_run(*, minutes_ago: int, claims: int = 1) -> DBTaskResult:
    """An enqueued task claimed by a worker that then died (its row stays RUNNING)."""
    prune_scheduler_ticks.enqueue()
    row = DBTaskResult.objects.get()
    for n in range(claims):
        row.claim(f"dead-worker-{n}")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return row


def old_tick() -> None:
    tick = SchedulerTick.objects.create(job="x", scheduled_for=timezone.now())
    SchedulerTick.objects.filter(pk=tick.pk).update(fired_at=timezone.now() - dt.timedelta(days=30))


@pytest.mark.django_db(transaction=True)
def test_a_task_left_running_by_a_killed_worker_runs_once_after_the_timeout(db_backend, caplog):
    old_tick()
    row = killed_mid_run(minutes_ago=11)
    run_worker()  # without the sweep the row is never picked up again
    assert DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"

    with caplog.at_level(logging.WARNING, logger="dangjian.core.tasks"):
        assert requeue_stale_tasks() == {"requeued": 1, "failed": 0}
    # as every log line is written: a task id that starts with a long digit run reads like a phone
    # number and is masked by the log filter (the id is random, so compare the masked form)
    assert redact(f"task {row.pk} (dangjian.core.tasks.prune_scheduler_ticks)") in caplog.text
    run_worker()
    row.refresh_from_db()
    assert (row.status, row.return_value, row.worker_ids) == ("SUCCESSFUL", 1, ["dead-worker-0", "new-worker"])
    assert not SchedulerTick.objects.exists()
    assert requeue_stale_tasks() == {"requeued": 0, "failed": 0}  # a finished row is left alone


@pytest.mark.django_db
def test_a_task_running_within_the_timeout_is_left_alone(db_backend):
    row = killed_mid_run(minutes_ago=9)
    assert requeue_stale_tasks() == {"requeued": 0, "failed": 0}
    assert DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"


@pytest.mark.django_db
def test_a_task_whose_workers_keep_dying_is_given_up(db_backend):
    row = killed_mid_run(minutes_ago=11, claims=3)
    assert requeue_stale_tasks() == {"requeued": 0, "failed": 1}
    row.refresh_from_db()
    assert row.status == "FAILED" and row.exception_class_path == "dangjian.core.tasks.StaleTaskError"


def test_the_sweep_is_a_scheduled_job():
    assert JOBS["core.requeue_stale_tasks"].task_path == "dangjian.core.tasks.requeue_stale_task_results"
