"""Reports from several devices at the same moment, really in parallel: one progress row, and
together no more credit than the time that passed. SQLite runs writing transactions one at a
time (``BEGIN IMMEDIATE``), so the race is run on PostgreSQL (``make test-pg``), where the row
lock (``SELECT … FOR UPDATE``) is what serializes them."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from dangjian.learning.actions import do_record_progress
from dangjian.learning.models import LessonProgress
from dangjian.learning.progress import Report
from dangjian.learning.tests.conftest import at


@pytest.mark.django_db(transaction=True)
def test_parallel_devices_share_one_clock(school: Any, users: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    v, me = school.video, users.member
    devices = 8
    errors: list[BaseException] = []
    credited: list[float] = []

    def run(reports: list[tuple[float, Report]]) -> None:
        barrier = threading.Barrier(len(reports))

        def worker(t: float, report: Report) -> None:
            from django.db import connection as conn

            try:
                barrier.wait()
                credited.append(do_record_progress(v, report, acting_user=me, received_at=at(t)).credited_s)
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=r) for r in reports]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # every device opens the lesson at once (the row is made once), then each claims its own 10 s
    run([(0, Report(position_s=n * 50, start_s=n * 50)) for n in range(devices)])
    credited.clear()
    run([(10, Report(position_s=n * 50 + 10, start_s=n * 50)) for n in range(devices)])
    assert not errors
    assert LessonProgress.objects.filter(user=me, lesson=v).count() == 1
    assert sum(credited) <= 11
    assert LessonProgress.objects.get(user=me, lesson=v).covered_s == sum(credited)
