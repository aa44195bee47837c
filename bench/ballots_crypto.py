"""Benchmark (issue 18): the secret ballot's tally, decryption and independent verification of
10,000 ballots, for protocol version 1 (each proof checked on its own through libsodium) and
version 2 (proofs carry their commitments; checked in batches by one multi-scalar multiplication
in ``ballots/native``), measured in the same run.

Run alone (not one of ``make bench``'s ``module_*`` scripts)::

    .venv/bin/python bench/ballots_crypto.py               # makes the ballots first (≈1 min per 5,000 on 2 cores)
    BENCH_REUSE=1 .venv/bin/python bench/ballots_crypto.py # reuses var/bench/ballots-v<V>-<N>x<S>.json

``BALLOTS`` (default 10000), ``BALLOT_SUBJECTS`` (cadres on the ballot, default 1),
``BALLOT_VERSIONS`` (default ``1,2``), ``VERIFY_WORKERS`` (default ``2,1``: the verifier's runs),
three trustees, the default form: 德/能/勤/绩/廉/总体评价 × 优秀/称职/基本称职/不称职 (24 ciphertexts
a subject).

Rows, per version:
1. making the ballots (what the voters' browsers do; here the server-side twin, in a process pool);
2. the server's check of one ballot at casting (``crypto.check_ballot``, mean over 300 ballots);
3. the tally: the homomorphic sum of every ballot (``crypto.tally``; target with decryption < 10 s);
4. the three trustees' partial decryptions with proofs (in their browsers in production);
5. the server's check of the shares and the decoding of the counts;
6. the verifier, ``python -m dangjian.ballots.verify``, with two worker processes and with one
   (target < 60 s);
7. baseline: ``json.loads`` of the bulletin file. Then the ratios of version 1 to version 2.

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
VERSIONS = [int(v) for v in os.environ.get("BALLOT_VERSIONS", "1,2").split(",")]
WORKERS = [int(w) for w in os.environ.get("VERIFY_WORKERS", "2,1").split(",")]


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


def load_or_make(version: int, rows: list) -> Election:
    out = ROOT / "var" / "bench" / f"ballots-v{version}-{N}x{SUBJECTS}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("BENCH_REUSE") == "1" and out.exists():
        saved = json.loads(out.read_text())
        print(f"Reusing {out.relative_to(ROOT)}", flush=True)
        return Election(saved["manifest"], saved["eid"], saved["secrets"], saved["roll"], saved["ballots"], saved["picks"])
    subjects = tuple(f"干部{i}" for i in range(1, SUBJECTS + 1))
    election = make_election(trustees=3, subjects=subjects, voters=N, version=version)
    made = make(election)
    rows.append((f"v{version}: make {N:,} ballots ({os.cpu_count()} processes)", made, f"{N / made:,.0f} ballots/s"))
    out.write_text(json.dumps({"manifest": election.manifest, "eid": election.eid, "secrets": election.secrets,
                               "roll": election.roll, "ballots": election.ballots, "picks": election.picks}))
    return election


def run_version(version: int, rows: list) -> dict[str, float]:
    election = load_or_make(version, rows)
    manifest, eid = election.manifest, election.eid
    assert manifest["version"] == version
    cells = sum(len(q["options"]) for q in manifest["questions"])
    got: dict[str, float] = {}

    sample = election.ballots[:300]
    t = time.perf_counter()
    for b in sample:
        crypto.check_ballot(manifest, eid, b)
    got["check"] = (time.perf_counter() - t) / len(sample)
    rows.append((f"v{version}: server check of one ballot (casting), ms", got["check"] * 1000, f"mean of {len(sample)}"))

    t = time.perf_counter()
    tally = crypto.tally(manifest, election.ballots)
    got["tally"] = time.perf_counter() - t
    rows.append((f"v{version}: tally: sum of {N:,} ballots × {cells} ciphertexts", got["tally"], ""))

    t = time.perf_counter()
    decryptions = [{"trustee": i, "shares": crypto.partial_decrypt(eid, i, s, tally)} for i, s in enumerate(election.secrets, 1)]
    rows.append((f"v{version}: 3 trustees' partial decryptions with proofs", time.perf_counter() - t, "(in the trustees' browsers)"))

    t = time.perf_counter()
    for d in decryptions:
        crypto.check_decryption(manifest, eid, tally, d)
    result = crypto.decode_results(manifest, tally, decryptions, N)
    t_decode = time.perf_counter() - t
    assert result == election.expected(), "decoded counts differ from the picks"
    rows.append((f"v{version}: check shares + decode counts", t_decode, ""))
    got["tally+decryption"] = got["tally"] + t_decode
    rows.append((f"v{version}: tally + decryption (server side)", got["tally+decryption"], "target < 10 s"))

    bulletin = {"format": crypto.FORMAT, "manifest": manifest, "election": eid, "roll": election.roll,
                "credentials_used": N, "ballots": sorted(election.ballots, key=lambda b: crypto.sha256hex(crypto.canon(b))),
                "tally": tally, "decryptions": decryptions, "result": result}
    path = ROOT / "var" / "bench" / f"ballots-v{version}-{N}x{SUBJECTS}-bulletin.json"
    path.write_text(json.dumps(bulletin))
    del bulletin
    t = time.perf_counter()
    json.loads(path.read_text())
    got["json"] = time.perf_counter() - t
    rows.append((f"v{version}: baseline: json.loads of the bulletin ({path.stat().st_size / 1e6:.0f} MB)", got["json"], ""))

    for workers in WORKERS:
        t = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "dangjian.ballots.verify", str(path), "--workers", str(workers)],
                             cwd=ROOT, capture_output=True, text=True)
        got[f"verify{workers}"] = time.perf_counter() - t
        assert run.returncode == 0, run.stderr
        rows.append((f"v{version}: verifier, {workers} process(es)", got[f"verify{workers}"],
                     f"{N / got[f'verify{workers}']:,.0f} ballots/s; target < 60 s"))
    return got


def loadavg() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    rows: list[tuple[str, float, str]] = []
    print(f"load average at the start: {loadavg()}", flush=True)
    results = {v: run_version(v, rows) for v in VERSIONS}
    if 1 in results and 2 in results:
        for key in results[1]:
            if key in results[2] and key != "json":
                rows.append((f"ratio v1 / v2: {key}", results[1][key] / results[2][key], ""))
    print(f"load average at the end: {loadavg()}")
    width = max(len(r[0]) for r in rows)
    print(f"\n{'row'.ljust(width)}  {'seconds':>9}  note")
    for name, secs, note in rows:
        print(f"{name.ljust(width)}  {secs:9.2f}  {note}")
    print("BENCH_JSON " + json.dumps({"ballots": N, "subjects": SUBJECTS, "versions": VERSIONS,
                                      "rows": [{"row": r[0], "seconds": round(r[1], 4), "note": r[2]} for r in rows]},
                                     ensure_ascii=False))


if __name__ == "__main__":
    main()
