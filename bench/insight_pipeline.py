"""Benchmark: the opinion-insight pipeline over N synthetic opinions, against segmentation alone.

Each part runs in a child process of its own, so its peak RSS is its own:

- **segmentation** (the baseline): normalise + rjieba with the county dictionary + stop words
  over the N texts;
- **full run**: ``insight.pipeline.run.analyse`` (segmentation, keywords, TF-IDF + SVD +
  MiniBatchKMeans + merge, unassigned bucket, MinHash LSH duplicates, sentiment, routing
  classifier, topic figures) — what a background run computes before storing;
- **incremental**: after a full run over N texts, 1,000 new texts through
  ``Bundle.analyse_one`` (keywords, nearest topic, duplicate check, sentiment): p50/p95 latency.

The texts come from ``insight.evalset.generate(N, seed=17)`` (no database, no download).

    .venv/bin/python bench/insight_pipeline.py [--n 100000] [--incremental 1000]

Prints one table: wall and CPU seconds (on a shared machine the CPU time is the fairer figure),
texts per CPU second, peak RSS, and the ratio of the full run to segmentation.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def child(part: str, n: int, incremental: int) -> dict:
    from dangjian.insight.evalset import ALL_DEPARTMENTS, COMMUNITIES, GRIDS, TOWNS, generate
    from dangjian.insight.pipeline.run import TextRecord, analyse
    from dangjian.insight.pipeline.text import Segmenter, canonical

    dictionary = TOWNS + COMMUNITIES + GRIDS + ALL_DEPARTMENTS
    t0 = time.perf_counter()
    data = generate(n, seed=17)
    generated = time.perf_counter() - t0
    out: dict = {"part": part, "n": n, "generate_s": round(generated, 2)}
    if part == "segmentation":
        seg = Segmenter(dictionary)
        t0, c0 = time.perf_counter(), time.process_time()
        tokens = [seg.tokens(x.text) for x in data]
        canon = [canonical(x.text) for x in data]
        out["seconds"], out["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        out["tokens"] = sum(len(t) for t in tokens) + len(canon) * 0
    else:
        records = [TextRecord(f"b:{x.id}", x.text, x.created_at, place=x.place, category=x.topic or "",
                              resolved=x.resolved if x.topic else None, reopened=x.reopened,
                              departments=tuple(x.departments)) for x in data]
        del data
        t0, c0 = time.perf_counter(), time.process_time()
        result = analyse(records, dictionary=dictionary)
        out["seconds"], out["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        out["topics"] = len(result.topics)
        out["unassigned_share"] = round(result.unassigned / n, 4)
        if part == "incremental":
            fresh = generate(incremental, seed=18)
            bundle = result.bundle
            bundle.analyse_one(fresh[0].text)  # warm-up
            lat = []
            for x in fresh:
                t1 = time.perf_counter()
                bundle.analyse_one(x.text)
                bundle.suggest(x.text)
                lat.append((time.perf_counter() - t1) * 1000)
            lat.sort()
            out["p50_ms"] = round(lat[len(lat) // 2], 2)
            out["p95_ms"] = round(lat[int(len(lat) * 0.95)], 2)
            out["max_ms"] = round(lat[-1], 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=int(os.environ.get("BENCH_INSIGHT_N", 100_000)))
    parser.add_argument("--incremental", type=int, default=1000)
    parser.add_argument("--part", default="")
    parser.add_argument("--parts", default="segmentation,full,incremental")
    args = parser.parse_args()
    if args.part:
        print(json.dumps(child(args.part, args.n, args.incremental)))
        return
    rows = []
    for part in args.parts.split(","):
        proc = subprocess.run([sys.executable, __file__, "--part", part, "--n", str(args.n), "--incremental",
                               str(args.incremental)], capture_output=True, text=True, check=True, cwd=ROOT)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    base = next((r["cpu_s"] for r in rows if r["part"] == "segmentation"), None)
    print(f"insight pipeline, N = {args.n:,} synthetic opinions, load {os.getloadavg()[0]:.1f}")
    print("| part | wall s | CPU s | texts/s (CPU) | peak RSS MB | × segmentation (CPU) | notes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        ratio = f"{r['cpu_s'] / base:.1f}" if base else "—"
        notes = ""
        if "topics" in r:
            notes = f"{r['topics']} topics, {100 * r['unassigned_share']:.1f} % unassigned"
        if "p95_ms" in r:
            notes += f"; per new text p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, max {r['max_ms']} ms"
        print(f"| {r['part']} | {r['seconds']:.1f} | {r['cpu_s']:.1f} | {args.n / r['cpu_s']:,.0f} | "
              f"{r['peak_rss_mb']:,.0f} | {ratio} | {notes} |")


if __name__ == "__main__":
    main()
