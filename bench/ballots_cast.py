"""Benchmark (issue 18): 10,000 voters casting their encrypted ballots against the real server
(target: within 60 s), with zero lost and zero duplicated, against plain POSTs of the same bodies
measured in the same run.

Run alone (not part of ``make bench``; several minutes)::

    .venv/bin/python bench/ballots_cast.py                  # seeds var/bench/ballots-cast-seed.sqlite3 first (≈1.5 min)
    BENCH_REUSE=1 .venv/bin/python bench/ballots_cast.py    # reuses that seeded database
    BALLOTS=3000 CAST_WORKER_CLASS=sync CAST_WORKERS=4 BENCH_REUSE=1 .venv/bin/python bench/ballots_cast.py

Environment: ``BALLOTS`` (default 10000), ``BALLOT_SUBJECTS`` (cadres on the ballot, default 1:
6 dimensions × 4 grades = 24 ciphertexts), ``TRUSTEES`` (default 3), ``CAST_CONNECTIONS`` (client
threads, each with one keep-alive connection; default 48), ``CAST_WORKER_CLASS`` (``gthread``,
default, or ``sync``), ``CAST_WORKERS`` (default 4), ``CAST_THREADS`` (threads per gthread
worker, default 4: `make run`'s defaults on 2 cores, decision 0021), ``STACK_REQUESTS`` (requests of row 2, default min(BALLOTS, 2000)),
``RESEND`` (default 200), ``CAST_PREVIOUS`` (a checkout of an earlier version of the code, e.g. made
with ``git archive``: its server casts another ``BALLOTS`` ballots in the same run, against the
same database, before this version's, and the ratio between the two is printed), ``BALLOT_VERSION`` (the protocol version of the evaluation, default
the current one, ``crypto.VERSION``; 1 measures the old per-proof checks against the same server).

Setup, untimed: the seeded demo county (``seed_demo --scale county``, ≈50,000 members) is copied
to a throwaway ``var/bench/ballots-cast.sqlite3``; an evaluation is created (by ``demo-admin``)
for the smallest organization whose subtree holds at least ``BALLOTS`` current members; the
trustees (demo-admin, demo-secretary, demo-member) register keys made with ``crypto.keygen`` /
``key_proof``; it is opened (``do_open_evaluation``: the roll frozen, one code per voter);
``BALLOTS`` ballots with random grades are encrypted with ``crypto.encrypt_ballot`` in a process
pool (what the voters' browsers do), each for a distinct code, and serialized to the request bodies.

Servers: the application (``dangjian.wsgi``, DEBUG off) and the bare Django project
``bench/baseline_app`` under gunicorn with the same worker settings. Client: one process,
``CAST_CONNECTIONS`` threads with keep-alive ``http.client`` connections taking the next body
from a shared queue as soon as their previous answer arrives (as fast as the server takes them);
every request's status, answer and latency is kept.

Rows:
1. baseline: the same bodies POSTed to a bare Django view that parses the JSON and answers a small
   JSON (``baseline_app`` ``/post/``); same client, same concurrency;
2. baseline: the same bodies with an invalid code POSTed to the real cast endpoint: the whole
   application stack, the request schema and the evaluation's lookup, refused with 403 before any
   cryptography or write;
3. the cast: every body POSTed once to ``POST /api/v1/ballots/evaluations/{id}/cast``; ballots/s,
   p50/p95/p99 latency, duration; checked: every answer 200 with a receipt, the receipts distinct
   and each equal to ``sha256hex(canon(ballot))`` of the ballot sent, and the database holding
   exactly ``BALLOTS`` ballots (their receipts the same set) and ``BALLOTS`` used credentials;
4. duplicates: ``RESEND`` of the same (code, ballot) bodies sent again, concurrently: every one
   must be refused and the counts unchanged;
5. closing in-process (``do_close_evaluation``: the homomorphic tally of the stored ballots),
   then the trustees' decryptions (``do_submit_decryption``, shares made with the test helper)
   and the decoded counts compared with the grades that were encrypted: a lost, altered or doubled
   ballot would change them.

Prints a table and ``BENCH_JSON {...}``; "× plain" is the row's throughput over row 1's; "CPU ms"
is the CPU time (user + system, from /proc) the gunicorn processes spent per request during the
row: unlike req/s it hardly depends on how busy the shared machine is, and
``cores × 1000 / CPU ms`` is the rate this server could reach with the cores to itself (printed
as "ceiling").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import queue
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(__file__))
import http_load  # noqa: E402
from common import BENCH_DIR, PY, ROOT, bench_env, emit  # noqa: E402

HERE = Path(__file__).resolve().parent
N = int(os.environ.get("BALLOTS", "10000"))
SUBJECTS = int(os.environ.get("BALLOT_SUBJECTS", "1"))
TRUSTEES = int(os.environ.get("TRUSTEES", "3"))
CONNECTIONS = int(os.environ.get("CAST_CONNECTIONS", "48"))
WORKER_CLASS = os.environ.get("CAST_WORKER_CLASS", "gthread")
WORKERS = int(os.environ.get("CAST_WORKERS", "4"))  # `make run`'s default on 2 cores (WEB_WORKERS, WEB_THREADS)
THREADS = int(os.environ.get("CAST_THREADS", "4"))
STACK_N = int(os.environ.get("STACK_REQUESTS", str(min(N, 2000))))
RESEND = int(os.environ.get("RESEND", "200"))
PREVIOUS = Path(os.environ["CAST_PREVIOUS"]).resolve() if os.environ.get("CAST_PREVIOUS") else None
VERSION = int(os.environ["BALLOT_VERSION"]) if os.environ.get("BALLOT_VERSION") else None
SEED_DB = BENCH_DIR / "ballots-cast-seed.sqlite3"
WORK_DB = BENCH_DIR / "ballots-cast.sqlite3"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the database ------------------------------------------------------------------------------------

def prepare(env: dict[str, str]) -> dict:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    info: dict = {}
    seed_env = dict(env, SQLITE_PATH=str(SEED_DB))
    if os.environ.get("BENCH_REUSE") == "1" and SEED_DB.exists():
        print(f"Reusing {SEED_DB.relative_to(ROOT)} (BENCH_REUSE=1)", flush=True)
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=seed_env, cwd=ROOT, check=True)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(SEED_DB) + suffix).unlink(missing_ok=True)
        print("Seeding: migrate, seed_demo --scale county …", flush=True)
        t = time.perf_counter()
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=seed_env, cwd=ROOT, check=True)
        subprocess.run([PY, "manage.py", "seed_demo", "--scale", "county", "-v0"], env=seed_env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        info["seed_seconds"] = time.perf_counter() - t
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=seed_env, cwd=ROOT, check=True)
    with sqlite3.connect(SEED_DB) as conn:  # fold the WAL into the main file before copying
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(str(WORK_DB) + suffix).unlink(missing_ok=True)
    shutil.copyfile(SEED_DB, WORK_DB)
    return info


def roll_organization(n: int):  # noqa: ANN201
    """The organization with the smallest subtree of at least ``n`` current members."""
    from django.db.models import Count

    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member
    from dangjian.orgs.models import Organization

    per_path = dict(Member.objects.filter(status__in=CURRENT_STATUSES).values_list("org_path")
                    .annotate(n=Count("id")).values_list("org_path", "n"))
    best = None
    for org in Organization.objects.only("pk", "path", "name"):
        size = sum(c for p, c in per_path.items() if p.startswith(org.path))
        if size >= n and (best is None or size < best[1]):
            best = (org, size)
    if best is None:
        raise SystemExit(f"no organization has {n:,} current members in its subtree: seed a larger county")
    return best


def setup_evaluation() -> dict:
    from django.utils import timezone

    from dangjian.ballots import crypto
    from dangjian.ballots.actions import (
        do_create_evaluation,
        do_open_evaluation,
        do_register_trustee_key,
        do_set_trustees,
    )
    from dangjian.core.models import User

    org, size = roll_organization(N * (2 if PREVIOUS else 1))
    organizer = User.objects.get(username="demo-admin")
    trustees = [User.objects.get(username=u) for u in ("demo-admin", "demo-secretary", "demo-member")[:TRUSTEES]]
    now = timezone.now()
    data = {"title": f"压测：{N}人民主测评", "kind": "cadre", "scale": "civil_servant",
            "dimensions": ["德", "能", "勤", "绩", "廉", "总体评价"], "min_group": 5,
            "opens_at": now - dt.timedelta(minutes=5), "closes_at": now + dt.timedelta(hours=3)}
    evaluation = do_create_evaluation(org, data, subjects=[f"干部{i}" for i in range(1, SUBJECTS + 1)],
                                      acting_user=organizer)
    do_set_trustees(evaluation, trustees, acting_user=organizer)
    secrets: dict[int, str] = {}
    for t in evaluation.trustees.select_related("user"):
        secret, public = crypto.keygen()
        secrets[t.index] = secret
        do_register_trustee_key(evaluation, public_key=public,
                                key_proof=crypto.key_proof(str(evaluation.uuid), t.index, secret), acting_user=t.user)
    if VERSION is not None:
        crypto.VERSION = VERSION  # the manifest frozen at opening carries it; the server follows the manifest
    t0 = time.perf_counter()
    codes = do_open_evaluation(evaluation, acting_user=organizer)
    opened = time.perf_counter() - t0
    evaluation.refresh_from_db()
    return {"evaluation": evaluation, "codes": codes, "secrets": secrets, "organizer": organizer,
            "org": org.name, "roll": size, "open_seconds": opened}


# --- the ballots --------------------------------------------------------------------------------------

def _encrypt(args: tuple[dict, str, list[list[int]]]) -> list[dict]:
    from dangjian.ballots import crypto

    manifest, eid, picks = args
    return [crypto.encrypt_ballot(manifest, eid, p) for p in picks]


def make_ballots(manifest: dict, eid: str, n: int = N) -> tuple[list[list[int]], list[dict], float]:
    rng = random.Random(18)
    picks = [[rng.randrange(len(q["options"])) for q in manifest["questions"]] for _ in range(n)]
    size = 250
    ballots: list[dict] = []
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        for part in pool.map(_encrypt, [(manifest, eid, picks[i:i + size]) for i in range(0, n, size)]):
            ballots.extend(part)
    return picks, ballots, time.perf_counter() - t


# --- the client ---------------------------------------------------------------------------------------

def _server_pids(base: str) -> list[str]:
    """The gunicorn processes (master and workers) listening on ``base``'s port."""
    port = f"127.0.0.1:{urlsplit(base).port}".encode()
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if port in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                pids.append(pid)
        except OSError:
            continue
    return pids


def server_cpu(base: str) -> float:
    """CPU seconds (user + system) used so far by the gunicorn processes listening on ``base``'s
    port (read from /proc): per request, it does not depend on how busy the shared machine is."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in _server_pids(base):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def server_rss_mb(base: str) -> list[int]:
    """Resident memory (MB) of each of the server's processes, largest first (master included)."""
    out = []
    for pid in _server_pids(base):
        with contextlib.suppress(OSError, StopIteration):
            line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
            out.append(int(line.split()[1]) // 1024)
    return sorted(out, reverse=True)


def post_all(base: str, path: str, bodies: list[bytes], connections: int = CONNECTIONS) -> dict:
    """POST every body once, ``connections`` at a time, each as soon as a thread is free. Returns
    the answers (status, body) in the bodies' order, the latencies and the wall time."""
    url = urlsplit(base)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in range(len(bodies)):
        todo.put(i)
    answers: list[tuple[int | None, bytes]] = [(None, b"")] * len(bodies)
    latency = [0.0] * len(bodies)
    start = threading.Barrier(connections + 1)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
        start.wait()
        while True:
            try:
                i = todo.get_nowait()
            except queue.Empty:
                break
            t = time.perf_counter()
            try:  # never retried: a cast that reached the server may have been stored
                conn.request("POST", path, body=bodies[i], headers=headers)
                resp = conn.getresponse()
                answers[i] = (resp.status, resp.read())
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                answers[i] = (None, repr(exc).encode())
            latency[i] = time.perf_counter() - t
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for th in threads:
        th.start()
    cpu0 = server_cpu(base)
    start.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    cpu = server_cpu(base) - cpu0
    statuses: dict[str, int] = {}
    for status, _body in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    lat = sorted(latency)

    def pct(q: float) -> float:
        return lat[min(len(lat) - 1, max(0, int(q * len(lat) + 0.999999) - 1))] * 1000

    return {"answers": answers, "n": len(bodies), "seconds": wall, "rps": len(bodies) / wall,
            "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": lat[-1] * 1000, "statuses": statuses,
            "server_cpu_ms": cpu * 1000 / len(bodies),
            "body_bytes": sum(len(b) for b in bodies) // max(1, len(bodies))}


def row(name: str, r: dict, note: str = "") -> dict:
    out = {k: v for k, v in r.items() if k != "answers"}
    out.update(name=name, note=note)
    print(f"  {name}: {r['n']:,} in {r['seconds']:.1f} s = {r['rps']:,.0f}/s, p50 {r['p50']:.0f} ms, "
          f"p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms; server CPU {r['server_cpu_ms']:.1f} ms each; "
          f"statuses {r['statuses']}", flush=True)
    return out


# --- the run --------------------------------------------------------------------------------------------

def main() -> None:
    env = bench_env("county")
    env["SQLITE_PATH"] = str(WORK_DB)
    info: dict = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "load_start": loadavg(),
                  "ballots": N, "subjects": SUBJECTS, "trustees": TRUSTEES, "connections": CONNECTIONS,
                  "server": f"gunicorn {WORKERS} {WORKER_CLASS} workers" + (f" × {THREADS} threads" if WORKER_CLASS == "gthread" else "")}
    info.update(prepare(env))
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from dangjian.ballots import crypto
    from dangjian.ballots.actions import do_close_evaluation, do_submit_decryption
    from dangjian.ballots.models import AnswerTag, Ballot, Credential, Result

    print(f"Setting up the evaluation ({N:,} ballots, {TRUSTEES} trustees) …", flush=True)
    ev = setup_evaluation()
    e = ev["evaluation"]
    manifest, eid = e.manifest, e.eid
    cells = sum(len(q["options"]) for q in manifest["questions"])
    info.update(organization=ev["org"], roll=ev["roll"], open_seconds=round(ev["open_seconds"], 2), cells=cells,
                protocol_version=manifest["version"])
    print(f"  roll: {ev['roll']:,} voters of {ev['org']} (opened in {ev['open_seconds']:.1f} s)", flush=True)
    connection.close()  # nothing of this process's connection goes into the pool's forks

    total = N * (2 if PREVIOUS else 1)
    all_picks, all_ballots, made = make_ballots(manifest, eid, total)
    info["encrypt_seconds"] = round(made, 1)
    print(f"  encrypted {total:,} ballots in {made:.0f} s ({os.cpu_count()} processes)", flush=True)
    rng = random.Random(7)
    all_codes = rng.sample(ev["codes"], total)
    all_bodies = [json.dumps({"credential": c, "ballot": b}, separators=(",", ":")).encode()
                  for c, b in zip(all_codes, all_ballots, strict=True)]
    all_receipts = [crypto.sha256hex(crypto.canon(b)) for b in all_ballots]
    # with CAST_PREVIOUS the first N go to the previous version's server, the last N to this one's
    bodies, ballots = all_bodies[-N:], all_ballots[-N:]
    bad = [json.dumps({"credential": "0000-0000-0000-0000-0000-0000", "ballot": b}, separators=(",", ":")).encode()
           for b in ballots[:STACK_N]]
    cast_path = f"/api/v1/ballots/evaluations/{e.uuid}/cast"

    log = BENCH_DIR / "servers.log"
    rows: list[dict] = []
    checks: dict = {}
    server = {"workers": WORKERS, "worker_class": WORKER_CLASS, "threads": THREADS}
    baseline_env = dict(env, DJANGO_SETTINGS_MODULE="baseline_app.settings")
    previous_env = dict(env, PYTHONPATH=str(PREVIOUS), DANGJIAN_NATIVE_DIR=str(BENCH_DIR / "native-previous"))
    with contextlib.ExitStack() as servers:
        bare = servers.enter_context(http_load.gunicorn("baseline_app.wsgi:application", baseline_env, HERE, log, **server))
        app = servers.enter_context(http_load.gunicorn("dangjian.wsgi:application", env, ROOT, log, **server))
        before = (servers.enter_context(http_load.gunicorn("dangjian.wsgi:application", previous_env, PREVIOUS, log,
                                                           **server)) if PREVIOUS else None)
        print(f"Load: {CONNECTIONS} client threads (keep-alive); {info['server']}; load {loadavg()}", flush=True)
        post_all(bare, "/post/", bodies[:500], 8)  # warm-up
        post_all(app, cast_path, bad[:200], 8)
        rows.append(row("baseline: bare Django POST, JSON parsed", post_all(bare, "/post/", bodies)))
        if before:
            post_all(before, cast_path, bad[:200], 8)
            rows.append(row("previous version: cast refused at the code (403)", post_all(before, cast_path, bad),
                            "no crypto, no write"))
        rows.append(row("baseline: real stack, cast refused at the code (403)", post_all(app, cast_path, bad),
                        "no crypto, no write"))
        if before:
            load_before = loadavg()
            previous = post_all(before, cast_path, all_bodies[:N])
            info["load_cast_previous"] = f"{load_before} → {loadavg()}"
            rows.append(row(f"previous version: cast {N:,} other ballots, 1 per code", previous))
        load_before = loadavg()
        cast = post_all(app, cast_path, bodies)
        info["load_cast"] = f"{load_before} → {loadavg()}"
        info["server_rss_mb"] = server_rss_mb(app)
        print(f"  the application server's processes after the cast, resident MB: {info['server_rss_mb']}", flush=True)
        cast_row = len(rows)
        rows.append(row(f"cast: {N:,} ballots, 1 per code", cast, "target: 10,000 within 60 s"))
        again = rng.sample(range(N), min(RESEND, N))
        resend = post_all(app, cast_path, [bodies[i] for i in again])
        rows.append(row(f"duplicates: {len(again)} (code, ballot) pairs sent again", resend, "all must be refused"))

    # checks: nothing lost, nothing doubled
    answers = (previous["answers"] if PREVIOUS else []) + cast["answers"]
    got = []
    for status, body in answers:
        got.append(json.loads(body).get("receipt") if status == 200 else None)
    bad_answers = [(s, b[:200]) for s, b in answers if s != 200]
    checks["all_200"] = not bad_answers
    checks["receipts_match"] = got == all_receipts
    checks["receipts_distinct"] = len(set(got)) == total
    stored = set(Ballot.objects.filter(evaluation=e).values_list("receipt", flat=True))
    checks["db_ballots"] = len(stored)
    checks["db_receipts_match"] = stored == set(all_receipts)
    checks["db_used_credentials"] = Credential.objects.filter(evaluation=e, used=True).count()
    checks["db_answer_tags"] = AnswerTag.objects.filter(evaluation=e).count()
    checks["resend_refused"] = sum(1 for s, _b in resend["answers"] if s is not None and 400 <= s < 500)
    checks["resend_accepted"] = sum(1 for s, _b in resend["answers"] if s == 200)
    checks["resend_reasons"] = sorted({json.loads(b).get("code", "?") if s and s < 500 else str(s)
                                       for s, b in resend["answers"]})
    if bad_answers:
        checks["first_failures"] = [(s, b.decode(errors="replace")) for s, b in bad_answers[:5]]

    # closing: the tally of N ballots, then the trustees' decryptions and the counts
    e.refresh_from_db()
    t = time.perf_counter()
    do_close_evaluation(e, acting_user=ev["organizer"])
    t_close = time.perf_counter() - t
    e.refresh_from_db()
    t = time.perf_counter()
    for tr in e.trustees.select_related("user").order_by("index"):
        shares = crypto.partial_decrypt(e.eid, tr.index, ev["secrets"][tr.index], e.tally)
        do_submit_decryption(e, shares=shares, acting_user=tr.user)
    t_decrypt = time.perf_counter() - t
    e.refresh_from_db()
    expected = [[sum(1 for p in all_picks if p[q] == o) for o in range(len(question["options"]))]
                for q, question in enumerate(manifest["questions"])]
    counts = [r.counts for r in Result.objects.filter(evaluation=e).order_by("question")]
    checks["ballot_count"] = e.ballot_count
    checks["counts_match"] = counts == expected
    checks["state"] = e.state
    info["close_seconds"] = round(t_close, 2)
    info["decrypt_seconds"] = round(t_decrypt, 2)
    info["load_end"] = loadavg()

    ok = (checks["all_200"] and checks["receipts_match"] and checks["receipts_distinct"]
          and checks["db_ballots"] == total and checks["db_receipts_match"] and checks["db_used_credentials"] == total
          and checks["resend_accepted"] == 0 and checks["resend_refused"] == len(again)
          and checks["ballot_count"] == total and checks["counts_match"])
    checks["ok"] = ok

    base = rows[0]["rps"]
    for r in rows:
        r["ratio"] = r["rps"] / base
    print(f"\nBallot casting — {info['date']} — {N:,} ballots ({cells} ciphertexts each, {rows[cast_row]['body_bytes'] / 1024:.1f} KB "
          f"bodies), roll {ev['roll']:,}, {TRUSTEES} trustees; {info['server']}; {CONNECTIONS} client connections")
    print(f"Protocol version {info['protocol_version']}. Load average: start {info['load_start']}, cast {info['load_cast']}, end {info['load_end']}")
    width = max(len(r["name"]) for r in rows)
    print(f"\n{'row'.ljust(width)}  {'requests':>8}  {'seconds':>7}  {'req/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  "
          f"{'p99 ms':>7}  {'× plain':>7}  {'CPU ms':>6}  statuses")
    for r in rows:
        print(f"{r['name'].ljust(width)}  {r['n']:8,}  {r['seconds']:7.1f}  {r['rps']:7,.0f}  {r['p50']:7.0f}  "
              f"{r['p95']:7.0f}  {r['p99']:7.0f}  {r['ratio']:7.3f}  {r['server_cpu_ms']:6.1f}  {r['statuses']}")
    print(f"\nclose (tally of {total:,} ballots × {cells} ciphertexts): {t_close:.2f} s; {TRUSTEES} trustees' "
          f"decryptions submitted and checked: {t_decrypt:.2f} s; opening ({ev['roll']:,} codes): {ev['open_seconds']:.1f} s")
    cores = os.cpu_count() or 1
    ceiling = cores * 1000 / rows[cast_row]["server_cpu_ms"]
    info["cast_ceiling_per_s"] = round(ceiling, 1)
    print(f"ceiling: {cores} cores × 1000 / {rows[cast_row]['server_cpu_ms']:.1f} ms = {ceiling:.0f} ballots/s "
          f"({N / ceiling:.0f} s for {N:,}) with the server alone on the machine")
    if PREVIOUS:
        speedup = rows[cast_row]["rps"] / rows[cast_row - 1]["rps"]
        cpu_ratio = rows[cast_row - 1]["server_cpu_ms"] / rows[cast_row]["server_cpu_ms"]
        info.update(previous=str(PREVIOUS), speedup=round(speedup, 2), cpu_ratio=round(cpu_ratio, 2))
        print(f"this version against the previous ({PREVIOUS}), same run: {speedup:.2f}× the casts a second, "
              f"{cpu_ratio:.2f}× less server CPU a cast")
    print(f"checks: {json.dumps(checks, ensure_ascii=False)}")
    print("RESULT: " + ("OK — nothing lost, nothing duplicated" if ok else "FAILED"))
    emit({"info": info, "rows": rows, "checks": checks})
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
