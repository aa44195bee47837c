"""Benchmark (issue 18): the CPU one ballot cast costs the application, in-process, through the
whole WSGI stack (every middleware, ninja, the action, the proofs, the write), one request at a
time: steadier on a shared machine than the HTTP benchmark's per-request CPU, which varies with
the load. With ``CAST_PREVIOUS`` the same is measured for an earlier checkout's code, in turns.

Run alone (not part of ``make bench``; needs the seeded database of ``bench/ballots_cast.py``)::

    .venv/bin/python bench/ballots_cast_inprocess.py
    git archive 2fd5bb9 | tar -x -C /tmp/prev
    CAST_PREVIOUS=/tmp/prev ROUNDS=2 .venv/bin/python bench/ballots_cast_inprocess.py
    CAST_PROFILE=1 .venv/bin/python bench/ballots_cast_inprocess.py     # prints cProfile's top entries

Environment: ``BALLOTS`` (casts a round, default 300; also the size of the roll's organization),
``ROUNDS`` (default 1), ``CAST_PREVIOUS``, ``CAST_PROFILE``.

Each round and version: the seeded county is copied to ``var/bench/ballots-inprocess.sqlite3``,
an evaluation opened (``ballots_cast.setup_evaluation``), ``BALLOTS`` ballots encrypted; then,
timed with ``time.process_time``, every ballot is POSTed once with its own code through
``django.test.Client`` (all must answer 200), then the same bodies with an invalid code (403
before any cryptography). Around each request the database connections are handled as the
WSGI handler does (``close_old_connections`` before and after: with ``CONN_MAX_AGE`` 0 every
request opens its own connection, as under gunicorn). Prints the milliseconds of CPU per request for each, and the ratios.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
N = int(os.environ.get("BALLOTS", "300"))
ROUNDS = int(os.environ.get("ROUNDS", "1"))


def measure() -> None:
    """In a child process whose ``CAST_CODE`` is the checkout to measure."""
    code = Path(os.environ["CAST_CODE"])
    sys.path[:0] = [str(HERE), str(code)]
    from common import BENCH_DIR, bench_env  # this checkout's bench helpers, the measured code's app

    db = BENCH_DIR / "ballots-inprocess.sqlite3"
    env = bench_env("county")
    env.update(SQLITE_PATH=str(db), BALLOTS=str(N), PYTHONPATH=str(code),
               DANGJIAN_NATIVE_DIR=str(BENCH_DIR / f"native-{code.name}"))
    env.pop("CAST_PREVIOUS", None)  # ballots_cast reads it: one version's roll here
    os.environ.update(env)
    os.environ.pop("CAST_PREVIOUS", None)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copyfile(BENCH_DIR / "ballots-cast-seed.sqlite3", db)
    import django

    django.setup()
    import ballots_cast
    from django.db import close_old_connections
    from django.test import Client

    ev = ballots_cast.setup_evaluation()
    e = ev["evaluation"]
    _picks, ballots, _t = ballots_cast.make_ballots(e.manifest, e.eid, N)
    codes = random.Random(7).sample(ev["codes"], N)
    good = [json.dumps({"credential": c, "ballot": b}, separators=(",", ":")) for c, b in zip(codes, ballots, strict=True)]
    bad = [json.dumps({"credential": "0000-0000-0000-0000-0000-0000", "ballot": b}, separators=(",", ":"))
           for b in ballots]
    client = Client(HTTP_HOST="127.0.0.1")
    path = f"/api/v1/ballots/evaluations/{e.uuid}/cast"
    client.post(path, bad[0], content_type="application/json")  # warm: imports, the C library
    out = {}
    profile = None
    if os.environ.get("CAST_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
    for name, bodies, status in (("cast", good, 200), ("refused", bad, 403)):
        t = time.process_time()
        if profile:
            profile.enable()
        statuses = []
        for body in bodies:
            # as the WSGI handler does around every request (django.test.Client leaves it out): a
            # connection past its CONN_MAX_AGE is closed, so the next request opens a new one
            close_old_connections()
            statuses.append(client.post(path, body, content_type="application/json").status_code)
            close_old_connections()
        if profile:
            profile.disable()
        out[name] = (time.process_time() - t) * 1000 / len(bodies)
        if set(statuses) != {status}:
            raise SystemExit(f"{name}: expected only {status}, got {sorted(set(statuses))}")
    out["load"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print("RESULT " + json.dumps(out), flush=True)
    if profile:
        import pstats

        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def main() -> None:
    versions = [("this version", HERE.parent)]
    if os.environ.get("CAST_PREVIOUS"):
        versions.insert(0, ("previous", Path(os.environ["CAST_PREVIOUS"]).resolve()))
    results: dict[str, list[dict]] = {name: [] for name, _ in versions}
    for rnd in range(1, ROUNDS + 1):
        for name, code in versions:
            proc = subprocess.run([sys.executable, __file__], env=dict(os.environ, CAST_CODE=str(code)),
                                  capture_output=True, text=True, check=False)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
            if proc.returncode or not lines:
                raise SystemExit(f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
            r = json.loads(lines[-1][7:])
            results[name].append(r)
            print(f"round {rnd}, {name}: cast {r['cast']:.2f} ms CPU, refused at the code {r['refused']:.2f} ms "
                  f"(load {r['load']})", flush=True)
            if os.environ.get("CAST_PROFILE"):
                print(proc.stdout.split("RESULT ", 1)[1].split("\n", 1)[1])
    if len(versions) == 2:
        for rnd, (a, b) in enumerate(zip(results["previous"], results["this version"], strict=True), 1):
            print(f"round {rnd}: previous / this version, CPU a cast: {a['cast'] / b['cast']:.2f}")


if __name__ == "__main__":
    if os.environ.get("CAST_CODE"):
        measure()
    else:
        main()
