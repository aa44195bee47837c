"""Benchmark (issue 18): encryption of a ballot in the voter's browser on a phone-sized CPU
budget — ``DJBallots.encryptBallot`` (ballots/static/ballots/crypto.js on the vendored
@noble/curves) in Debian's Chromium with DevTools CPU throttling, against the non-crypto work of
a form submit, measured in the same page at the same throttling rate.

Run alone (not one of ``make bench``'s ``module_*`` scripts; needs /usr/bin/chromium)::

    .venv/bin/python bench/ballots_browser.py
    BENCH_RUNS=3 BENCH_RATES=1,6 .venv/bin/python bench/ballots_browser.py   # a quick run

``BENCH_RUNS`` (timed encryptions per row, default 10), ``BENCH_RATES`` (CPU throttling rates,
default ``1,4,6``: 1 = this machine's core; Lighthouse's mobile profile uses 4; 6 is DevTools'
slowest preset, a low-end phone). No server: the two scripts are added to a blank page
(``add_script_tag(content=...)``), headless Chromium, one page; the rate is set with CDP
``Emulation.setCPUThrottlingRate``. The elections are made by
``dangjian.ballots.tests.elections.make_election`` (3 trustees, so ``encryptBallot`` also checks
3 key proofs), the default form 德/能/勤/绩/廉/总体评价 × 优秀/称职/基本称职/不称职:

- 1 subject: 6 questions × 4 options = 24 ciphertexts, each with its 0-or-1 proof, and 6 sum proofs;
- 5 subjects: 30 questions = 120 ciphertexts.

Rows, per ballot size and rate (times from ``performance.now()`` inside the page, after one
untimed warm-up encryption at that rate):

- ``encrypt``: median and p90 (nearest rank) of ``BENCH_RUNS`` calls of
  ``DJBallots.encryptBallot(manifestText, picks)`` (random picks), what the voter waits for;
- ``baseline``: what a submit does without the crypto — ``JSON.stringify`` of a ballot of the
  same size plus one SHA-256 of its UTF-8 (noble's ``sha256``); each sample is the mean of 20
  repetitions (the timer's resolution is 0.1 ms), median and p90 of ``BENCH_RUNS`` samples;
- ``ratio``: encrypt median / baseline median, the cost of the crypto;
- ``× rate 1``: encrypt median / the same ballot's median unthrottled (how well throttling scales).

Every ballot produced in a timed run is checked once with the server's ``crypto.check_ballot``
(and its receipt against the SHA-256 of its canonical JSON), so a broken encryption is never timed.
Prints a table and ``BENCH_JSON {...}``. Absolute times depend on this machine's (shared) core:
the throttled rows are multiples of it, not a measured phone.
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
from dangjian.testing.browser import CHROMIUM  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))
RATES = [float(r) for r in os.environ.get("BENCH_RATES", "1,4,6").split(",")]
NOBLE = ROOT / "static" / "vendor" / "noble-curves-2.4.0" / "noble-ballots.js"
OURS = ROOT / "dangjian" / "ballots" / "static" / "ballots" / "crypto.js"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
BASELINE_REPEAT = 20

ENCRYPT = """([text, allPicks]) => {
    DJBallots.encryptBallot(text, allPicks[0]);  // warm-up, untimed
    const times = [], ballots = [];
    for (const picks of allPicks.slice(1)) {
        const t = performance.now();
        const r = DJBallots.encryptBallot(text, picks);
        times.push(performance.now() - t);
        ballots.push([JSON.stringify(r.ballot), r.receipt]);
    }
    return {times, ballots};
}"""

BASELINE = """([ballotText, runs, repeat]) => {
    const ballot = JSON.parse(ballotText);
    const utf8 = new TextEncoder();
    let sink = 0;
    const once = () => { sink ^= nobleBallots.sha256(utf8.encode(JSON.stringify(ballot)))[0]; };
    once();  // warm-up
    const times = [];
    for (let n = 0; n < runs; n++) {
        const t = performance.now();
        for (let k = 0; k < repeat; k++) once();
        times.push((performance.now() - t) / repeat);
    }
    return {times, sink};
}"""


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]
    return statistics.median(ordered), p90


def main() -> None:
    from playwright.sync_api import sync_playwright

    rng = random.Random(18)
    shapes = []
    for subjects in (1, 5):
        election = make_election(trustees=3, subjects=tuple(f"干部{i}" for i in range(1, subjects + 1)))
        cells = sum(len(q["options"]) for q in election.manifest["questions"])
        shapes.append((f"{subjects} subject{'s' if subjects > 1 else ''} × 6 × 4 ({cells} ciphertexts)", election, cells))

    rows: list[dict] = []
    started = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        version = browser.version
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_content("<!doctype html><meta charset=utf-8><title>bench</title>")
        page.add_script_tag(content=NOBLE.read_text())
        page.add_script_tag(content=OURS.read_text())
        assert page.evaluate("() => typeof DJBallots.encryptBallot") == "function", errors
        cdp = page.context.new_cdp_session(page)
        unthrottled: dict[str, float] = {}
        for rate in RATES:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            for label, election, cells in shapes:
                text = crypto.canon(election.manifest).decode()
                picks = [random_picks(election, rng) for _ in range(RUNS + 1)]
                out = page.evaluate(ENCRYPT, [text, picks])
                for (ballot_text, receipt), p in zip(out["ballots"], picks[1:], strict=True):
                    ballot = json.loads(ballot_text)
                    assert ballot_text.encode() == crypto.canon(ballot)
                    checked = crypto.check_ballot(election.manifest, election.eid, ballot)
                    assert checked.receipt == receipt == crypto.sha256hex(ballot_text.encode())
                    assert len(ballot["answers"]) == len(p) and sum(len(a["choices"]) for a in ballot["answers"]) == cells
                base = page.evaluate(BASELINE, [out["ballots"][0][0], RUNS, BASELINE_REPEAT])
                enc_med, enc_p90 = stats(out["times"])
                base_med, base_p90 = stats(base["times"])
                if rate == 1:
                    unthrottled[label] = enc_med
                rows.append({"ballot": label, "rate": rate, "encrypt_median_ms": round(enc_med, 1),
                             "encrypt_p90_ms": round(enc_p90, 1), "baseline_median_ms": round(base_med, 3),
                             "baseline_p90_ms": round(base_p90, 3), "ratio": round(enc_med / base_med),
                             "x_rate1": round(enc_med / unthrottled[label], 2) if label in unthrottled else None,
                             "ballot_kb": round(len(out["ballots"][0][0].encode()) / 1024, 1)})
                print(f"  rate {rate:g}, {label}: {enc_med:,.0f} ms", file=sys.stderr, flush=True)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        browser.close()
    assert not errors, errors

    print(f"\nChromium {version}, {RUNS} timed runs per row, whole run {time.perf_counter() - started:.0f} s")
    head = ("ballot", "rate", "encrypt p50 ms", "p90 ms", "baseline p50 ms", "p90 ms", "ratio", "× rate 1", "KB")
    table = [(r["ballot"], f"{r['rate']:g}×", f"{r['encrypt_median_ms']:,.0f}", f"{r['encrypt_p90_ms']:,.0f}",
              f"{r['baseline_median_ms']:.2f}", f"{r['baseline_p90_ms']:.2f}", f"{r['ratio']:,}",
              "—" if r["x_rate1"] is None else f"{r['x_rate1']:.2f}", f"{r['ballot_kb']:.0f}") for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table, strict=True)]
    for line in (head, *table):
        print("  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(line, widths, strict=True))))
    print("BENCH_JSON " + json.dumps({"chromium": version, "runs": RUNS, "trustees": 3, "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
