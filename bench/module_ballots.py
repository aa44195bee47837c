"""``make bench`` (issue 18): the secret ballot's proof checks, protocol version 2 (batch) against
version 1 (each proof on its own, libsodium) in the same run, no database.

Rows (the default form: 1 cadre × 6 dimensions × 4 grades = 24 ciphertexts a ballot, 3 trustees,
``BALLOTS_SMALL`` ballots per version, default 200):
- the server's check of one ballot at casting (``crypto.check_ballot``), p50/p95 in ms;
- the verifier's check per ballot (``crypto.check_ballots`` over all of them: one batch in v2);
- the homomorphic tally per ballot (the same for both versions), against the same sums made with
  libsodium's addition one ciphertext at a time (the tally before the C code).
The baseline of each check row is the same row for v1; ``ratio`` is new / baseline (below 1: faster).
The full 10,000-ballot figures come from ``bench/ballots_crypto.py`` and ``bench/ballots_cast.py``
(run by hand; docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dangjian.ballots import crypto  # noqa: E402
from dangjian.ballots.tests.elections import make_election, random_picks  # noqa: E402

N = int(os.environ.get("BALLOTS_SMALL", "200"))


def measure(version: int) -> dict[str, list[float] | float]:
    e = make_election(trustees=3, voters=N, version=version)
    rng = random.Random(version)
    for _ in range(N):
        e.cast(random_picks(e, rng))
    one = []
    for b in e.ballots:
        t = time.perf_counter()
        crypto.check_ballot(e.manifest, e.eid, b)
        one.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    crypto.check_ballots(e.manifest, e.eid, e.ballots, [f"ballot {i}" for i in range(1, N + 1)])
    batch = (time.perf_counter() - t) * 1000 / N
    t = time.perf_counter()
    tally = crypto.tally(e.manifest, e.ballots)
    fast = (time.perf_counter() - t) * 1000 / N
    t = time.perf_counter()
    sums = [[crypto.IDENTITY, crypto.IDENTITY] for q in e.manifest["questions"] for _ in q["options"]]
    for b in e.ballots:
        cells = [c for a in b["answers"] for c in a["choices"]]
        for cell, c in zip(sums, cells, strict=True):
            cell[0] = crypto._add(cell[0], bytes.fromhex(c["alpha"]))
            cell[1] = crypto._add(cell[1], bytes.fromhex(c["beta"]))
    slow = (time.perf_counter() - t) * 1000 / N
    assert [c for row in tally for c in row] == [{"alpha": a.hex(), "beta": b.hex()} for a, b in sums]
    return {"one": one, "batch": batch, "tally": fast, "tally_sodium": slow}


def main() -> None:
    got = {v: measure(v) for v in (1, 2)}
    rows = []

    def pct(xs: list[float], q: float) -> float:
        return statistics.quantiles(xs, n=100)[int(q * 100) - 1]

    one1, one2 = got[1]["one"], got[2]["one"]
    assert isinstance(one1, list) and isinstance(one2, list)
    rows.append({"name": "ballots: v2 server check of one ballot (cast)", "p50": pct(one2, 0.5), "p95": pct(one2, 0.95),
                 "baseline": f"v1 p50 {pct(one1, 0.5):.1f} ms", "ratio": pct(one2, 0.5) / pct(one1, 0.5)})
    v1, v2 = float(got[1]["batch"]), float(got[2]["batch"])  # type: ignore[arg-type]
    rows.append({"name": f"ballots: v2 verifier check per ballot ({N} ballots)", "p50": v2,
                 "baseline": f"v1 {v1:.2f} ms", "ratio": v2 / v1})
    fast, slow = float(got[2]["tally"]), float(got[2]["tally_sodium"])  # type: ignore[arg-type]
    rows.append({"name": f"ballots: tally per ballot ({N} ballots)", "p50": fast,
                 "baseline": f"libsodium adds {slow:.2f} ms", "ratio": fast / slow})
    print("BENCH_JSON " + json.dumps({"rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
