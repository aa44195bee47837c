"""Benchmark (issue 18): the secret ballot's tally, decryption and independent verification of
10,000 ballots, against the libsodium operations they are made of, measured in the same run.

Run alone (not one of ``make bench``'s ``module_*`` scripts)::

    .venv/bin/python bench/ballots_crypto.py               # makes the ballots first (≈1 min per 5,000 on 2 cores)
    BENCH_REUSE=1 .venv/bin/python bench/ballots_crypto.py # reuses var/bench/ballots-<N>.json

``BALLOTS`` (default 10000), ``BALLOT_SUBJECTS`` (cadres on the ballot, default 1), three trustees,
the default form: 德/能/勤/绩/廉/总体评价 × 优秀/称职/基本称职/不称职 (24 ciphertexts a subject).

Rows:
1. making the ballots (what the voters' browsers do; here the server-side twin, in a process pool);
2. the tally: the homomorphic sum of every ballot (``crypto.tally``; target with decryption < 10 s);
3. the three trustees' partial decryptions with proofs (in their browsers in production);
4. the server's check of the shares and the decoding of the counts;
5. the verifier, ``python -m dangjian.ballots.verify``, with one worker process per core
   (target < 60 s), and with one process;
6. baselines: ``json.loads`` of the bulletin file; and the floor of the verifier, the libsodium
   scalar multiplications, base multiplications and additions its checks are made of, timed one
   by one and multiplied by their counts — the ratio says how much is Python around libsodium.

Prints a table and ``BENCH_JSON {...}``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dangjian.ballots import crypto  # noqa: E402
from dangjian.ballots.tests.elections import Election, make_election, random_picks  # noqa: E402

N = int(os.environ.get("BALLOTS", "10000"))
SUBJECTS = int(os.environ.get("BALLOT_SUBJECTS", "1"))
OUT = ROOT / "var" / "bench" / f"ballots-{N}x{SUBJECTS}.json"


def _make(args: tuple[dict, str, list[list[int]]]) -> list[dict]:
    manifest, eid, picks = args
    return [crypto.encrypt_ballot(manifest, eid, p) for p in picks]


def make(election: Election) -> float:
    rng = random.Random(18)
    picks = [random_picks(election, rng) for _ in range(N)]
    size = 250
    t = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        parts = pool.map(_make, [(election.manifest, election.eid, picks[i : i + size]) for i in range(0, N, size)])
        for part in parts:
            election.ballots.extend(part)
    election.picks = picks
    return time.perf_counter() - t


def per_op(fn, n: int = 3000) -> float:
    fn()
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main() -> None:
    rows: list[tuple[str, float, str]] = []
    OUT.parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("BENCH_REUSE") == "1" and OUT.exists():
        saved = json.loads(OUT.read_text())
        election = Election(saved["manifest"], saved["eid"], saved["secrets"], saved["roll"], saved["ballots"], saved["picks"])
        print(f"Reusing {OUT.relative_to(ROOT)}")
    else:
        subjects = tuple(f"干部{i}" for i in range(1, SUBJECTS + 1))
        election = make_election(trustees=3, subjects=subjects, voters=N)
        made = make(election)
        rows.append((f"make {N:,} ballots ({os.cpu_count()} processes)", made, f"{N / made:,.0f} ballots/s"))
        OUT.write_text(json.dumps({"manifest": election.manifest, "eid": election.eid, "secrets": election.secrets,
                                   "roll": election.roll, "ballots": election.ballots, "picks": election.picks}))
    manifest, eid = election.manifest, election.eid
    cells = sum(len(q["options"]) for q in manifest["questions"])

    t = time.perf_counter()
    tally = crypto.tally(manifest, election.ballots)
    t_tally = time.perf_counter() - t
    rows.append((f"tally: sum of {N:,} ballots × {cells} ciphertexts", t_tally, ""))

    t = time.perf_counter()
    decryptions = [{"trustee": i, "shares": crypto.partial_decrypt(eid, i, s, tally)} for i, s in enumerate(election.secrets, 1)]
    t_dec = time.perf_counter() - t
    rows.append(("3 trustees' partial decryptions with proofs", t_dec, "(in the trustees' browsers)"))

    t = time.perf_counter()
    for d in decryptions:
        crypto.check_decryption(manifest, eid, tally, d)
    result = crypto.decode_results(manifest, tally, decryptions, N)
    t_decode = time.perf_counter() - t
    assert result == election.expected(), "decoded counts differ from the picks"
    rows.append(("check shares + decode counts", t_decode, ""))
    rows.append(("tally + decryption (server side)", t_tally + t_decode, "target < 10 s"))

    bulletin = {"format": crypto.FORMAT, "manifest": manifest, "election": eid, "roll": election.roll,
                "credentials_used": N, "ballots": sorted(election.ballots, key=lambda b: crypto.sha256hex(crypto.canon(b))),
                "tally": tally, "decryptions": decryptions, "result": result}
    path = OUT.with_name(OUT.stem + "-bulletin.json")
    path.write_text(json.dumps(bulletin))
    t = time.perf_counter()
    json.loads(path.read_text())
    t_json = time.perf_counter() - t
    rows.append((f"baseline: json.loads of the bulletin ({path.stat().st_size / 1e6:.0f} MB)", t_json, ""))

    verified = {}
    for workers in (os.cpu_count() or 1, 1):
        t = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "dangjian.ballots.verify", str(path), "--workers", str(workers)],
                             cwd=ROOT, capture_output=True, text=True)
        verified[workers] = time.perf_counter() - t
        assert run.returncode == 0, run.stderr
        rows.append((f"verifier, {workers} process(es)", verified[workers], f"{N / verified[workers]:,.0f} ballots/s; target < 60 s"))

    # the floor: the libsodium operations of the checks, one by one
    s = crypto._random_scalar()
    p = crypto._base(s)
    var, base, add = per_op(lambda: crypto._mul(s, p)), per_op(lambda: crypto._base(s)), per_op(lambda: crypto._add(p, p))
    questions = len(manifest["questions"])
    # per choice: 2 base, 6 var, 5 add/sub (+2 to add it to the sums); per answer: 1 base, 3 var, 3 sub; tally: 2 adds per ciphertext
    per_ballot = cells * (2 * base + 6 * var + 7 * add) + questions * (base + 3 * var + 3 * add)
    floor = N * (per_ballot + cells * 2 * add)
    rows.append(("floor: libsodium ops of the verifier, 1 process", floor,
                 f"var {var * 1e6:.0f} µs, base {base * 1e6:.0f} µs, add {add * 1e6:.0f} µs"))
    rows.append(("ratio: verifier (1 process) / floor", verified[1] / floor, ""))
    rows.append(("ratio: verifier (1 process) / json.loads", verified[1] / t_json, ""))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'row'.ljust(width)}  {'seconds':>9}  note")
    for name, secs, note in rows:
        print(f"{name.ljust(width)}  {secs:9.2f}  {note}")
    print("BENCH_JSON " + json.dumps({"ballots": N, "subjects": SUBJECTS, "cells": cells,
                                      "rows": [{"row": r[0], "seconds": round(r[1], 3), "note": r[2]} for r in rows]},
                                     ensure_ascii=False))


if __name__ == "__main__":
    main()
