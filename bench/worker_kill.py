"""Benchmark: ``kill -9`` of the task worker while the site is under load.

Starts the stack as ``make run`` does (``dangjian.core.supervisor``: gunicorn with 2 workers and a
task worker) on a free 127.0.0.1 port, against a throwaway SQLite database, queues TASKS tasks
(each idempotent, ~50 ms), puts a bounded load of GET requests on the site from CLIENTS threads,
and ``kill -9``s the worker a third of the way through. The supervisor restarts it; the task it was
running (left RUNNING) is taken up again by ``core.tasks.requeue_stale_tasks`` (here with
``TASKS_STALE_AFTER_SECONDS=2``, called directly instead of waiting for the scheduler's minute).

Reports: requests and errors before the kill and in the KILL_WINDOW seconds after it, p95 latency
in both (ratio after/before), the worker's restart, and the tasks: queued, finished, effects
(unique rows written), task starts (a start beyond one per task is a re-run after the kill).

``python bench/worker_kill.py`` (BENCH_KW_TASKS, BENCH_KW_CLIENTS, BENCH_KW_SECONDS override);
run by bench/run.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, PY, ROOT, bench_env, emit, free_port  # noqa: E402

TASKS = int(os.environ.get("BENCH_KW_TASKS", "300"))
CLIENTS = int(os.environ.get("BENCH_KW_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_KW_SECONDS", "24"))
KILL_WINDOW = 5.0
URL_PATH = "/accounts/login/"


def p95(samples: list[float]) -> float:
    if not samples:
        return float("nan")
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, round(0.95 * len(s)) - 1))]


def load(url: str, until: float, out: list[tuple[float, float, bool]]) -> None:
    """GET ``url`` in a loop until ``until``: (start time, seconds, ok) per request."""
    while time.monotonic() < until:
        t = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - 127.0.0.1 only
                resp.read()
                ok = resp.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        out.append((t, time.monotonic() - t, ok))


def wait_http(url: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - 127.0.0.1 only
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url}")


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    env = bench_env("small")
    db = BENCH_DIR / "worker-kill.sqlite3"
    task_log = BENCH_DIR / "worker-kill-tasks.log"
    task_log.unlink(missing_ok=True)
    env.update(SQLITE_PATH=str(db), BENCH_TASK_LOG=str(task_log), TASKS_STALE_AFTER_SECONDS="2",
               TASKS_BACKEND="django_tasks_db.DatabaseBackend", DUES_DEMO_SIMULATOR="0")
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from bench.worker_kill_tasks import bench_job
    from dangjian.core.models import SchedulerTick
    from dangjian.core.supervisor import Service, Supervisor
    from dangjian.core.tasks import requeue_stale_tasks

    DBTaskResult.objects.all().delete()
    SchedulerTick.objects.filter(job="bench.worker_kill").delete()

    port = free_port()
    lines: list[str] = []
    worker = Service("worker", [PY, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.1",
                                "--no-startup-delay", "--no-reload", "-v", "0"])
    web = Service("web", [PY, "-m", "gunicorn", "dangjian.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                          "--log-level", "warning"], essential=True)
    sup = Supervisor([web, worker], cwd=ROOT, env=env, log=lambda line: (lines.append(line), print(line)))
    sup.start()
    stop = threading.Event()
    try:
        url = f"http://127.0.0.1:{port}{URL_PATH}"
        wait_http(url)
        for n in range(TASKS):
            bench_job.enqueue(n)
        supervising = threading.Thread(target=lambda: [(sup.step(), time.sleep(0.1)) for _ in iter(stop.is_set, True)])
        supervising.start()
        results: list[tuple[float, float, bool]] = []
        started = time.monotonic()
        clients = [threading.Thread(target=load, args=(url, started + SECONDS, results)) for _ in range(CLIENTS)]
        for c in clients:
            c.start()
        # kill -9 the worker a third of the way through, while it is running a task
        time.sleep(SECONDS / 3)
        while not DBTaskResult.objects.running().exists() and time.monotonic() < started + SECONDS / 2:
            time.sleep(0.01)
        killed_pid = worker.proc.pid
        killed_at = time.monotonic()
        os.kill(killed_pid, signal.SIGKILL)
        left_running = None
        deadline = time.monotonic() + 10
        while left_running is None and time.monotonic() < deadline:
            time.sleep(0.05)
            left_running = DBTaskResult.objects.running().values_list("pk", flat=True).first()
        for c in clients:
            c.join()
        # the row the killed worker left RUNNING: taken up again after the (bench's 2 s) timeout
        time.sleep(2.5)
        swept = requeue_stale_tasks()
        deadline = time.monotonic() + 120
        while DBTaskResult.objects.exclude(status="SUCCESSFUL").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        sup.shutdown()

    before = [r for r in results if r[0] < killed_at]
    window = [r for r in results if killed_at <= r[0] < killed_at + KILL_WINDOW]
    after_all = [r for r in results if r[0] >= killed_at]
    starts = [int(x) for x in task_log.read_text().split()]
    rows = DBTaskResult.objects.filter(task_path="bench.worker_kill_tasks.bench_job")
    data = {
        "requests": len(results), "errors": sum(not ok for *_, ok in results),
        "before": {"requests": len(before), "errors": sum(not ok for *_, ok in before),
                   "p95_ms": p95([d for _, d, _ in before]) * 1000},
        "window": {"seconds": KILL_WINDOW, "requests": len(window), "errors": sum(not ok for *_, ok in window),
                   "p95_ms": p95([d for _, d, _ in window]) * 1000},
        "after_errors": sum(not ok for *_, ok in after_all),
        "worker_restarts": worker.restarts, "restart_log": [x for x in lines if x.startswith("[run] worker")],
        "tasks": {"queued": TASKS, "successful": rows.filter(status="SUCCESSFUL").count(),
                  "not_finished": rows.exclude(status="SUCCESSFUL").count(),
                  "effects": SchedulerTick.objects.filter(job="bench.worker_kill").count(),
                  "starts": len(starts), "distinct_started": len(set(starts)),
                  "left_running_by_kill": 1 if left_running else 0, "swept": swept,
                  "claimed_twice": sum(1 for ids in rows.values_list("worker_ids", flat=True) if len(ids) > 1)},
    }
    data["p95_ratio_window_to_before"] = data["window"]["p95_ms"] / data["before"]["p95_ms"]
    t = data["tasks"]
    print(f"\nkill -9 of the task worker under load ({CLIENTS} clients, {SECONDS:g} s, GET {URL_PATH}):")
    print(f"  before the kill: {data['before']['requests']} requests, {data['before']['errors']} errors, "
          f"p95 {data['before']['p95_ms']:.1f} ms")
    print(f"  {KILL_WINDOW:g} s after it:  {data['window']['requests']} requests, {data['window']['errors']} errors, "
          f"p95 {data['window']['p95_ms']:.1f} ms  (ratio to before: {data['p95_ratio_window_to_before']:.2f})")
    print(f"  worker restarted {worker.restarts}×: {'; '.join(data['restart_log'])}")
    print(f"  tasks: {t['queued']} queued, {t['successful']} finished, {t['effects']} effects written "
          f"(exactly once each: {t['effects'] == t['queued'] and t['successful'] == t['queued']}), "
          f"{t['starts']} starts for {t['distinct_started']} tasks, {t['claimed_twice']} re-run after the kill "
          f"(sweep: {swept})")
    emit({"rows": [
        {"name": "kill -9 worker: site p95 in the 5 s after / before", "p95": data["window"]["p95_ms"],
         "baseline": f"{data['before']['p95_ms']:.1f} ms before", "ratio": data["p95_ratio_window_to_before"]},
        {"name": f"kill -9 worker: errors ({data['errors']} of {data['requests']} requests)", "p95": None},
        {"name": f"kill -9 worker: tasks run once ({t['effects']} effects / {t['queued']} queued)",
         "ratio": t["effects"] / t["queued"]},
    ], "detail": data})


if __name__ == "__main__":
    main()
