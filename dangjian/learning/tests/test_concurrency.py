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


@pytest.mark.django_db(transaction=True)
def test_parallel_credits_keep_the_daily_cap_and_credit_a_key_once(users: Any, tree: Any) -> None:
    """Eight credits of different activities and eight of the same one arrive at once: the tally
    row lock keeps the day's points within the cap, and the same key credits once."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    from dangjian.learning import PointsKind
    from dangjian.learning.actions import Credit, credit_points, do_save_points_settings
    from dangjian.learning.models import PointsEntry

    do_save_points_settings(tree.county, {"enabled": "on", "lesson_completed_points": "5",
                                          "lesson_completed_cap": "10"}, acting_user=users.admin)
    day = at(0).date()
    errors: list[BaseException] = []

    def run(keys: list[str]) -> None:
        barrier = threading.Barrier(len(keys))

        def worker(key: str) -> None:
            from django.db import connection as conn

            try:
                barrier.wait()
                credit_points([Credit(users.member.pk, PointsKind.LESSON_COMPLETED, key, day)])
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=(k,)) for k in keys]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    run([f"race:{n}" for n in range(8)])
    run(["race:same"] * 8)
    assert not errors
    assert sum(PointsEntry.objects.values_list("points", flat=True)) == 10
    assert PointsEntry.objects.count() == 9
    assert PointsEntry.objects.filter(key="race:same").count() == 1
