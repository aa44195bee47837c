"""Benchmark (issue 15): the full set of year-end statistics tables (党内统计, every table and every
cross-check) for the root of the seeded demo data, against one plain ``COUNT(*)`` of the members
measured in the same run.

Not part of ``make bench``'s module run (it is not named ``module_*``); run it by hand::

    BENCH_SCALE=county  .venv/bin/python bench/stats_tables.py   # 50,000 members (target < 5 s)
    BENCH_SCALE=million .venv/bin/python bench/stats_tables.py   # 1,000,000 members (target < 60 s)

It uses the database ``make bench`` seeds (``var/bench/bench-<scale>.sqlite3``, the demo generator
through ``seed_demo``): seeded here when missing (or with ``BENCH_RESEED=1``), otherwise only
migrated. Timed in-process (``common.timed``: p50/p95 after one warm-up, ``BENCH_RUNS`` runs,
default 5): ``stats.tables.compute_tables(root, 31 December of last year)`` for the root and, at the
million scale, for one county; ``GET /stats/tables/`` as ``demo-admin`` (the same tables rendered,
with the drill-down links); the baseline ``Member.objects.count()``. Also printed: the queries each
took, and which contract figures are not registered (their cells are "—" and cost nothing, so a run
without them measures less than the real tables).

Prints a table and ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import PY, ROOT, SCALES, CountQueries, bench_env, emit, setup_django, timed  # noqa: E402

CONTRACT = ["members.total", "members.joined", "members.left", "orgs.total", "orgs.branches", "orgs.terms_due",
            "development.activists", "development.candidates", "development.admitted", "development.overdue"]


def prepare(scale: str, env: dict[str, str]) -> None:
    db = Path(env["SQLITE_PATH"])
    db.parent.mkdir(parents=True, exist_ok=True)

    def sh(*args: str) -> None:
        subprocess.run([PY, "manage.py", *args], env=env, cwd=ROOT, check=True)

    if db.exists() and os.environ.get("BENCH_RESEED") != "1":
        print(f"Reusing {db.relative_to(ROOT)} (BENCH_RESEED=1 seeds it again)", flush=True)
        sh("migrate", "--noinput", "-v0")
        sh("collectstatic", "--noinput", "-v0")
        return
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    sh("migrate", "--noinput", "-v0")
    print(f"Seeding: seed_demo {' '.join(SCALES[scale][0])} …", flush=True)
    sh("seed_demo", *SCALES[scale][0])
    sh("collectstatic", "--noinput", "-v0")


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "county")
    if scale not in SCALES:
        sys.exit(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    env = bench_env(scale)
    prepare(scale, env)
    os.environ.update(env)
    setup_django()
    from django.test import Client

    from dangjian.core import stats
    from dangjian.core.models import User
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization
    from dangjian.stats import tables as T

    runs = int(os.environ.get("BENCH_RUNS", "5"))
    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    from django.utils import timezone

    as_of = T.default_as_of(timezone.localdate())
    missing = [k for k in CONTRACT if stats.get_figure(k) is None]
    rows: list[dict] = []

    members = Member.objects.count()
    base = timed(lambda: Member.objects.count(), runs * 4)
    rows.append({"name": f"baseline: Member.objects.count() ({members:,} rows)", "p50": base["p50"],
                 "p95": base["p95"], "runs": base["runs"], "baseline": "—", "ratio": 1.0, "note": "1 query"})

    def tables_row(name: str, org: Organization) -> None:
        with CountQueries() as q:
            result = T.compute_tables(org.path, as_of)
        t = timed(lambda: T.compute_tables(org.path, as_of), runs)
        cells = sum(len(r.table.refs()) for r in result.tables)
        failed = [c.check.key for c in result.failed]
        rows.append({"name": name, "p50": t["p50"], "p95": t["p95"], "runs": t["runs"],
                     "baseline": "COUNT(*) members (p50)", "ratio": t["p50"] / base["p50"],
                     "note": f"{q.n} queries for {cells} cells and {len(result.checks)} checks; "
                             f"{len(failed)} checks fail ({', '.join(failed) or 'none'})"})

    tables_row(f"year-end tables, root {root.name} as of {as_of}", root)
    if scale == "million":
        county = (Organization.objects.filter(depth=root.depth + 1, path__startswith=root.path,
                                              name__endswith="县委员会").order_by("path").first())
        if county is not None:
            tables_row(f"year-end tables, one county {county.name}", county)

    admin = User.objects.filter(username="demo-admin").first()
    if admin is not None:
        client = Client(HTTP_HOST="localhost")
        client.force_login(admin)
        url = f"/stats/tables/?org={root.pk}&date={as_of:%Y-%m-%d}"

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        with CountQueries() as q:
            size = len(client.get(url).content)
        t = timed(page, runs)
        rows.append({"name": "GET /stats/tables/ (root, demo-admin)", "p50": t["p50"], "p95": t["p95"],
                     "runs": t["runs"], "baseline": "COUNT(*) members (p50)", "ratio": t["p50"] / base["p50"],
                     "note": f"{q.n} queries, {size / 1024:.0f} KB"})

    print(f"\nYear-end statistics tables — {SCALES[scale][1]} — {members:,} members")
    if missing:
        print(f"Not registered (cells shown “—”, not computed): {', '.join(missing)}")
    print(f"{'benchmark':<64} {'p50 ms':>9} {'p95 ms':>9} {'× COUNT(*)':>11}  note")
    for r in rows:
        print(f"{r['name'][:64]:<64} {r['p50']:>9.1f} {r['p95']:>9.1f} {r['ratio']:>11.1f}  {r['note']}")
    emit({"rows": rows, "missing_figures": missing, "members": members, "as_of": as_of.isoformat()})


if __name__ == "__main__":
    main()
