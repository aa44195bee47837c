"""``make bench``: build a throwaway database under var/bench/, seed the demo county, and run the
benchmarks; print one table with ratios to a bare Django view measured in the same run.

Environment:
  BENCH_SCALE=county|million|small   (default county; million = 1,000,000 members)
  BENCH_REUSE=1                      keep and reuse an already-seeded var/bench/bench-<scale>.sqlite3
  BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS, BENCH_WORKERS, BENCH_RUNS   (see docs/benchmarks.md)
  BENCH_ONLY=module_x[,module_y]     only those bench/module_*.py scripts (skips the core benchmarks)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
import http_load  # noqa: E402
from common import BENCH_DIR, PY, ROOT, SCALES, bench_env, parse_emitted  # noqa: E402

HERE = Path(__file__).resolve().parent


def sh(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def machine() -> dict:
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    import sqlite3

    return {"cpus": os.cpu_count(), "cpu": model, "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def prepare(scale: str, env: dict[str, str]) -> dict:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = Path(env["SQLITE_PATH"])
    info: dict = {"database": str(db.relative_to(ROOT))}
    if os.environ.get("BENCH_REUSE") == "1" and db.exists():
        print(f"Reusing {db.relative_to(ROOT)} (BENCH_REUSE=1; migrating it to the current schema)", flush=True)
        sh([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        info["seed_seconds"] = None
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        t = time.perf_counter()
        sh([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
        info["migrate_seconds"] = time.perf_counter() - t
        print(f"Seeding: seed_demo {' '.join(SCALES[scale][0])} …", flush=True)
        t = time.perf_counter()
        out = sh([PY, "manage.py", "seed_demo", *SCALES[scale][0], "-v2"], env)
        info["seed_seconds"] = time.perf_counter() - t
        info["seed_output"] = [line for line in out.splitlines() if line.startswith(("Loaded", "planned"))]
        print("  " + "\n  ".join(info["seed_output"]) + f"\n  (command wall time {info['seed_seconds']:.0f} s)", flush=True)
    sh([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    info["database_mb"] = round(sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists()) / 1e6)
    return info


def fmt_ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def print_table(results: dict) -> None:
    print()
    print(f"Dangjian Cloud benchmarks — {results['scale_label']} — {results['date']}")
    m = results["machine"]
    print(f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB RAM; Python {m['python']}, SQLite {m['sqlite']}")
    prep = results["prepare"]
    if prep.get("seed_seconds"):
        print(f"Seed: {prep['seed_seconds']:.0f} s; database {prep['database_mb']} MB")
    print()
    header = (f"{'benchmark':<52} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'× Django':>9} "
              f"{'errors':>6} {'KB':>6} {'1-conn p50':>10}")
    print(header)
    print("-" * len(header))
    for r in results["http"]["rows"]:
        if "rps" not in r:
            print(f"{r['name']:<52} {'—':>8}  {r['skipped']}")
            continue
        ratio = f"{r['ratio_to_django']:.2f}" if "ratio_to_django" in r else "—"
        print(f"{r['name']:<52} {r['rps']:>8.0f} {fmt_ms(r['p50']):>7} {fmt_ms(r['p90']):>7} {fmt_ms(r['p95']):>7} "
              f"{fmt_ms(r['p99']):>7} {ratio:>9} {r['errors']:>6} {r.get('page_bytes', 0) / 1024:>6.1f} "
              f"{fmt_ms(r['solo_p50']) if 'solo_p50' in r else '—':>10}")
    print()
    print(f"{'subtree count (in-process, median of runs)':<52} {'median ms':>10} {'min ms':>8} {'members':>9}")
    for key, r in results["subtree"].items():
        label = {"root": "subtree_member_count(root)", "county": "subtree_member_count(one county)",
                 "town": "subtree_member_count(one town)", "children": "with_member_counts(root's children)"}[key]
        print(f"{label:<52} {r['median_ms']:>10.2f} {r['min_ms']:>8.2f} {r['value']:>9}")
    print()
    print(f"API token: {results['http']['info'].get('auth')}")


def run_module_benchmarks(env: dict[str, str]) -> list[dict]:
    """Every ``bench/module_*.py`` (one per module, in name order), then ``learning_progress.py`` and
    ``worker_kill.py``. Each prints ``BENCH_JSON
    {"rows": [...]}``; a row has ``name``, ``p50``/``p95`` in ms (or ``rps``/``p99``), and, where
    the script measured a baseline in the same run, ``baseline`` and ``ratio``. ``BENCH_ONLY=name``
    (comma-separated stems) runs only those."""
    only = {s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()}
    rows: list[dict] = []
    # worker_kill.py: kill -9 of the task worker under load (the site keeps answering, tasks run once)
    # learning_progress.py: progress reports/s, lesson media byte ranges against nginx (issue 16)
    # learning_http.py: 1,000 exam starts and 500 lecture followers over gunicorn (issue 16)
    scripts = [*sorted(HERE.glob("module_*.py")), HERE / "learning_progress.py", HERE / "learning_http.py",
               HERE / "worker_kill.py"]
    for script in scripts:
        if only and script.stem not in only and script.stem.removeprefix("module_") not in only:
            continue
        print(f"{script.stem} …", flush=True)
        t = time.perf_counter()
        try:
            out = parse_emitted(sh([PY, str(script)], env))
        except (subprocess.CalledProcessError, ValueError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            rows.append({"name": script.stem, "error": detail.strip().splitlines()[-1][:200] if detail else "failed"})
            continue
        for row in out.get("rows", []):
            rows.append({"script": script.stem, **row})
        print(f"  {time.perf_counter() - t:.0f} s", flush=True)
    return rows


def print_module_table(rows: list[dict]) -> None:
    if not rows:
        return
    print()
    print(f"{'module benchmark':<60} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'p99 ms':>8} {'baseline':>22} {'ratio':>7}")
    for r in rows:
        if "error" in r:
            print(f"{r['name']:<60} FAILED: {r['error']}")
            continue
        ratio = f"{r['ratio']:.2f}" if isinstance(r.get("ratio"), (int, float)) else "—"
        print(f"{r['name'][:60]:<60} {_num(r, 'p50'):>8} {_num(r, 'p95'):>8} {_num(r, 'rps'):>8} {_num(r, 'p99'):>8} "
              f"{str(r.get('baseline', '—'))[:22]:>22} {ratio:>7}")


def _num(row: dict, key: str) -> str:
    return f"{row[key]:.1f}" if isinstance(row.get(key), (int, float)) else "—"


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "county")
    if scale not in SCALES:
        sys.exit(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    env = bench_env(scale)
    started = time.perf_counter()
    results: dict = {
        "scale": scale, "scale_label": SCALES[scale][1], "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
    }
    results["prepare"] = prepare(scale, env)
    if os.environ.get("BENCH_ONLY"):  # one module's benchmarks only (faster iteration)
        results["subtree"], results["http"] = {}, {"rows": [], "info": {}}
    else:
        print("Subtree counts …", flush=True)
        results["subtree"] = parse_emitted(sh([PY, str(HERE / "subtree_counts.py")], env))
        print("HTTP load …", flush=True)
        results["http"] = http_load.run(scale)
    results["modules"] = run_module_benchmarks(env)
    results["total_seconds"] = time.perf_counter() - started
    out = BENCH_DIR / f"results-{scale}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print_table(results)
    print_module_table(results["modules"])
    print(f"Whole run: {results['total_seconds'] / 60:.1f} min; raw results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
