"""Benchmark (issue 19): the handlers' report list and search at 100,000 reports through the real
HTTP stack (gunicorn), on SQLite or PostgreSQL, with ratios to a plain page of the same table
served by the same gunicorn setup in the same run; and reporters' submissions per second over HTTP
with the proof of work and the production Argon2id.

Database: ``REPORTS_BENCH_DATABASE_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/dj_bench_reports``,
created if missing) or, by default, a private copy of ``make bench``'s seeded SQLite database
(``var/bench/module-reports.sqlite3``; run alone, a fresh migrated file). ``REPORTS`` (100,000)
reports are bulk-inserted over a county and 12 towns (``reports_list.seed``; reused when present).

Servers, on free ports, both gunicorn with ``BENCH_WORKERS`` (3) sync workers, production
settings (DEBUG off):
- the application (``dangjian.wsgi``), with ``REPORTS_SUBMIT_RATE=off`` (the rate limit would
  otherwise stop the load after 10 submissions);
- the **plain page**: the same settings, middleware, session and database, with one extra URL
  whose view returns a count and one page of 50 of the envelope columns in primary-key order as
  JSON (written to a temporary directory) — the same table, its primary-key index, no scoping.

Load: ``CLIENTS`` (8) Python threads with keep-alive connections, each ``PER_CLIENT`` (25)
requests at random pages among the first 200, as the county's discipline officer (a session
cookie); median and p95 (nearest rank), requests/s. Rows:
1. plain page (baseline); 2. list page ``GET /reports/``; 3. list API; 4. search API: kind and a
year of days received; 5. search page: forwarding overdue; 6. search API: part of a number.
Then ``SUBMITTERS`` (4) threads post ``SUBMISSIONS`` (24) reports to ``POST /api/v1/reports``,
each with a fresh challenge solved in Python first (untimed; the browser does the same SHA-256
work with WebCrypto): submissions/s of the whole server, p50/p95.

Prints ``BENCH_JSON {"rows": [...]}`` (``make bench`` collects it). The machine is shared: compare
ratios.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import BENCH_DIR, ROOT, emit, use_private_copy  # noqa: E402

REPORTS = int(os.environ.get("REPORTS", "100000"))
CLIENTS = int(os.environ.get("CLIENTS", "8"))
PER_CLIENT = int(os.environ.get("PER_CLIENT", "25"))
SUBMITTERS = int(os.environ.get("SUBMITTERS", "4"))
SUBMISSIONS = int(os.environ.get("SUBMISSIONS", "24"))

PLAIN_SETTINGS = '''
from dangjian.settings import *  # noqa
ROOT_URLCONF = "reports_plain_urls"
'''
PLAIN_URLS = '''
from django.http import JsonResponse
from django.urls import include, path

from dangjian.reports.models import Report

ENVELOPE = ("id", "number", "state", "kind", "real_name", "received_on", "forward_due", "org_path")


def plain(request):
    page = max(1, int(request.GET.get("page", "1")))
    qs = Report.objects.order_by("id")
    rows = list(qs.values(*ENVELOPE)[(page - 1) * 50:page * 50])
    return JsonResponse({"count": qs.count(), "items": rows}, json_dumps_params={"default": str})


urlpatterns = [path("plain/", plain), path("", include("dangjian.urls"))]
'''


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def load(base: str, paths: list[str], headers: dict[str, str]) -> dict:
    """``CLIENTS`` threads, keep-alive, ``PER_CLIENT`` requests each over ``paths`` (cycled)."""
    host = urlsplit(base)
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
        mine = []
        for i in range(PER_CLIENT):
            path = paths[(offset * PER_CLIENT + i) % len(paths)]
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            mine.append((time.perf_counter() - t) * 1000)
            if resp.status != 200:
                with lock:
                    errors.append(f"{resp.status} {path}")
        conn.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"p50": statistics.median(times), "p95": pct(times, 95), "rps": len(times) / wall, "runs": len(times),
            "errors": len(errors), "first_error": errors[0] if errors else ""}


def submissions(base: str) -> dict:
    """``SUBMISSIONS`` reports posted by ``SUBMITTERS`` threads; the challenges are fetched and
    solved first (untimed: the reporter's browser does that work), then posted together."""
    from dangjian.reports import crypto

    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    bodies = []
    for n in range(SUBMISSIONS):
        conn.request("GET", "/api/v1/reports/challenge?purpose=submit")
        challenge = json.loads(conn.getresponse().read())
        nonce = crypto.solve_pow(challenge["challenge"], int(challenge["bits"]))
        bodies.append(json.dumps({"content": f"基准测试举报内容，第{n}件，某单位负责人违规收受礼金。",
                                  "accused": "某负责人",
                                  "proof": {"challenge": challenge["challenge"], "nonce": nonce}},
                                 ensure_ascii=False).encode())
    conn.close()
    times: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def submitter(k: int) -> None:
        mine = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        for body in bodies[k::SUBMITTERS]:
            t = time.perf_counter()
            mine.request("POST", "/api/v1/reports", body=body, headers={"Content-Type": "application/json"})
            resp = mine.getresponse()
            resp.read()
            with lock:
                times.append((time.perf_counter() - t) * 1000)
                statuses.append(resp.status)
        mine.close()

    threads = [threading.Thread(target=submitter, args=(k,)) for k in range(SUBMITTERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"p50": statistics.median(times), "p95": pct(times, 95), "runs": len(times), "wall_s": wall,
            "per_s": len(times) / wall, "created": statuses.count(201), "other": len(statuses) - statuses.count(201)}


def main() -> None:
    import http_load

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("REPORTS_BENCH_DATABASE_URL", "")
    if url:
        os.environ["DATABASE_URL"] = url
        engine = "PostgreSQL"
        import psycopg

        name = urlsplit(url).path.lstrip("/")
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    else:
        engine = "SQLite"
        os.environ.setdefault("DANGJIAN_VAR_DIR", str(BENCH_DIR))
        if Path(os.environ.get("SQLITE_PATH", "")).is_file():
            use_private_copy("reports")
        else:
            os.environ["SQLITE_PATH"] = str(BENCH_DIR / "module-reports.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    os.environ["REPORTS_SUBMIT_RATE"] = "off"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from reports_list import seed

    from dangjian.reports.models import Report

    officer = seed(REPORTS)
    total = Report.objects.count()
    numbers = list(Report.objects.order_by("?").values_list("number", flat=True)[:20])
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["_auth_user_id"] = str(officer.pk)  # type: ignore[attr-defined]
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = officer.get_session_auth_hash()  # type: ignore[attr-defined]
    session.create()
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}
    connections.close_all()

    tmp = Path(tempfile.mkdtemp(prefix="dj-bench-reports-"))
    (tmp / "reports_plain_settings.py").write_text(PLAIN_SETTINGS)
    (tmp / "reports_plain_urls.py").write_text(PLAIN_URLS)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp)]))
    plain_env = dict(env, DJANGO_SETTINGS_MODULE="reports_plain_settings")
    log = BENCH_DIR / "servers.log"
    rng = random.Random(19)

    def pages(template: str, top: int = 200) -> list[str]:
        return [template.format(page=rng.randrange(1, top + 1)) for _ in range(50)]

    today_year = time.localtime().tm_year
    cases = [
        ("plain page (same table, id order, JSON)", "plain", pages("/plain/?page={page}")),
        ("list page GET /reports/", "app", pages("/reports/?page={page}")),
        ("list API GET /api/v1/reports", "app", pages("/api/v1/reports?page={page}")),
        ("search API: kind + a year received", "app",
         pages(f"/api/v1/reports?kind=integrity&received_from={today_year - 1}-01-01"
               f"&received_to={today_year - 1}-12-31&page={{page}}", 20)),
        ("search page: forwarding overdue", "app", pages("/reports/?overdue=on&state=received&page={page}", 20)),
        ("search API: part of a number", "app", [f"/api/v1/reports?number={n[-6:]}" for n in numbers]),
    ]
    rows: list[dict] = []
    with http_load.gunicorn("dangjian.wsgi:application", env, ROOT, log) as app, \
            http_load.gunicorn("dangjian.wsgi:application", plain_env, ROOT, log) as plain:
        bases = {"app": app, "plain": plain}
        for _name, which, paths in cases:  # warm-up: every worker, every path kind
            load(bases[which], paths[:8], cookie)
        results = {name: load(bases[which], paths, cookie) for name, which, paths in cases}
        sub = submissions(app)
    base_p95 = results[cases[0][0]]["p95"]
    for name, r in results.items():
        rows.append({"name": f"reports {engine}: {name}", "p50": r["p50"], "p95": r["p95"], "rps": r["rps"],
                     "runs": r["runs"], "baseline": cases[0][0], "ratio": r["p95"] / base_p95,
                     "note": f"{CLIENTS} clients, {total} reports, errors {r['errors']} {r['first_error']}".strip()})
    rows.append({"name": f"reports {engine}: POST /api/v1/reports (proof of work, Argon2id "
                         f"{settings.REPORTS_RECEIPT_KDF[0]}×{settings.REPORTS_RECEIPT_KDF[1] // 2**20} MiB)",
                 "p50": sub["p50"], "p95": sub["p95"], "runs": sub["runs"], "rps": sub["per_s"],
                 "baseline": "—", "ratio": None,
                 "note": f"{SUBMITTERS} submitters; 201: {sub['created']}, other {sub['other']}; "
                         f"req/s = submissions/s of the server"})
    print(f"{engine}, {total} reports; gunicorn {http_load.WORKERS} workers; {CLIENTS} clients × {PER_CLIENT}")
    print(f"{'row':<62}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}{'p95 × plain':>13}")
    for r in rows:
        ratio = f"{r['ratio']:.1f}" if r["ratio"] is not None else "—"
        print(f"{r['name']:<62}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['rps']:>8.1f}{ratio:>13}  {r['note']}")
    emit({"rows": rows})


if __name__ == "__main__":
    main()
