"""Benchmark (issue 6): the portal's anonymous home page and one article page under load.

wrk (2 threads, 64 connections, ``bench/http_load.py``'s settings) against gunicorn (3 sync
workers, production settings) in three configurations, each started on its own so they do not
share the CPU, plus the bare Django view of ``bench/baseline_app`` served the same way in the same
run. Each configuration is measured in ``BENCH_PORTAL_ROUNDS`` rounds (default 3) of bare view,
home, article: the ratio column is the median of the rounds' req/s ÷ the bare view's req/s of the
same round (on a shared machine the load moves between runs minutes apart; the note lists every
round's ratio and p99 ÷ bare p99):

- ``no cache``: ``PORTAL_CACHE_SECONDS=0`` — every block, menu and page built on every request;
- ``block cache``: the portal as configured before whole-page caching (home-page lists and feeds
  cached under the publish generation, ``PORTAL_PAGE_CACHE_SECONDS=0``);
- ``page cache``: the default now — whole pages for anonymous visitors cached under the same
  generation, the CSRF token put in per response (``dangjian/portal/cache.py``), hits answered in
  front of Django's handler (``portal.middleware.PortalFront`` in ``dangjian/wsgi.py``).

Read-only on the seeded database (anonymous GETs only), so no private copy. Prints ``BENCH_JSON``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
import http_load  # noqa: E402
from common import ROOT, bench_env, emit, setup_django  # noqa: E402

HERE = Path(__file__).resolve().parent
CONFIGS = [
    ("no cache", {"PORTAL_CACHE_SECONDS": 0, "PORTAL_PAGE_CACHE_SECONDS": 0}),
    ("block cache", {"PORTAL_PAGE_CACHE_SECONDS": 0}),
    ("page cache", {}),
]


def _urls() -> tuple[str, str, str]:
    """Path of the portal home page and of the newest live article."""
    setup_django()
    from wagtail.models import Site

    from dangjian.portal.models import ArticlePage, PortalHomePage

    home = PortalHomePage.objects.live().first()
    assert home is not None, "no portal home page: the portal demo seeder did not run"
    article = ArticlePage.objects.live().descendant_of(home).order_by("-date", "-pk").first()
    assert article is not None, "no live article in the portal demo data"
    site = Site.objects.get(is_default_site=True)
    home_url = home.get_url(None, current_site=site) or "/portal/"
    article_url = article.get_url(None, current_site=site) or ""
    return home_url, article_url, article.title  # get_url is already percent-encoded


def _settings_module(tmp: Path, name: str, overrides: dict[str, int]) -> str:
    module = f"portal_bench_{name.replace(' ', '_')}"
    lines = ["from dangjian.settings import *  # noqa: F403"]
    lines += [f"{k} = {v!r}" for k, v in overrides.items()]
    (tmp / f"{module}.py").write_text("\n".join(lines) + "\n")
    return module


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _row(runs: list[dict], bases: list[dict], name: str, note: str) -> dict:
    """One table row from the rounds of one URL: the run with the median req/s for the figures;
    the ratio is the median of the per-round ratios, each against the bare view measured just
    before it (the machine's load changes between rounds, rarely within one)."""
    ok = [(r, b) for r, b in zip(runs, bases, strict=True) if "rps" in r and "rps" in b]
    if not ok:
        return {"name": name, "baseline": "bare Django view", "ratio": None,
                "note": runs[0].get("skipped", "failed") if runs else "not run"}
    r = sorted((pair[0] for pair in ok), key=lambda run: run["rps"])[len(ok) // 2]
    ratios = [run["rps"] / base["rps"] for run, base in ok]
    p99_ratios = [base["p99"] / run["p99"] for run, base in ok if run["p99"]]
    solo = next((run for run, _b in ok if "solo_p50" in run), {})
    row = {"name": name, "rps": r["rps"], "p50": r["p50"] / 1000, "p95": r["p95"] / 1000, "p99": r["p99"] / 1000,
           "runs": r["requests"], "baseline": "bare Django view", "ratio": _median(ratios),
           "p99_ratio": _median(p99_ratios) if p99_ratios else None, "round_ratios": ratios,
           "solo_p50": solo.get("solo_p50", 0) / 1000, "errors": sum(run["errors"] for run, _b in ok),
           "page_kb": r["page_bytes"] / 1024}
    row["note"] = (f"{note}; ratio per round {', '.join(f'{x:.2f}' for x in ratios)}; bare p99 ÷ page p99 "
                   f"{row['p99_ratio'] or 0:.2f}; 1-conn p50 {row['solo_p50']:.1f} ms; errors {row['errors']}").lstrip("; ")
    return row


def main() -> None:
    started = time.perf_counter()
    if "SQLITE_PATH" not in os.environ:  # run by hand: the bench environment of bench/run.py
        os.environ.update(bench_env(os.environ.get("BENCH_SCALE", "county")))
    home_url, article_url, title = _urls()
    # shorter warm-up and 1-connection pass than the core benchmarks (7 URLs to fit in ~3 min)
    http_load.WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
    solo = int(os.environ.get("BENCH_SOLO_DURATION", "3"))
    rounds = max(1, int(os.environ.get("BENCH_PORTAL_ROUNDS", "3")))
    env = dict(os.environ)
    log = ROOT / "var" / "bench" / "servers.log"
    rows: list[dict] = []
    baseline_env = dict(env, DJANGO_SETTINGS_MODULE="baseline_app.settings")
    wanted = [c.strip() for c in os.environ.get("BENCH_PORTAL_CONFIGS", "").split(",") if c.strip()]
    all_bases: list[dict] = []
    with http_load.gunicorn("baseline_app.wsgi:application", baseline_env, HERE, log) as bare, \
            tempfile.TemporaryDirectory(prefix="dj-bench-portal-") as tmpdir:
        tmp = Path(tmpdir)
        for name, overrides in CONFIGS:
            if wanted and name not in wanted:
                continue
            module = _settings_module(tmp, name, overrides)
            app_env = dict(env, DJANGO_SETTINGS_MODULE=module,
                           PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp)]))
            runs: dict[str, list[dict]] = {"home /portal/": [], "article": []}
            bases: list[dict] = []
            with http_load.gunicorn("dangjian.wsgi:application", app_env, ROOT, log) as app:
                # rounds of (bare, home, article): each page compared with the bare view just before it
                for i in range(rounds):
                    http_load.SOLO = solo if i == 0 else 0
                    bases.append(http_load.measure(f"bare Django view 6 KB (round {i + 1})", f"{bare}/", {}))
                    for label, url in (("home /portal/", home_url), ("article", article_url)):
                        runs[label].append(http_load.measure(f"portal {label} ({name}, round {i + 1})",
                                                             f"{app}{url}", {}))
            all_bases += bases
            for label, label_runs in runs.items():
                rows.append(_row(label_runs, bases, f"portal {label}, anonymous ({name})",
                                 f"{title}" if label == "article" else ""))
    rows.insert(0, _row(all_bases, all_bases, "bare Django view 6 KB (baseline)",
                        f"same gunicorn/wrk settings, {len(all_bases)} runs interleaved with the pages"))
    emit({"rows": rows, "urls": {"home": home_url, "article": article_url}, "rounds": rounds,
          "seconds": time.perf_counter() - started})


if __name__ == "__main__":
    main()
