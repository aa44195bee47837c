"""The task bench/worker_kill.py queues (imported by the worker as ``bench.worker_kill_tasks``)."""

from __future__ import annotations

import datetime as dt
import os
import time

from django_tasks import task

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@task()
def bench_job(n: int) -> bool:
    """Idempotent, as every task of the project must be: claim the effect (a unique row) and do
    nothing if it is already there. Each start is also appended to a log, to count re-runs."""
    from dangjian.core.models import SchedulerTick

    with open(os.environ["BENCH_TASK_LOG"], "a") as log:
        log.write(f"{n}\n")
    time.sleep(float(os.environ.get("BENCH_TASK_SECONDS", "0.05")))
    _tick, created = SchedulerTick.objects.get_or_create(job="bench.worker_kill",
                                                         scheduled_for=EPOCH + dt.timedelta(seconds=n))
    return created
