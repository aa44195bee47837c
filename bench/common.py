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
