"""Benchmark (issue 16): starting an exam and following a live lecture, against a plain page of
the same application in the same run.

Run alone (not one of ``make bench``'s ``module_*`` scripts)::

    .venv/bin/python bench/learning_live.py          # builds var/bench/learning.sqlite3 (migrated)

``BENCH_MEMBERS`` (default 1,000), ``BENCH_RUNS`` (timed polls per row, default 200).

In process, through Django's test client (the whole request: middleware, session, scoping,
template or JSON), one request after another on this machine:

1. A county with 10 branches and ``BENCH_MEMBERS`` members, each with an account and a session.
   A county question bank (14 questions) and an exam for the whole county (10 questions).
2. **Exam start, prepared**: the exam is published; the background task (run at once here) draws
   every member's paper (timed once). Then every member starts: ``POST /learning/exams/<id>/start/``
   (p50/p95/max over all members: the synchronized start of a county-wide exam).
3. **Exam start, not prepared** (what preparing ahead saves): a second exam whose prepared papers
   are deleted before the starts, so each start draws its paper (the fallback path).
4. **Plain page**: the member home (``core:member_home``) for the same members.
5. **Lecture feed**: a live lecture for the county with 30 messages; a member's poll
   ``GET /learning/lectures/<id>/feed/?after=<last>`` when nothing is new (what almost every poll
   is), and when all 30 are new; against the plain page. Delivery latency with polling every
   ``LECTURES_POLL_SECONDS`` is the interval's half on average plus one poll (decision 0008).

Prints a table and ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, ROOT, emit, timed  # noqa: E402

DB = BENCH_DIR / "learning.sqlite3"
MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))


def _env(db: Path = DB) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.environ.update(DJANGO_SETTINGS_MODULE="dangjian.settings", SQLITE_PATH=str(db), DANGJIAN_VAR_DIR=str(BENCH_DIR),
                      DJANGO_DEBUG="0", ALLOWED_HOSTS="testserver,127.0.0.1,localhost", LOG_LEVEL="WARNING",
                      TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
                      STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _percentiles(samples: list[float]) -> dict:
    import statistics

    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    return {"p50": statistics.median(samples), "p95": p95, "min": samples[0], "max": samples[-1], "runs": len(samples)}


def build(n_members: int) -> tuple:
    """A county with 10 branches and ``n_members`` members, each with an account: (root, county, users).
    Also used by ``learning_http.py``."""
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    from dangjian.core.idgen import make_id_number
    from dangjian.core.models import User
    from dangjian.members.actions import do_create_member
    from dangjian.members.models import Person
    from dangjian.orgs.actions import do_create_organization

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    root = User.objects.create_superuser("bench-root", "root@example.com", "bench-root-password-1")
    county = do_create_organization(None, {"name": "基准县委", "kind": "committee"}, acting_user=root)
    branches = [do_create_organization(county, {"name": f"基准第{i}支部", "kind": "branch"}, acting_user=root)
                for i in range(10)]
    t = time.perf_counter()
    members = []
    for n in range(n_members):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=(n % 300) * 37)
        members.append(do_create_member({
            "name": f"党员{n}", "id_number": make_id_number("320321", birth, n + 1), "birth_date": birth,
            "sex": "male", "organization": branches[n % 10].pk, "status": "full", "category": "in_service",
            "join_date": dt.date(2010, 7, 1), "full_date": dt.date(2011, 7, 1), "add_type": "developed"},
            acting_user=root))
    users = User.objects.bulk_create([User(username=f"bench-m{n}", name=f"党员{n}", password=make_password(None))
                                      for n in range(n_members)])
    for member, user in zip(members, users, strict=True):
        Person.objects.filter(pk=member.person_id).update(user=user)
    print(f"built {n_members} members in {time.perf_counter() - t:.0f} s", flush=True)
    return root, county, users


def main() -> None:  # noqa: PLR0915 - one linear script
    _env()
    import datetime as dt

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from dangjian.learning.exams.actions import do_create_bank, do_create_exam, do_import_questions
    from dangjian.learning.exams.actions import do_publish_exam as publish
    from dangjian.learning.exams.demo import demo_check
    from dangjian.learning.exams.models import Attempt
    from dangjian.learning.lectures.actions import do_create_lecture, do_post_message, do_start_lecture

    root, county, users = build(MEMBERS)
    clients = []
    for user in users:
        c = Client()
        c.force_login(user)
        clients.append(c)

    bank = do_create_bank(county, {"title": "基准题库"}, acting_user=root)
    do_import_questions(bank, demo_check(), acting_user=root)
    now = timezone.now()
    spec = {"single_count": 3, "multiple_count": 2, "true_false_count": 3, "fill_count": 2, "duration_minutes": 30,
            "opens_at": now - dt.timedelta(minutes=1), "closes_at": now + dt.timedelta(days=1)}
    exam = do_create_exam(county, bank, {"title": "预备", **spec}, acting_user=root)
    cold = do_create_exam(county, bank, {"title": "现抽", **spec}, acting_user=root)
    rows = []
    from django.db import transaction
    from django.urls import reverse

    home = reverse("core:member_home")

    t = time.perf_counter()
    with transaction.atomic():
        publish(exam, acting_user=root)
    rows.append({"row": "prepare papers (background task, whole audience)", "ms": (time.perf_counter() - t) * 1000,
                 "attempts": Attempt.objects.filter(exam=exam).count()})
    with transaction.atomic():
        publish(cold, acting_user=root)
    Attempt.objects.filter(exam=cold).delete()

    def starts(e: object) -> dict:
        samples = []
        for c in clients:
            t0 = time.perf_counter()
            r = c.post(f"/learning/exams/{e.pk}/start/")  # type: ignore[attr-defined]
            samples.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 302 and "/attempt/" in r["Location"], r.status_code
        return _percentiles(samples)

    def plain() -> dict:
        samples = []
        for c in clients:
            t0 = time.perf_counter()
            assert c.get(home).status_code == 200
            samples.append((time.perf_counter() - t0) * 1000)
        return _percentiles(samples)

    base = plain()
    rows.append({"row": "plain page GET /me/ (member home), each member once", **base})
    prepared = starts(exam)
    rows.append({"row": "exam start, papers prepared ahead (one conditional UPDATE)", **prepared,
                 "p95_ratio_to_plain": prepared["p95"] / base["p95"]})
    drawn = starts(cold)
    rows.append({"row": "exam start, paper drawn at start (fallback)", **drawn,
                 "p95_ratio_to_plain": drawn["p95"] / base["p95"]})

    lecture = do_create_lecture(county, {"title": "基准党课", "lecturer": "bench-root", "starts_at": now},
                                acting_user=root)
    do_start_lecture(lecture, acting_user=root)
    first = do_post_message(lecture, text="开始", acting_user=root)
    last = first
    for n in range(30):
        last = do_post_message(lecture, text=f"第{n}段：" + "学习" * 40, acting_user=root)
    follower = clients[0]
    url = f"/learning/lectures/{lecture.pk}/feed/"
    empty = timed(lambda: follower.get(url, {"after": last.pk, "v": lecture.version + 1}), RUNS)
    full = timed(lambda: follower.get(url, {"after": first.pk, "v": -1}), RUNS)
    page = timed(lambda: follower.get(home), RUNS)
    rows.append({"row": "plain page GET /me/ (member home, one member, repeated)", **page})
    rows.append({"row": "lecture poll, nothing new", **empty, "p95_ratio_to_plain": empty["p95"] / page["p95"]})
    rows.append({"row": "lecture poll, 30 new messages", **full, "p95_ratio_to_plain": full["p95"] / page["p95"]})
    interval = int(getattr(settings, "LECTURES_POLL_SECONDS", 3)) * 1000
    rows.append({"row": "delivery latency at the poll interval (computed: interval/2 + poll; interval + poll)",
                 "p50": interval / 2 + empty["p50"], "p95": interval * 0.95 + empty["p95"]})
    print(f"{'row':<82} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/plain':>9}")
    for r in rows:
        if "p50" in r:
            print(f"{r['row']:<82} {r['p50']:8.1f} {r['p95']:8.1f} {r.get('max', 0):8.1f} "
                  f"{r.get('p95_ratio_to_plain', 0):9.2f}")
        else:
            print(f"{r['row']:<82} {r['ms']:8.0f} ms for {r['attempts']} attempts")
    emit({"rows": rows, "members": MEMBERS})


if __name__ == "__main__":
    main()
