"""Benchmark (issue 7): the supervision board over 100,000 open cases, and opinion intake under load.

1. Board: in a private copy of the seeded database, the demo departments are topped up to
   ``CASES_BENCH_DEPTS`` (60) county departments and 100,000 open cases are bulk-created over them
   (deadlines spread from 25 days overdue to 40 days ahead, so red, yellow and green all occur,
   with their "assigned" timeline step, as ``do_assign_case`` writes). Then, in-process as
   ``demo-admin`` (county admin): the product's ``cases.selectors.board``, the board page
   ``/cases/board/`` through Django's test client, and the first page of
   ``GET /api/v1/cases?overdue=1`` (bearer token). Baseline in the same run: the same
   red/yellow/green counts as one plain SQL query (checked equal to the board's).
2. Intake: the application under gunicorn (3 sync workers, bench env, ``OPINION_RATE_LIMIT=off``)
   and ``wrk`` with 200 connections posting a valid JSON opinion to ``POST /api/v1/opinions``
   (``bench/module_cases_post.lua``). Zero lost: every tracking number answered with 201 must be
   in the database, and the count of opinions after minus before must be at least the number of
   201 answers. Baselines in the same run, on the same gunicorn setup: the bare Django view of
   ``bench/baseline_app`` (GET, 6 KB) and the same bare project with one CSRF-exempt POST view that
   parses the JSON body and answers 201 (written to a temporary directory by this script).

Prints ``BENCH_JSON {"rows": [...]}``. Absolute times are noisy (2 shared cores, other benchmarks
running at the same time); compare the ratios.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, ROOT, emit, parse_emitted, setup_django, timed, use_private_copy  # noqa: E402

HERE = Path(__file__).resolve().parent
N_CASES = int(os.environ.get("CASES_BENCH_CASES", "100000"))
N_DEPTS = int(os.environ.get("CASES_BENCH_DEPTS", "60"))
RUNS = max(20, int(os.environ.get("BENCH_RUNS", "15")))
SUBMITTERS = int(os.environ.get("CASES_BENCH_SUBMITTERS", "200"))
DURATION = int(os.environ.get("BENCH_DURATION", "12"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
SOLO = int(os.environ.get("BENCH_SOLO_DURATION", "5"))

BUREAUS = (
    "县发展和改革局", "县教育局", "县科学技术局", "县工业和信息化局", "县公安局", "县司法局", "县财政局",
    "县人力资源和社会保障局", "县自然资源局", "县生态环境局", "县水利局", "县农业农村局", "县商务局",
    "县文化和旅游局", "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局", "县市场监督管理局",
    "县统计局", "县医疗保障局", "县林业局", "县信访局", "县城市管理局", "县行政审批服务局", "县供销社",
    "县融媒体中心", "县消防救援大队", "县税务局", "县供电公司", "县自来水公司", "县邮政分公司",
)


# --- 1. the supervision board ----------------------------------------------------------------------

def seed_cases() -> dict:
    """Top the departments up to N_DEPTS and bulk-create N_CASES open cases (+ their assigned step)."""
    from django.db import transaction
    from django.utils import timezone

    from dangjian.cases import OPEN_STATES, CaseCategory, EventKind
    from dangjian.cases.models import Case, CaseEvent, Department
    from dangjian.core.models import User
    from dangjian.orgs.models import Organization

    t0 = time.perf_counter()
    admin = User.objects.get(username="demo-admin")
    root = Organization.get_root_nodes().first()
    assert root is not None, "no organizations: seed first"
    depts = list(Department.objects.filter(is_active=True).order_by("pk"))
    names = {d.name for d in depts}
    extra = []
    i = 0
    while len(depts) + len(extra) < N_DEPTS:
        name = BUREAUS[i] if i < len(BUREAUS) else f"县第{i + 1}办案部门"
        i += 1
        if name not in names:
            extra.append(Department(name=name, organization=root, org_path=root.path))
    with transaction.atomic():
        depts += Department.objects.bulk_create(extra)
        now = timezone.now()
        today = timezone.localdate(now)
        rng = random.Random(7)
        cats = [c for c in CaseCategory.values if c != CaseCategory.INCIDENT]
        batch = 5000
        for start in range(0, N_CASES, batch):
            cases = []
            for n in range(start, min(N_CASES, start + batch)):
                dept = depts[rng.randrange(len(depts))]
                cat = cats[n % len(cats)]
                due = today + dt.timedelta(days=rng.randint(-25, 40))
                assigned = now - dt.timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 1440))
                cases.append(Case(
                    number=f"AJ{today.year}-B{n + 1:07d}", title=f"压测案件 {n + 1}", summary="批量生成的压测案件。",
                    source_kind="opinion", source_id=None, category=cat, state=OPEN_STATES[n % len(OPEN_STATES)],
                    lead_department=dept, org_path=dept.org_path, deadline_days=10, deadline=due,
                    assigned_at=assigned, created_by=admin, created_at=assigned,
                ))
            Case.objects.bulk_create(cases)
            CaseEvent.objects.bulk_create([
                CaseEvent(case=c, at=c.assigned_at, kind=EventKind.ASSIGNED, actor=admin, department=c.lead_department,
                          text=f"Assigned to {c.lead_department.name}; reply due by {c.deadline.isoformat()}.")
                for c in cases])
    # no ANALYZE: the product never runs it, so the planner works without statistics as in production
    return {"seconds": time.perf_counter() - t0, "departments": len(depts)}


BASELINE_SQL = """
SELECT lead_department_id,
       SUM(CASE WHEN deadline < %s OR due_at < %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT (deadline < %s OR COALESCE(due_at < %s, 0)) AND deadline <= %s THEN 1 ELSE 0 END),
       SUM(CASE WHEN NOT (deadline < %s OR COALESCE(due_at < %s, 0)) AND deadline > %s THEN 1 ELSE 0 END)
FROM cases_case WHERE state IN (%s, %s, %s) AND lead_department_id IN ({}) GROUP BY lead_department_id
"""


def board_benchmarks(rows: list[dict]) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from dangjian.cases import OPEN_STATES, rules
    from dangjian.cases.models import Department
    from dangjian.cases.selectors import board
    from dangjian.core import workdays
    from dangjian.core.actions import do_issue_api_token
    from dangjian.core.models import User

    admin_pk = User.objects.get(username="demo-admin").pk

    def fresh_admin() -> User:  # a request's user is fresh: no cached memberships or scopes
        return User.objects.get(pk=admin_pk)

    now = timezone.now()
    today = timezone.localdate(now)
    soon = workdays.add_workdays(today, rules.due_soon_workdays())
    d, n, s = today.isoformat(), connection.ops.adapt_datetimefield_value(now), soon.isoformat()

    dept_ids = list(Department.objects.filter(is_active=True).values_list("pk", flat=True))
    baseline_sql = BASELINE_SQL.format(", ".join(["%s"] * len(dept_ids)))

    def plain_sql() -> dict[int, tuple[int, int, int]]:
        with connection.cursor() as cur:
            cur.execute(baseline_sql, [d, n, d, n, s, d, n, s, *OPEN_STATES, *dept_ids])
            return {r[0]: (r[1], r[2], r[3]) for r in cur.fetchall()}

    sql = timed(plain_sql, RUNS)
    expected = plain_sql()
    got = board(fresh_admin(), now=now)
    same = all(expected.get(r.department_id, (0, 0, 0)) == (r.red, r.yellow, r.green) for r in got) and \
        {k for k, v in expected.items() if sum(v)} <= {r.department_id for r in got}
    red, yellow, green = (sum(v[i] for v in expected.values()) for i in range(3))
    counts = f"{len(got)} departments, red {red:,} / yellow {yellow:,} / green {green:,}"
    rows.append({"name": "board counts as one plain SQL query (baseline)", "p50": sql["p50"], "p95": sql["p95"],
                 "runs": RUNS, "baseline": "—", "ratio": 1.0, "note": counts})
    sel = timed(lambda: board(fresh_admin(), now=now), RUNS)
    rows.append({"name": "cases.selectors.board (county admin)", "p50": sel["p50"], "p95": sel["p95"], "runs": RUNS,
                 "baseline": "plain SQL counts", "ratio": sel["p50"] / sql["p50"],
                 "note": f"same counts as the SQL: {'yes' if same else 'NO'}"})

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(fresh_admin())
    page_status: list[int] = []
    page_size: list[int] = []

    def page() -> None:
        resp = client.get("/cases/board/", secure=True)
        page_status.append(resp.status_code)
        page_size.append(len(resp.content))

    pg = timed(page, RUNS)
    rows.append({"name": "board page /cases/board/ (test client, session)", "p50": pg["p50"], "p95": pg["p95"],
                 "runs": RUNS, "baseline": "plain SQL counts", "ratio": pg["p50"] / sql["p50"],
                 "note": f"HTTP {sorted(set(page_status))}, {page_size[-1] / 1024:.1f} KB, goal p95 < 300 ms"})

    token = do_issue_api_token(fresh_admin())
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    api_status: list[int] = []
    api_count: list[int] = []

    def overdue() -> None:
        resp = api.get("/api/v1/cases", {"overdue": "1"}, secure=True)
        api_status.append(resp.status_code)
        if resp.status_code == 200:
            api_count.append(resp.json()["count"])

    ov = timed(overdue, RUNS)
    rows.append({"name": "GET /api/v1/cases?overdue=1 first page (bearer)", "p50": ov["p50"], "p95": ov["p95"],
                 "runs": RUNS, "baseline": "plain SQL counts", "ratio": ov["p50"] / sql["p50"],
                 "note": f"HTTP {sorted(set(api_status))}, count {api_count[-1] if api_count else '?'} "
                         f"(SQL red {red:,}), 25 rows"})


# --- 2. opinion intake under load -----------------------------------------------------------------

BARE_POST = '''"""Bare Django with one CSRF-exempt POST view (written by bench/module_cases.py)."""
import json

from baseline_app.settings import *  # noqa: F403
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

ROOT_URLCONF = "cases_bare_post"


@csrf_exempt
def post(request):
    if request.method != "POST":
        return JsonResponse({"detail": "POST only"}, status=405)
    data = json.loads(request.body)
    return JsonResponse({"tracking_no": "YJ00000000-%04d" % len(data.get("title", ""))}, status=201)


urlpatterns = [path("", post)]
'''


def wrk_post(url: str, connections: int, duration: int, track_file: Path) -> dict:
    import http_load

    cmd = ["wrk", f"-t{min(http_load.THREADS, connections)}", f"-c{connections}", f"-d{duration}s", "--latency",
           "--timeout", "10s", "-s", str(HERE / "module_cases_post.lua"), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=dict(os.environ, CASES_TRACK_FILE=str(track_file)))
    data = parse_emitted(out.stdout)
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["errors"] = sum(data[k] for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts"))
    return data


def _settled_count() -> int:
    """Opinions in the database once the server has finished the requests still in flight."""
    from dangjian.opinions.models import Opinion

    last, stable_since = -1, time.time()
    deadline = time.time() + 15
    while time.time() < deadline:
        c = Opinion.objects.count()
        if c != last:
            last, stable_since = c, time.time()
        elif time.time() - stable_since > 1.5:
            break
        time.sleep(0.3)
    return last


def intake_benchmarks(rows: list[dict]) -> None:
    import http_load
    from django.db import connections

    from dangjian.opinions.models import Opinion

    env = dict(os.environ, OPINION_RATE_LIMIT="off")  # SQLITE_PATH already points at the private copy
    connections.close_all()
    log = BENCH_DIR / "servers.log"
    tmp = Path(tempfile.mkdtemp(prefix="dj-bench-cases-"))
    (tmp / "cases_bare_post.py").write_text(BARE_POST)
    bare_env = dict(env, DJANGO_SETTINGS_MODULE="baseline_app.settings",
                    PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]))
    post_env = dict(env, DJANGO_SETTINGS_MODULE="cases_bare_post",
                    PYTHONPATH=os.pathsep.join([str(tmp), str(HERE), str(ROOT)]))
    track = tmp / "numbers.txt"
    with http_load.gunicorn("baseline_app.wsgi:application", bare_env, HERE, log) as bare, \
            http_load.gunicorn("baseline_app.wsgi:application", post_env, HERE, log) as bare_post, \
            http_load.gunicorn("dangjian.wsgi:application", env, ROOT, log) as app:
        url = f"{app}/api/v1/opinions"
        # warm-up (8 connections) and the service time of one submitter alone
        wrk_post(url, 8, WARMUP, track)
        solo = wrk_post(url, 1, SOLO, track)
        before = _settled_count()
        connections.close_all()
        load = wrk_post(url, SUBMITTERS, DURATION, track)
        after = _settled_count()
        numbers = [line for line in track.read_text().splitlines() if line]
        found = 0
        for i in range(0, len(numbers), 500):
            found += Opinion.objects.filter(tracking_no__in=numbers[i:i + 500]).count()
        connections.close_all()
        distinct = len(set(numbers))
        # baselines, same gunicorn setup, same 200 connections
        http_load.wrk(f"{bare}/", {}, duration=WARMUP, connections=8)
        get_base = http_load.wrk(f"{bare}/", {}, duration=DURATION, connections=SUBMITTERS)
        wrk_post(f"{bare_post}/", 8, WARMUP, tmp / "bare.txt")
        post_base = wrk_post(f"{bare_post}/", SUBMITTERS, DURATION, tmp / "bare.txt")
    delta = after - before
    lost = load["created"] - found
    base_rps = post_base["rps"]
    rows.append({"name": "bare Django GET 6 KB (baseline_app, 200 conn)", "rps": get_base["rps"],
                 "p50": get_base["p50"] / 1000, "p95": get_base["p95"] / 1000, "p99": get_base["p99"] / 1000,
                 "runs": get_base["requests"], "baseline": "—", "ratio": get_base["rps"] / base_rps,
                 "note": f"errors {get_base['errors']}"})
    rows.append({"name": "bare Django POST JSON → 201 (baseline, 200 conn)", "rps": base_rps,
                 "p50": post_base["p50"] / 1000, "p95": post_base["p95"] / 1000, "p99": post_base["p99"] / 1000,
                 "runs": post_base["requests"], "baseline": "—", "ratio": 1.0,
                 "note": f"201: {post_base['created']}, other status {post_base['other_status']}, "
                         f"errors {post_base['errors']}"})
    rows.append({"name": "POST /api/v1/opinions, 200 concurrent submitters", "rps": load["rps"],
                 "p50": load["p50"] / 1000, "p95": load["p95"] / 1000, "p99": load["p99"] / 1000,
                 "runs": load["requests"], "baseline": "bare Django POST", "ratio": load["rps"] / base_rps,
                 "note": (f"201: {load['created']:,}, other status {load['other_status']}, socket errors/timeouts "
                          f"{load['errors'] - load['status_errors']}; opinions in DB +{delta:,}; 201 numbers found "
                          f"in DB {found:,}/{load['created']:,} (distinct {distinct:,}); lost {lost}; "
                          f"committed but unanswered when wrk stopped {delta - load['created']}")})
    rows.append({"name": "POST /api/v1/opinions, 1 submitter alone", "rps": solo["rps"], "p50": solo["p50"] / 1000,
                 "p95": solo["p95"] / 1000, "p99": solo["p99"] / 1000, "runs": solo["requests"],
                 "baseline": "—", "ratio": None, "note": "service time of one submission"})


def main() -> None:
    use_private_copy("cases")
    setup_django()
    from django.core.management import call_command

    call_command("migrate", "cases", verbosity=0)  # the private copy only: indexes added after the seed
    rows: list[dict] = []
    seeded = seed_cases()
    print(f"seeded {N_CASES:,} open cases over {seeded['departments']} departments in {seeded['seconds']:.1f} s",
          file=sys.stderr, flush=True)
    board_benchmarks(rows)
    intake_benchmarks(rows)
    rows[0]["note"] += f"; setup: {N_CASES:,} cases bulk-created in {seeded['seconds']:.0f} s"
    emit({"rows": rows})
    print(json.dumps(rows, ensure_ascii=False, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
