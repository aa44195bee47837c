"""Shared helpers for the benchmarks: the throwaway environment, free ports, JSON hand-off."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PY = sys.executable

SCALES = {
    # name: (seed_demo arguments, human label)
    "county": (["--scale", "county"], "county scale: ≈2,000 organizations, 50,000 members"),
    "million": (["--scale", "province", "--members", "1000000"], "1,000,000 members (20 counties, ≈39,000 organizations)"),
    "small": (["--scale", "small"], "small scale: ≈40 organizations, 600 members (smoke run)"),
}


def bench_env(scale: str) -> dict[str, str]:
    """Environment for every subprocess: a throwaway SQLite file and var dir under var/bench/,
    production-like settings (DEBUG off, hashed static files)."""
    env = dict(os.environ)
    env.update(
        DANGJIAN_VAR_DIR=str(BENCH_DIR),
        SQLITE_PATH=str(BENCH_DIR / f"bench-{scale}.sqlite3"),
        STATIC_ROOT=str(BENCH_DIR / "staticfiles"),
        DJANGO_SETTINGS_MODULE="dangjian.settings",
        DJANGO_DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("DATABASE_URL", None)  # always SQLite here
    return env


def setup_django() -> None:
    """For scripts run as subprocesses with ``bench_env``: make Django importable and set up."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def emit(data: dict) -> None:
    """Hand a result to run.py: one line ``BENCH_JSON {...}`` on stdout."""
    print("BENCH_JSON " + json.dumps(data, ensure_ascii=False), flush=True)


def parse_emitted(text: str) -> dict:
    for line in reversed(text.splitlines()):
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise ValueError("no BENCH_JSON line in output:\n" + text[-2000:])


def use_private_copy(name: str) -> Path:
    """For a module benchmark that adds data of its own (2,000 branches' activities, 100,000
    cases …): copy the seeded database to ``var/bench/module-<name>.sqlite3`` and point this
    process at the copy, so the shared seeded database stays as seeded. Call before
    ``setup_django()``."""
    import shutil
    import sqlite3

    src = Path(os.environ["SQLITE_PATH"])
    dst = BENCH_DIR / f"module-{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    with sqlite3.connect(src) as conn:  # fold the WAL into the main file first
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(src, dst)
    os.environ["SQLITE_PATH"] = str(dst)
    return dst


def timed(fn, runs: int, warmup: int = 1) -> dict:
    """Run ``fn`` ``warmup`` times untimed, then ``runs`` times; milliseconds: p50, p95, min, max."""
    import statistics
    import time

    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, max(0, round(0.95 * len(samples)) - 1))]
    return {"p50": statistics.median(samples), "p95": p95, "min": samples[0], "max": samples[-1], "runs": runs}


class CountQueries:
    """Counts the SQL statements run inside the block (also across the request's own connection
    handling, where ``CaptureQueriesContext`` loses them: ``request_started`` resets its log)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.n += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> CountQueries:
        from django.db import connection

        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.n
