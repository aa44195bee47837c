"""Benchmark: audited writes per second with 8 concurrent writers, one audit chain against eight.

Each writer is a process doing a real audited action in a loop (``orgs.actions.do_update_organization``
on an organization of its own: permission check, one transaction, the audit record, commit), for a
fixed number of seconds. Two runs on the same database, one after the other:

- **one chain** (the baseline: what every write paid before chains were split): the eight writers'
  organizations all sit under one top-level organization, so every write appends to the same
  chain and waits for its head row;
- **8 chains**: each writer's organization sits under a different top-level organization, so the
  writers lock eight different chain heads.

On SQLite writing transactions run one at a time whatever the chains, so the ratio stays ≈ 1 there;
PostgreSQL shows the difference. PostgreSQL is used when ``BENCH_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/dangjian_bench_audit``) is reachable; the database is created
if missing and reused (migrated) otherwise. SQLite uses ``var/bench/audit-writes.sqlite3``.

    .venv/bin/python bench/audit_writes.py [--seconds 5] [--writers 8] [--backends sqlite,postgresql]

Prints a table: writes/s per backend for each run and the ratio (8 chains / one chain), then checks
that every chain still verifies.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, PY, ROOT, bench_env, emit, parse_emitted, setup_django  # noqa: E402

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/dangjian_bench_audit")
PREFIX = "基准审计"


# --- the child: one backend, both runs ----------------------------------------------------------

def _orgs(writers: int) -> tuple[object, dict[str, list]]:
    """The superuser and, per run, one organization per writer (created once, reused)."""
    from dangjian.core.models import User
    from dangjian.orgs.actions import do_create_organization
    from dangjian.orgs.models import Organization

    root = User.objects.filter(username="bench-audit").first() or User.objects.create_superuser(
        "bench-audit", "bench-audit@example.com", "bench-audit-password-1")

    def top(n: int) -> Organization:
        name = f"{PREFIX}省委员会{n}"
        return (Organization.objects.filter(depth=1, name=name).first()
                or do_create_organization(None, {"name": name, "kind": "committee"}, acting_user=root))

    def child(parent: Organization, name: str) -> Organization:
        return (Organization.objects.filter(path__startswith=parent.path, depth=2, name=name).first()
                or do_create_organization(parent, {"name": name, "kind": "committee"}, acting_user=root))

    tops = [top(n) for n in range(writers)]
    one = [child(tops[0], f"{PREFIX}同链委员会{n}") for n in range(writers)]
    spread = [child(tops[n], f"{PREFIX}分链委员会{n}") for n in range(writers)]
    return root, {"one chain": one, "8 chains": spread}


def _writer(org_pk: int, root_pk: int, start: float, seconds: float, out) -> None:  # pragma: no cover - child process
    from django.db import connections

    from dangjian.core.models import User
    from dangjian.orgs.actions import do_update_organization
    from dangjian.orgs.models import Organization

    connections.close_all()
    root = User.objects.get(pk=root_pk)
    org = Organization.objects.get(pk=org_pk)
    while time.time() < start:
        time.sleep(0.001)
    end = start + seconds
    done = 0
    while time.time() < end:
        do_update_organization(org, {"address": f"{PREFIX}路 {os.getpid()}-{done}"}, acting_user=root)
        done += 1
    out.put(done)
    connections.close_all()


def _run(orgs: list, root_pk: int, seconds: float) -> float:
    import multiprocessing as mp

    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start = time.time() + 1.5  # every writer set up and waiting
    procs = [ctx.Process(target=_writer, args=(o.pk, root_pk, start, seconds, out)) for o in orgs]
    for p in procs:
        p.start()
    total = sum(out.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def child(writers: int, seconds: float) -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from dangjian.core import audit
    from dangjian.core.models import AuditEvent

    call_command("migrate", verbosity=0)
    root, runs = _orgs(writers)
    result: dict = {"vendor": connection.vendor, "writers": writers, "seconds": seconds}
    for name, orgs in runs.items():
        result[name] = _run(orgs, root.pk, seconds)
    connection.connect()
    result["problems"] = [str(p) for p in audit.verify_chain()]
    result["events"] = AuditEvent.objects.count()
    emit(result)


# --- the parent: one child per backend, the table ---------------------------------------------

def _pg_available() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    base, _, name = PG_URL.rpartition("/")
    try:
        with psycopg.connect(base + "/postgres", autocommit=True, connect_timeout=3) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.writers, args.seconds)
        return
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    rows = []
    for backend in args.backends.split(","):
        env = bench_env("audit")
        if backend == "sqlite":
            env["SQLITE_PATH"] = str(BENCH_DIR / "audit-writes.sqlite3")
        elif backend == "postgresql":
            if not _pg_available():
                print(f"postgresql: {PG_URL} not reachable, skipped")
                continue
            env["DATABASE_URL"] = PG_URL
        else:
            parser.error(f"unknown backend {backend!r}")
        proc = subprocess.run([PY, __file__, "--child", "--writers", str(args.writers), "--seconds", str(args.seconds)],
                              env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode:
            print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
            raise SystemExit(f"{backend}: benchmark failed")
        rows.append(parse_emitted(proc.stdout))
    print(f"\naudited writes/s, {args.writers} concurrent writers (processes), {args.seconds:g} s per run, "
          "do_update_organization")
    print(f"{'backend':<12}{'one chain':>12}{'8 chains':>12}{'ratio':>8}  chains verify")
    for r in rows:
        ratio = r["8 chains"] / r["one chain"] if r["one chain"] else float("nan")
        ok = "ok" if not r["problems"] else "BROKEN: " + "; ".join(r["problems"])
        print(f"{r['vendor']:<12}{r['one chain']:>12.0f}{r['8 chains']:>12.0f}{ratio:>7.2f}×  "
              f"{ok} ({r['events']} events)")


if __name__ == "__main__":
    main()
