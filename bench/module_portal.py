"""Benchmark (issue 6): the portal's anonymous home page and one article page under load.

wrk (2 threads, 64 connections, ``bench/http_load.py``'s settings) against gunicorn (3 sync
workers, production settings) in three configurations, each started on its own so they do not
share the CPU, plus the bare Django view of ``bench/baseline_app`` served the same way in the same
run (the ratio column is req/s ÷ bare Django req/s; the note gives p99 ÷ bare Django p99):

- ``no cache``: ``PORTAL_CACHE_SECONDS=0`` — every block, menu and page built on every request;
- ``block cache``: the portal as configured before whole-page caching (home-page lists and feeds
  cached under the publish generation, ``PORTAL_PAGE_CACHE_SECONDS=0``);
- ``page cache``: the default now — whole pages for anonymous visitors cached under the same
  generation, the CSRF token put in per response (``dangjian/portal/cache.py``).

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


def _row(r: dict, base: dict | None, name: str, note: str) -> dict:
    if "rps" not in r:
        return {"name": name, "baseline": "bare Django view", "ratio": None, "note": r.get("skipped", "failed")}
    row = {"name": name, "rps": r["rps"], "p50": r["p50"] / 1000, "p95": r["p95"] / 1000, "p99": r["p99"] / 1000,
           "runs": r["requests"], "baseline": "bare Django view", "ratio": None,
           "solo_p50": r.get("solo_p50", 0) / 1000, "errors": r["errors"], "page_kb": r["page_bytes"] / 1024,
           "note": note}
    if base and "rps" in base:
        row["ratio"] = r["rps"] / base["rps"]
        row["p99_ratio"] = base["p99"] / r["p99"] if r["p99"] else None
        row["note"] = (f"{note}; p99 {r['p99'] / 1000:.1f} ms vs bare {base['p99'] / 1000:.1f} ms "
                       f"(bare p99 ÷ page p99 = {row['p99_ratio']:.2f}); 1-conn p50 {row['solo_p50']:.1f} ms; "
                       f"errors {r['errors']}").lstrip("; ")
    return row


def main() -> None:
    started = time.perf_counter()
    if "SQLITE_PATH" not in os.environ:  # run by hand: the bench environment of bench/run.py
        os.environ.update(bench_env(os.environ.get("BENCH_SCALE", "county")))
    home_url, article_url, title = _urls()
    # shorter warm-up and 1-connection pass than the core benchmarks (7 URLs to fit in ~3 min)
    http_load.WARMUP = int(os.environ.get("BENCH_WARMUP", "2"))
    http_load.SOLO = int(os.environ.get("BENCH_SOLO_DURATION", "3"))
    env = dict(os.environ)
    log = ROOT / "var" / "bench" / "servers.log"
    rows: list[dict] = []
    baseline_env = dict(env, DJANGO_SETTINGS_MODULE="baseline_app.settings")
    with http_load.gunicorn("baseline_app.wsgi:application", baseline_env, HERE, log) as bare:
        base = http_load.measure("bare Django view 6 KB", f"{bare}/", {})
    rows.append(_row(base, base, "bare Django view 6 KB (baseline)", "same gunicorn/wrk settings"))
    with tempfile.TemporaryDirectory(prefix="dj-bench-portal-") as tmpdir:
        tmp = Path(tmpdir)
        wanted = [c.strip() for c in os.environ.get("BENCH_PORTAL_CONFIGS", "").split(",") if c.strip()]
        for name, overrides in CONFIGS:
            if wanted and name not in wanted:
                continue
            module = _settings_module(tmp, name, overrides)
            app_env = dict(env, DJANGO_SETTINGS_MODULE=module,
                           PYTHONPATH=os.pathsep.join([str(ROOT), str(tmp)]))
            with http_load.gunicorn("dangjian.wsgi:application", app_env, ROOT, log) as app:
                for label, url in (("home /portal/", home_url), ("article", article_url)):
                    r = http_load.measure(f"portal {label} ({name})", f"{app}{url}", {})
                    rows.append(_row(r, base, f"portal {label}, anonymous ({name})",
                                     f"{title}" if label == "article" else ""))
    emit({"rows": rows, "urls": {"home": home_url, "article": article_url},
          "seconds": time.perf_counter() - started})


if __name__ == "__main__":
    main()
