"""Benchmark (issue 4): monthly dues bill generation and the branch ledger of a 50,000-member committee.

In a private copy of the seeded county database (50,000 members, ≈2,000 organizations):

1. Bases: ``dues.actions.do_import_bases`` (the product's bulk action) is timed on a sample of
   ``DUES_BENCH_IMPORT_SAMPLE`` (300) members; every other current member whose registry category
   needs a base (in service, retired, other — farmers, students and the unemployed pay a flat
   amount without one) gets an approved base for this year with ``bulk_create``, the same rows the
   action writes (source ``import``, status ``approved``, income breakdown = the base) — the action
   does ≈5 writes per member plus an audit event and is too slow for benchmark setup.
2. Generation: ``do_generate_bills`` for all members for three months (two months ago, last month,
   this month; the product's own action, timed: rows/s), then again for this month (must create
   nothing: the idempotent re-run, timed).
3. Payments: ``DUES_BENCH_PAID_SHARE`` (60 %) of this month's due bills are settled in bulk as cash
   payments (one ``Payment`` per member with its bill link, the bill marked paid, as
   ``do_record_offline_payment`` leaves them; 1 in 50 with voluntary extra dues).
   Also the insert step alone, A/B in the same run: ``bulk_create(ignore_conflicts)`` (the former
   path) against the multi-row ``INSERT … ON CONFLICT DO NOTHING`` the action now uses.
4. Ledger, as ``demo-admin`` (county admin) for the county root and this month (rows: the root's
   children with their subtrees rolled up): the selector
   ``dues.selectors.branch_month_ledger`` and the page ``/dues/manage/ledger/`` through Django's
   test client. Baseline in the same run: the same totals as one plain SQL aggregate over
   ``dues_bill`` (checked equal to the ledger's totals).

Optional (only when ``BENCH_PG_URL`` is set, e.g. ``postgresql://postgres@127.0.0.1:5432``): the
database ``dangjian_bench_dues`` is (re)created there, migrated and seeded with
``seed_demo --scale county`` (reused if it already holds members and ``BENCH_REUSE=1``), bases are
given the same way and generation is timed twice there too.

1,000,000 members (``DUES_BENCH_MILLION=0`` skips it): ``bench/dues_million.py`` multiplies the
seeded county ×``DUES_BENCH_FACTOR`` (20) with set-based ``INSERT … SELECT`` into
``var/bench/dues-million.sqlite3`` and, with ``BENCH_PG_URL``, ``dangjian_bench_dues_million`` (a
template copy of the county database above); both are reused with ``BENCH_REUSE=1``. On each: the
month's bills deleted, a plain ``INSERT … SELECT`` of one bill per current member timed (the
baseline: the database's own speed into ``dues_bill``), then ``do_generate_bills`` and its re-run.
``DUES_BENCH_INDEX_AB=1`` also times the plain insert with the four bill indexes migration 0006
dropped, interleaved with the indexes now.

Prints ``BENCH_JSON {"rows": [...]}``. Absolute times are noisy (2 shared cores, other
benchmarks running at the same time); compare the ratios.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, PY, ROOT, emit, parse_emitted, setup_django, timed, use_private_copy  # noqa: E402

RUNS = max(20, int(os.environ.get("BENCH_RUNS", "15")))
IMPORT_SAMPLE = int(os.environ.get("DUES_BENCH_IMPORT_SAMPLE", "300"))
PAID_SHARE = float(os.environ.get("DUES_BENCH_PAID_SHARE", "0.6"))
PG_DB = "dangjian_bench_dues"
PG_MILLION_DB = "dangjian_bench_dues_million"
#: the 1,000,000-member part (``DUES_BENCH_MILLION=0`` skips it): the county ×factor
MILLION = os.environ.get("DUES_BENCH_MILLION", "1") != "0"
MILLION_FACTOR = int(os.environ.get("DUES_BENCH_FACTOR", "20"))
#: ``DUES_BENCH_INDEX_AB=1``: also the 1M plain insert with the bill indexes migration 0006 dropped, A/B
INDEX_AB = os.environ.get("DUES_BENCH_INDEX_AB") == "1"
FORMER_INDEXES = (
    "CREATE INDEX dues_bill_former_member ON dues_bill (member_id)",
    "CREATE INDEX dues_bill_former_month_status ON dues_bill (month, status)",
    "CREATE INDEX dues_bill_former_payment ON dues_bill (payment_id)",
    "CREATE INDEX dues_bill_former_relief ON dues_bill (relief_id)",
)
BASES = (280000, 450000, 510000, 760000, 1230000, 320000, 615000)
NEEDS_BASE = {"in_service": "in_service", "retired": "retired", "other": "in_service"}

BASELINE_SQL = """
SELECT COUNT(*) FILTER (WHERE status <> 'exempt'),
       COALESCE(SUM(amount_cents), 0),
       COUNT(*) FILTER (WHERE status = 'paid'),
       COALESCE(SUM(amount_cents) FILTER (WHERE status = 'paid'), 0),
       COUNT(*) FILTER (WHERE status = 'exempt'),
       COUNT(DISTINCT organization_id)
  FROM dues_bill WHERE org_path LIKE %s AND month = %s
"""


def _this_month() -> dt.date:
    from dangjian.dues.billing import current_month

    return current_month()


# --- setup ---------------------------------------------------------------------------------------

def give_bases(admin, *, sample: int) -> dict:
    """Approved bases for every current member who needs one: ``sample`` through the product's
    ``do_import_bases`` (timed), the rest with ``bulk_create`` of the same rows."""
    from django.db import transaction

    from dangjian.dues import BaseSource, BaseStatus
    from dangjian.dues.actions import do_import_bases
    from dangjian.dues.models import DuesBase
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member

    year = _this_month().year
    rng = random.Random(4)
    have = set(DuesBase.objects.filter(year=year, status=BaseStatus.APPROVED).values_list("member_id", flat=True))
    todo = list(Member.objects.filter(status__in=list(CURRENT_STATUSES), category__in=list(NEEDS_BASE))
                .exclude(pk__in=have).order_by("pk").values_list("pk", "category", "org_path"))
    out = {"needing": len(todo) + len(have), "sample": 0, "import_s": 0.0}
    if sample and todo:
        ids = [pk for pk, _c, _p in todo[:sample]]
        members = {m.pk: m for m in Member.objects.filter(pk__in=ids).select_related("person", "organization")}
        rows = []
        for pk, cat, _path in todo[:sample]:
            cents = rng.choice(BASES)
            rows.append((members[pk], {"year": year, "effective_month": 1, "category": NEEDS_BASE[cat],
                                       "income_breakdown": [{"item": "基本工资", "cents": cents}]}))
        t = time.perf_counter()
        do_import_bases(rows, acting_user=admin, filename="bench.xlsx")
        out["import_s"] = time.perf_counter() - t
        out["sample"] = len(rows)
        todo = todo[sample:]
    t = time.perf_counter()
    objs = []
    for pk, cat, path in todo:
        cents = rng.choice(BASES)
        objs.append(DuesBase(member_id=pk, org_path=path, year=year, effective_month=1, category=NEEDS_BASE[cat],
                             base_cents=cents, income_breakdown=[{"item": "基本工资", "cents": cents}],
                             status=BaseStatus.APPROVED, source=BaseSource.IMPORT, submitted_by=admin,
                             reviewed_by=admin))
    with transaction.atomic():
        DuesBase.objects.bulk_create(objs, batch_size=2000)
    out["bulk"] = len(objs)
    out["bulk_s"] = time.perf_counter() - t
    return out


def pay_in_bulk(month: dt.date, admin, share: float) -> dict:
    """Settle ``share`` of the month's due bills as cash payments, written in bulk."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.dues import BillStatus, PaymentChannel, PaymentStatus
    from dangjian.dues.models import Bill, Payment

    rng = random.Random(44)
    bills = [b for b in Bill.objects.filter(month=month, status=BillStatus.DUE).order_by("pk")
             .values_list("pk", "member_id", "org_path", "amount_cents") if rng.random() < share]
    now = timezone.now()
    stamp = now.strftime("%Y%m%d%H%M%S")
    t = time.perf_counter()
    pays = []
    for i, (_pk, member_id, path, cents) in enumerate(bills):
        vol = 100000 if i % 500 == 0 else (2000 if i % 50 == 0 else 0)
        pays.append(Payment(out_trade_no=f"DJ{stamp}{i:012d}", member_id=member_id, org_path=path,
                            channel=PaymentChannel.CASH, status=PaymentStatus.PAID, amount_cents=cents + vol,
                            voluntary_cents=vol, large_voluntary=vol >= 100000, months_label=f"{month:%Y-%m}",
                            created_by=admin, created_at=now, paid_at=now))
    with transaction.atomic():
        made = Payment.objects.bulk_create(pays, batch_size=2000)
        through = Payment.bills.through
        through.objects.bulk_create([through(payment_id=p.pk, bill_id=b[0]) for p, b in zip(made, bills, strict=True)],
                                    batch_size=5000)
        with connection.cursor() as cur:
            cur.executemany("UPDATE dues_bill SET status = %s, payment_id = %s, paid_at = %s WHERE id = %s",
                            [(BillStatus.PAID, p.pk, connection.ops.adapt_datetimefield_value(now), b[0])
                             for p, b in zip(made, bills, strict=True)])
    return {"paid": len(made), "s": time.perf_counter() - t}


def time_generation(month: dt.date) -> tuple[float, object]:
    from dangjian.dues.actions import do_generate_bills

    t = time.perf_counter()
    result = do_generate_bills(month)
    return time.perf_counter() - t, result


def _members_total() -> int:
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member

    return Member.objects.filter(status__in=list(CURRENT_STATUSES)).count()


def insert_ab(month: dt.date, rounds: int = 2) -> list[dict]:
    """The insert step alone, same rows, same database, interleaved: ``bulk_create(ignore_conflicts)``
    (the former path) against ``_insert_bills`` (multi-row INSERT … ON CONFLICT DO NOTHING, 1,000 rows a statement).
    Rows: one bill per current member for ``month`` (deleted after each run)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.dues.actions import _insert_bills
    from dangjian.dues.models import Bill
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member

    members = list(Member.objects.filter(status__in=list(CURRENT_STATUSES)).values_list(
        "pk", "organization_id", "org_path"))
    ops = connection.ops
    db_month, db_now = ops.adapt_datefield_value(month), ops.adapt_datetimefield_value(timezone.now())
    raw = [(pk, org, path, db_month, "in_service", 510000, 7650, "bench", None, "due", db_now)
           for pk, org, path in members]
    times: dict[str, list[float]] = {"bulk": [], "exec": []}
    for _round in range(rounds):
        for kind in ("bulk", "exec"):
            Bill.objects.filter(month=month).delete()
            t = time.perf_counter()
            if kind == "bulk":
                objs = [Bill(member_id=r[0], organization_id=r[1], org_path=r[2], month=month, category=r[4],
                             base_cents=r[5], amount_cents=r[6], basis=r[7], status=r[9]) for r in raw]
                with transaction.atomic():
                    Bill.objects.bulk_create(objs, ignore_conflicts=True, batch_size=1000)
            else:
                for i in range(0, len(raw), 2000):  # the chunk do_generate_bills uses
                    _insert_bills(raw[i:i + 2000])
            times[kind].append(time.perf_counter() - t)
    Bill.objects.filter(month=month).delete()
    bulk, exe = min(times["bulk"]), min(times["exec"])
    n = len(raw)
    return [
        {"name": f"insert {n:,} bills: bulk_create(ignore_conflicts) (former path)", "p50": bulk * 1000,
         "p95": max(times["bulk"]) * 1000, "runs": rounds, "baseline": "—", "ratio": 1.0,
         "note": f"{n / bulk:,.0f} rows/s (best of {rounds}, interleaved)"},
        {"name": f"insert {n:,} bills: multi-row INSERT … ON CONFLICT DO NOTHING (now)", "p50": exe * 1000,
         "p95": max(times["exec"]) * 1000, "runs": rounds, "baseline": "bulk_create, same run",
         "ratio": exe / bulk if bulk else 0.0, "note": f"{n / exe:,.0f} rows/s (best of {rounds}, interleaved)"},
    ]


# --- main (SQLite) ---------------------------------------------------------------------------------

def main() -> None:
    seeded = os.environ["SQLITE_PATH"]  # the seeded county, before the private copy
    use_private_copy("dues")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a reused (BENCH_REUSE) database follows the code's schema
    from django.db import connection
    from django.test import Client

    from dangjian.core.models import User
    from dangjian.dues.billing import add_months
    from dangjian.dues.selectors import branch_month_ledger
    from dangjian.orgs.models import Organization

    rows: list[dict] = []
    admin_pk = User.objects.get(username="demo-admin").pk

    def fresh_admin() -> User:  # a request's user is fresh: no cached memberships or scopes
        return User.objects.get(pk=admin_pk)

    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    current = _members_total()
    bases = give_bases(fresh_admin(), sample=IMPORT_SAMPLE)
    if bases["sample"]:
        rate = bases["sample"] / bases["import_s"]
        rows.append({"name": f"do_import_bases, {bases['sample']} members (setup sample)",
                     "p50": bases["import_s"] * 1000, "p95": bases["import_s"] * 1000, "runs": 1,
                     "baseline": "bulk_create of the same rows", "ratio": rate and (bases["bulk"] / bases["bulk_s"]) / rate,
                     "note": f"{rate:,.0f} bases/s through the action vs {bases['bulk'] / bases['bulk_s']:,.0f}/s "
                             f"bulk_create ({bases['bulk']:,} rows); {bases['needing']:,} members need a base"})

    this = _this_month()
    months = [add_months(this, -2), add_months(this, -1), this]
    gen = []
    for m in months:
        secs, res = time_generation(m)
        gen.append((secs, res))
    first = sorted(s for s, _r in gen)
    res = gen[-1][1]
    created = res.created  # type: ignore[attr-defined]
    med = first[1]
    rate = created / gen[-1][0] if gen[-1][0] else 0.0
    again_s, again = time_generation(this)
    total_bills = sum(r.created for _s, r in gen)  # type: ignore[attr-defined]
    rows.append({"name": f"do_generate_bills, one month, {current:,} current members (SQLite)",
                 "p50": med * 1000, "p95": first[-1] * 1000, "runs": len(gen),
                 "baseline": "—", "ratio": 1.0,
                 "note": f"{created:,} bills created ({rate:,.0f} bills/s); {total_bills:,} over 3 months; "
                         f"missing base {res.missing_base:,}, not billable {res.not_billable:,}; "  # type: ignore[attr-defined]
                         f"1M members ≈ {1_000_000 / current * med:,.0f} s linear (goal < 60 s)"})
    rows.append({"name": "do_generate_bills again, same month (idempotent re-run, SQLite)",
                 "p50": again_s * 1000, "p95": again_s * 1000, "runs": 1,
                 "baseline": "first run", "ratio": again_s / gen[-1][0],
                 "note": f"created {again.created} (must be 0), existing {again.existing:,}; "  # type: ignore[attr-defined]
                         f"1M ≈ {1_000_000 / current * again_s:,.0f} s"})

    rows.extend(insert_ab(add_months(this, -3)))
    paid = pay_in_bulk(this, fresh_admin(), PAID_SHARE)

    like = root.path + "%"
    month_param = connection.ops.adapt_datefield_value(this)

    def plain_sql() -> tuple:
        with connection.cursor() as cur:
            cur.execute(BASELINE_SQL, [like, month_param])
            return cur.fetchone()

    sql = timed(plain_sql, RUNS)
    due_count, due_cents, paid_count, paid_cents, exempt_count, n_orgs = plain_sql()
    ledger = branch_month_ledger(fresh_admin(), root, this)
    tot = ledger.total
    same = (tot.due_count, tot.due_cents, tot.paid_count, tot.paid_cents, tot.exempt_count) == \
        (due_count, due_cents, paid_count, paid_cents, exempt_count)
    rows.append({"name": "ledger totals as one plain SQL aggregate (baseline)", "p50": sql["p50"], "p95": sql["p95"],
                 "runs": RUNS, "baseline": "—", "ratio": 1.0,
                 "note": f"{due_count:,} billed, {paid_count:,} paid ({paid['paid']:,} payments written in bulk), "
                         f"{n_orgs:,} organizations with bills"})
    sel = timed(lambda: branch_month_ledger(fresh_admin(), root, this), RUNS)
    rows.append({"name": "dues.selectors.branch_month_ledger (county root, 50k)", "p50": sel["p50"], "p95": sel["p95"],
                 "runs": RUNS, "baseline": "plain SQL aggregate", "ratio": sel["p50"] / sql["p50"],
                 "note": f"{len(ledger.rows):,} rows (children of the root, subtrees rolled up; "
                         f"{n_orgs:,} organizations with bills); same totals as the SQL: {'yes' if same else 'NO'}"})

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(fresh_admin())
    url = f"/dues/manage/ledger/?org={root.pk}&month={this:%Y-%m}"
    status: list[int] = []
    size: list[int] = []

    def page() -> None:
        resp = client.get(url, secure=True)
        status.append(resp.status_code)
        size.append(len(resp.content))

    pg = timed(page, RUNS)
    rows.append({"name": "ledger page /dues/manage/ledger/ (county root, test client)", "p50": pg["p50"],
                 "p95": pg["p95"], "runs": RUNS, "baseline": "plain SQL aggregate", "ratio": pg["p50"] / sql["p50"],
                 "note": f"HTTP {sorted(set(status))}, {size[-1] / 1024:.0f} KB, goal p95 < 200 ms"})

    if os.environ.get("BENCH_PG_URL"):
        try:
            rows.extend(run_pg(os.environ["BENCH_PG_URL"], sqlite_rate=rate))
        except Exception as exc:  # the optional part never breaks the SQLite figures
            rows.append({"name": "PostgreSQL generation", "p50": 0.0, "p95": 0.0, "runs": 0, "baseline": "—",
                         "ratio": 0.0, "note": f"skipped: {type(exc).__name__}: {str(exc)[:200]}"})
    if MILLION:
        try:
            rows.extend(run_million_sqlite(seeded))
        except Exception as exc:
            rows.append({"name": "1M generation (SQLite)", "p50": 0.0, "p95": 0.0, "runs": 0, "baseline": "—",
                         "ratio": 0.0, "note": f"failed: {type(exc).__name__}: {str(exc)[:300]}"})
        if os.environ.get("BENCH_PG_URL"):
            try:
                rows.extend(run_million_pg(os.environ["BENCH_PG_URL"]))
            except Exception as exc:
                rows.append({"name": "1M generation (PostgreSQL)", "p50": 0.0, "p95": 0.0, "runs": 0,
                             "baseline": "—", "ratio": 0.0, "note": f"failed: {type(exc).__name__}: {str(exc)[:300]}"})
    emit({"rows": rows})


# --- optional: PostgreSQL ---------------------------------------------------------------------------

def run_pg(server_url: str, *, sqlite_rate: float) -> list[dict]:
    import psycopg

    server_url = server_url.rstrip("/")
    db_url = f"{server_url}/{PG_DB}"
    env = dict(os.environ, DATABASE_URL=db_url)
    env.pop("SQLITE_PATH", None)
    reuse = False
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
        if exists and os.environ.get("BENCH_REUSE"):
            reuse = True
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    t = time.perf_counter()
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if not reuse:
        subprocess.run([PY, "manage.py", "seed_demo", "--scale", "county", "--if-empty"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
    setup_s = time.perf_counter() - t
    out = subprocess.run([PY, __file__, "--pg-child"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    data = parse_emitted(out.stdout)
    first, again, n = data["first_s"], data["again_s"], data["members"]
    rate = data["created"] / first if first else 0.0
    return [
        {"name": f"do_generate_bills, one month, {n:,} current members (PostgreSQL)", "p50": first * 1000,
         "p95": first * 1000, "runs": 1, "baseline": "SQLite run (time PG ÷ SQLite)", "ratio": (sqlite_rate / rate) if rate else 0.0,
         "note": f"{data['created']:,} bills ({rate:,.0f} bills/s); 1M ≈ {1_000_000 / n * first:,.0f} s linear; "
                 f"database {'reused' if reuse else 'created, migrated and seeded'} in {setup_s:.0f} s"},
        {"name": "do_generate_bills again, same month (PostgreSQL)", "p50": again * 1000, "p95": again * 1000,
         "runs": 1, "baseline": "first run", "ratio": again / first if first else 0.0,
         "note": f"created {data['created_again']} (must be 0); 1M ≈ {1_000_000 / n * again:,.0f} s"},
    ]


def pg_child() -> None:
    """Runs with DATABASE_URL pointing at the PostgreSQL bench database."""
    setup_django()
    from dangjian.core.models import User
    from dangjian.dues.models import Bill

    admin = User.objects.get(username="demo-admin")
    give_bases(admin, sample=0)
    this = _this_month()
    Bill.objects.filter(month=this).exclude(payment__isnull=False).delete()  # a clean month when reused
    first, res = time_generation(this)
    again, res2 = time_generation(this)
    emit({"first_s": first, "again_s": again, "created": res.created,  # type: ignore[attr-defined]
          "created_again": res2.created, "members": _members_total()})  # type: ignore[attr-defined]


# --- 1,000,000 members: the county ×20 (bench/dues_million.py), generation measured for real -----------

def _child(args: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run([PY, __file__, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    sys.stderr.write(out.stderr[-3000:])
    return parse_emitted(out.stdout)


def _marker(name: str) -> Path:
    return BENCH_DIR / f"{name}.built.json"


def run_million_sqlite(seeded: str) -> list[dict]:
    """``var/bench/dues-million.sqlite3``: the seeded county database copied, given its bases and
    multiplied ×``DUES_BENCH_FACTOR`` (reused with ``BENCH_REUSE=1`` once built), then measured."""
    import json
    import shutil
    import sqlite3

    dst = BENCH_DIR / "dues-million.sqlite3"
    env = dict(os.environ, SQLITE_PATH=str(dst))
    marker = _marker(dst.stem)
    built = json.loads(marker.read_text()) if os.environ.get("BENCH_REUSE") and marker.exists() and dst.exists() else None
    if built is None:
        marker.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(dst) + suffix).unlink(missing_ok=True)
        with sqlite3.connect(seeded) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        t = time.perf_counter()
        shutil.copyfile(seeded, dst)
        built = _child(["--million-build"], env)
        built["wall_s"] = round(time.perf_counter() - t, 1)
        marker.write_text(json.dumps(built))
        built["fresh"] = True
    else:  # a reused database follows the code's schema (e.g. the bill indexes)
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return _million_rows("SQLite", built, _child(["--million-measure"], env))


def run_million_pg(server_url: str) -> list[dict]:
    """``dangjian_bench_dues_million``: a copy (``CREATE DATABASE … TEMPLATE``) of the county
    database ``run_pg`` made, given its bases and multiplied the same way; reused with ``BENCH_REUSE=1``."""
    import json

    import psycopg

    server_url = server_url.rstrip("/")
    env = dict(os.environ, DATABASE_URL=f"{server_url}/{PG_MILLION_DB}")
    env.pop("SQLITE_PATH", None)
    marker = _marker(PG_MILLION_DB)
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_MILLION_DB]).fetchone()
        built = json.loads(marker.read_text()) if os.environ.get("BENCH_REUSE") and marker.exists() and exists else None
        if built is None:
            marker.unlink(missing_ok=True)
            t = time.perf_counter()
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_MILLION_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_MILLION_DB}" TEMPLATE "{PG_DB}"')
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if built is None:
        built = _child(["--million-build"], env)
        built["wall_s"] = round(time.perf_counter() - t, 1)
        marker.write_text(json.dumps(built))
        built["fresh"] = True
    return _million_rows("PostgreSQL", built, _child(["--million-measure"], env))


def _million_rows(db: str, built: dict, m: dict) -> list[dict]:
    n, first, again, base = m["members"], m["first_s"], m["again_s"], m["baseline_s"]
    setup = (f"database built in this run in {built['wall_s']:.0f} s (copy ×{built['factor']}: "
             f"{built['seconds']:.0f} s)" if built.get("fresh") else
             f"database reused (built in {built['wall_s']:.0f} s, copy ×{built['factor']} {built['seconds']:.0f} s)")
    split = m["split"]
    ab = m.get("index_ab") or {}
    extra = []
    if ab.get("former"):
        former, now = min(ab["former"]), min(ab["now"])
        extra.append({"name": f"1M: plain INSERT … SELECT with the 9 former bill indexes vs the 5 now ({db})",
                      "p50": former * 1000, "p95": max(ab["former"]) * 1000, "runs": len(ab["former"]),
                      "baseline": "same insert, indexes now", "ratio": former / now,
                      "note": f"best of {len(ab['former'])} interleaved: former {former:.1f} s, now {now:.1f} s "
                              f"(runs {', '.join(f'{x:.1f}' for x in ab['former'])} / "
                              f"{', '.join(f'{x:.1f}' for x in ab['now'])} s)"})
    return extra + [
        {"name": f"1M: plain INSERT … SELECT of {m['baseline_rows']:,} bill rows ({db}, baseline)",
         "p50": base * 1000, "p95": base * 1000, "runs": 1, "baseline": "—", "ratio": 1.0,
         "note": f"{m['baseline_rows'] / base:,.0f} rows/s, the database's own speed into dues_bill with its "
                 f"indexes; load {m['load']['baseline']}; {setup}"},
        {"name": f"1M: do_generate_bills, one month, {n:,} current members ({db})", "p50": first * 1000,
         "p95": first * 1000, "runs": 1, "baseline": "plain INSERT … SELECT", "ratio": first / base,
         "note": f"{m['created']:,} bills ({m['created'] / first:,.0f} bills/s), goal < 60 s: "
                 f"{'met' if first < 60 else 'NOT met'}; missing base {m['missing']:,}, not billable "
                 f"{m['skipped']:,}; inside execute(): INSERT {split['insert_s']:.1f} s, SELECT {split['read_s']:.1f} s "
                 f"(SQLite computes a SELECT's rows as they are fetched: in the rest), rest "
                 f"{first - split['read_s'] - split['insert_s']:.1f} s; load {m['load']['first']}"},
        {"name": f"1M: do_generate_bills again, same month ({db}, idempotent re-run)", "p50": again * 1000,
         "p95": again * 1000, "runs": 1, "baseline": "first run", "ratio": again / first,
         "note": f"created {m['created_again']} (must be 0), existing {m['existing_again']:,}; load {m['load']['again']}"},
    ]


def million_build() -> None:
    setup_django()
    sys.path.insert(0, os.path.dirname(__file__))
    from dues_million import multiply

    from dangjian.core.models import User

    bases = give_bases(User.objects.get(username="demo-admin"), sample=0)
    out = multiply(MILLION_FACTOR)
    out["bases_given"] = bases["bulk"]
    emit(out)


def _load() -> str:
    return "{:.1f}/{:.1f}/{:.1f}".format(*os.getloadavg())


def million_measure() -> None:
    """Baseline, then the month's generation and its re-run, in one process; the month's bills are
    deleted before and after (not timed), so the cached database holds none."""
    setup_django()
    from django.db import connection
    from django.utils import timezone

    from dangjian.members import CURRENT_STATUSES

    this = _this_month()
    ops = connection.ops

    def clear() -> None:
        with connection.cursor() as cur:
            cur.execute("DELETE FROM dues_bill WHERE month = %s", [ops.adapt_datefield_value(this)])
            if connection.vendor == "postgresql":
                cur.execute("VACUUM ANALYZE dues_bill")
            else:
                cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    clear()
    statuses = list(CURRENT_STATUSES)
    load: dict[str, str] = {}
    placeholders = ", ".join(["%s"] * len(statuses))
    baseline_sql = (
        "INSERT INTO dues_bill (member_id, organization_id, org_path, month, category, base_cents, amount_cents, "  # noqa: S608
        "basis, relief_id, status, created_at) SELECT id, organization_id, org_path, %s, 'in_service', 510000, "
        f"7650, 'baseline', NULL, 'due', %s FROM members_member WHERE status IN ({placeholders}) "
        "ON CONFLICT (member_id, month) DO NOTHING")
    def baseline() -> tuple[float, int]:
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(baseline_sql, [ops.adapt_datefield_value(this),
                                       ops.adapt_datetimefield_value(timezone.now()), *statuses])
            rows = cur.rowcount
        secs = time.perf_counter() - t
        clear()
        return secs, rows

    index_ab: dict[str, list[float]] = {"former": [], "now": []}
    if INDEX_AB:  # the plain insert with the four indexes migration 0006 dropped, interleaved
        for _round in range(2):
            with connection.cursor() as cur:
                for sql in FORMER_INDEXES:
                    cur.execute(sql)
            index_ab["former"].append(baseline()[0])
            with connection.cursor() as cur:
                for name in ("dues_bill_former_member", "dues_bill_former_month_status", "dues_bill_former_payment",
                             "dues_bill_former_relief"):
                    cur.execute(f"DROP INDEX {name}")
            index_ab["now"].append(baseline()[0])
    load["baseline"] = _load()
    baseline_s, baseline_rows = baseline()

    split = {"read_s": 0.0, "insert_s": 0.0}

    def timing(execute, sql, params, many, context):  # noqa: ANN001, ANN202
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            split["insert_s" if sql.lstrip().upper().startswith("INSERT") else "read_s"] += time.perf_counter() - t0

    load["first"] = _load()
    with connection.execute_wrapper(timing):
        first_s, res = time_generation(this)
    load["again"] = _load()
    again_s, res2 = time_generation(this)
    members = _members_total()
    clear()
    emit({"members": members, "baseline_s": baseline_s, "baseline_rows": baseline_rows, "first_s": first_s,
          "created": res.created, "missing": res.missing_base, "skipped": res.not_billable,  # type: ignore[attr-defined]
          "again_s": again_s, "created_again": res2.created, "existing_again": res2.existing,  # type: ignore[attr-defined]
          "split": split, "load": load, "index_ab": index_ab})


if __name__ == "__main__":
    if "--million-build" in sys.argv:
        million_build()
    elif "--million-measure" in sys.argv:
        million_measure()
    elif "--pg-child" in sys.argv:
        pg_child()
    else:
        main()
