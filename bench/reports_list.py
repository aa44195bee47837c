"""Benchmark (issue 19): the handler's report list at 100,000 reports against a plain indexed page
of the same table; submissions per second (with the proof of work); the cost of one receipt check.

Run alone (not one of ``make bench``'s ``module_*`` scripts)::

    .venv/bin/python bench/reports_list.py                 # migrates var/bench/reports.sqlite3 first (≈1.5 min)
    BENCH_REUSE=1 .venv/bin/python bench/reports_list.py   # reuses it (and its reports)
    REPORTS=20000 SUBMISSIONS=10 .venv/bin/python bench/reports_list.py

Setup, untimed: a throwaway SQLite database (``var/bench/reports.sqlite3``, production settings,
DEBUG off), a county with 12 towns, a discipline officer of the county with a key, and
``REPORTS`` (default 100,000) reports bulk-inserted with random kinds, states, days and levels —
their ciphertext columns hold random bytes of a realistic size (the list never reads them; it
must not either), and each has a wrapped key for the officer.

Rows (``REQUESTS`` timed requests each, default 60, at random pages of 50; Django's test client
in process, the whole view or API stack; median and p95, nearest rank):

1. ``plain page``: baseline — ``Report.objects.order_by("id")`` values of the envelope columns,
   a count and one page at a random offset: the same table, its primary-key index, no scoping;
2. ``list page``: ``GET /reports/`` as the officer: scoping, exclusion, the "has my key" flag,
   real-name first, the page rendered;
3. ``list API``: ``GET /api/v1/reports?page=N``;
4. ``list API, state``: the same with ``state=accepted``.

Then, with the production Argon2id figures (settings.py's defaults):

5. ``submit``: ``SUBMISSIONS`` (default 20) reports through ``do_submit_report`` one after the
   other (Argon2id 3 × 64 MiB for the receipt, SealedBoxes, the wrapped key) → submissions/s of
   one process; plus the proof of work at ``REPORTS_POW_BITS`` solved in Python (hashlib) — the
   browser does the same number of SHA-256 with WebCrypto — and checked by the server;
6. ``receipt check``: ``open_with_receipt`` of a right code and of a wrong one (time), and the
   peak resident memory of a fresh Python process before and after one receipt Argon2id run.

Prints a table and ``BENCH_JSON {...}``. Ratios are against row 1 of the same run.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import BENCH_DIR, bench_env, emit  # noqa: E402

REPORTS = int(os.environ.get("REPORTS", "100000"))
REQUESTS = int(os.environ.get("REQUESTS", "60"))
SUBMISSIONS = int(os.environ.get("SUBMISSIONS", "20"))
DB = BENCH_DIR / "reports.sqlite3"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def _kdf_memory(ops: int, mem: int) -> tuple[int, int]:
    """Peak resident KiB (VmHWM) of a fresh Python process before and after one receipt Argon2id run."""
    import subprocess

    hwm = "int([ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1])"
    code = (f"import nacl.pwhash as p; r = {hwm}; "
            f"p.argon2id.kdf(32, b'0' * 28, b'0' * 16, opslimit={ops}, memlimit={mem}); "
            f"print(r, {hwm})")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def seed(n: int) -> object:
    """A county with 12 towns, its discipline officer with a key, and ``n`` reports (bulk, random
    envelope, random ciphertext of a realistic size, a wrapped key each for the officer); returns
    the officer. Tops an existing database up to ``n``."""
    from dangjian.core.actions import do_create_user, do_grant_role
    from dangjian.core.models import User
    from dangjian.core.roles import Role
    from dangjian.orgs.actions import do_create_organization
    from dangjian.orgs.models import Organization
    from dangjian.reports import actions as act
    from dangjian.reports import crypto
    from dangjian.reports.choices import ReportKind, State
    from dangjian.reports.models import Report, ReportAccess

    root_user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("bench-root", "", "x")
    county = Organization.objects.filter(depth=1).first()
    if county is None:
        county = do_create_organization(None, {"name": "中共基准县委员会", "kind": "committee"}, acting_user=root_user)
        for t in range(12):
            do_create_organization(county, {"name": f"中共基准{t}镇委员会", "kind": "committee"}, acting_user=root_user)
    towns = list(Organization.objects.filter(depth=2))
    officer = User.objects.filter(username="bench-discipline").first()
    if officer is None:
        officer = do_create_user(username="bench-discipline", password=None, name="基准纪检",
                                 acting_user=root_user)
        do_grant_role(officer, Role.DISCIPLINE, county, acting_user=root_user)
        act.do_create_staff_key("bench passphrase", acting_user=User.objects.get(pk=officer.pk),
                                kdf=crypto.TEST_KDF)
    officer = User.objects.get(pk=officer.pk)
    public = bytes(officer.report_key.public_key)

    have = Report.objects.count()
    if have < n:
        t0 = time.perf_counter()
        rng = random.Random(19)
        states = [State.RECEIVED, State.ACCEPTED, State.DISPOSING, State.CLOSED, State.OUT_OF_SCOPE]
        batch: list[Report] = []
        import datetime as dt

        from django.utils import timezone

        day0 = timezone.localdate()

        for i in range(have, n):
            org = county if i % 4 == 0 else towns[i % len(towns)]
            day = day0 - dt.timedelta(days=rng.randrange(0, 1500))
            batch.append(Report(
                number=f"JB-BENCH-{i:07d}", organization=org, org_path=org.path, kind=rng.choice(ReportKind.values),
                real_name=rng.random() < 0.3, state=rng.choice(states), received_on=day,
                forward_due=day + dt.timedelta(days=7), public_key=os.urandom(32), identity_public_key=os.urandom(32),
                content_box=os.urandom(600), accused_box=os.urandom(80), place_box=os.urandom(80),
                receipt_lookup=os.urandom(32), receipt_box=os.urandom(72)))
            if len(batch) == 5000:
                made = Report.objects.bulk_create(batch)
                ReportAccess.objects.bulk_create([ReportAccess(report=r, user=officer,
                                                               wrapped_key=crypto.wrap_key(os.urandom(32), public))
                                                  for r in made])
                batch = []
        if batch:
            made = Report.objects.bulk_create(batch)
            ReportAccess.objects.bulk_create([ReportAccess(report=r, user=officer,
                                                           wrapped_key=crypto.wrap_key(os.urandom(32), public))
                                              for r in made])
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"inserted {n - have} reports in {time.perf_counter() - t0:.1f} s", flush=True)
    return officer


def main() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("BENCH_REUSE") and DB.exists():
        DB.unlink()
    os.environ.update(bench_env("reports"))
    os.environ["SQLITE_PATH"] = str(DB)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.test import Client

    from dangjian.reports import actions as act
    from dangjian.reports import conf, crypto, throttle
    from dangjian.reports.models import Report

    officer = seed(REPORTS)
    total = Report.objects.count()
    pages = max(1, total // 50)
    client = Client()
    client.force_login(officer)
    rng = random.Random(7)

    def timed(run: object) -> list[float]:
        out = []
        for _i in range(REQUESTS):
            page = rng.randrange(1, min(pages, 200) + 1)
            t = time.perf_counter()
            run(page)  # type: ignore[operator]
            out.append((time.perf_counter() - t) * 1000)
        return out

    envelope = ("id", "uuid", "number", "state", "kind", "real_name", "received_on", "forward_due", "org_path")

    def plain(page: int) -> None:
        qs = Report.objects.order_by("id")
        qs.count()
        list(qs.values(*envelope)[(page - 1) * 50:page * 50])

    def list_page(page: int) -> None:
        r = client.get(f"/reports/?page={page}")
        assert r.status_code == 200, r.status_code

    def list_api(page: int) -> None:
        r = client.get(f"/api/v1/reports?page={page}")
        assert r.status_code == 200 and len(r.json()["items"]) == 50, r.content[:200]

    def list_api_state(page: int) -> None:
        r = client.get(f"/api/v1/reports?state=accepted&page={max(1, page // 5)}")
        assert r.status_code == 200, r.status_code

    for run in (plain, list_page, list_api, list_api_state):  # warm-up
        run(1)
    rows = {}
    for name, run in (("plain page", plain), ("list page", list_page), ("list API", list_api),
                      ("list API, state", list_api_state)):
        times = timed(run)
        rows[name] = {"median_ms": round(statistics.median(times), 1), "p95_ms": round(pct(times, 95), 1)}
    base = rows["plain page"]["p95_ms"]
    print(f"{total} reports, {REQUESTS} requests per row, random pages of 50 among the first 200")
    print(f"{'row':<18}{'median ms':>10}{'p95 ms':>9}{'p95 × plain':>13}")
    for name, r in rows.items():
        print(f"{name:<18}{r['median_ms']:>10}{r['p95_ms']:>9}{r['p95_ms'] / base:>13.1f}")

    # submissions with the production Argon2id (settings.py) and the proof of work
    from django.contrib.auth.models import AnonymousUser

    kdf = conf.receipt_kdf()
    bits = conf.pow_bits()
    t = time.perf_counter()
    first = act.do_submit_report({"content": "基准测试举报内容，第一件。"}, acting_user=AnonymousUser())
    first_s = time.perf_counter() - t
    rss0, rss1 = _kdf_memory(kdf.ops, kdf.mem)
    pow_times, submit_times = [], []
    for n in range(SUBMISSIONS):
        challenge = throttle.new_challenge("submit")
        t = time.perf_counter()
        nonce = crypto.solve_pow(str(challenge["challenge"]), bits)
        pow_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert throttle.check_proof("submit", str(challenge["challenge"]), nonce)
        act.do_submit_report({"content": f"基准测试举报内容，第{n + 2}件，某单位负责人违规。", "accused": "某负责人"},
                             acting_user=AnonymousUser())
        submit_times.append(time.perf_counter() - t)
    check_right, check_wrong = [], []
    for _i in range(10):
        t = time.perf_counter()
        assert act.open_with_receipt(first.receipt_code) is not None
        check_right.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assert act.open_with_receipt("0" * 28) is None
        check_wrong.append((time.perf_counter() - t) * 1000)
    per_s = 1 / statistics.median(submit_times)
    print(f"\nreceipt Argon2id: {kdf.ops} passes × {kdf.mem // 2**20} MiB; proof of work: {bits} bits")
    print(f"submit (server side, one process): median {statistics.median(submit_times) * 1000:.0f} ms "
          f"→ {per_s:.1f} submissions/s per process (first one {first_s * 1000:.0f} ms)")
    print(f"proof of work solved in Python: median {statistics.median(pow_times) * 1000:.0f} ms, "
          f"max {max(pow_times) * 1000:.0f} ms")
    print(f"receipt check: right code median {statistics.median(check_right):.0f} ms, wrong code median "
          f"{statistics.median(check_wrong):.0f} ms; peak RSS of a fresh process {rss0 // 1024} MiB → "
          f"{rss1 // 1024} MiB after one check")
    emit({"bench": "reports_list", "reports": total, "rows": rows,
          "submit_ms_median": round(statistics.median(submit_times) * 1000, 1), "submissions_per_s": round(per_s, 2),
          "pow_ms_median": round(statistics.median(pow_times) * 1000, 1),
          "receipt_check_ms": round(statistics.median(check_right), 1),
          "receipt_check_wrong_ms": round(statistics.median(check_wrong), 1),
          "rss_mib_before_after": [rss0 // 1024, rss1 // 1024], "receipt_kdf": [kdf.ops, kdf.mem]})


if __name__ == "__main__":
    main()
