"""Benchmark (issue 16): one follower's poll of a live lecture when nothing is new, the full
access check (cold cache) against the cached answer (``pollcache``: 204, no body), in one process.

Run alone::

    .venv/bin/python bench/lecture_poll.py     # builds var/bench/lecture_poll.sqlite3 (migrated)

``BENCH_RUNS`` (timed polls per row, default 500). In process, through Django's test client (the
whole request: middleware, session, account, view), one request after another. The cold row
deletes the cache entries before each poll (outside the timing), so it is the path every poll
took before the cache: session, account, the member record, the roles, the lecture row. Prints
each row's queries, p50/p95, the ratio of the cheap path to the full one, and ``BENCH_JSON``.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, emit  # noqa: E402
from learning_live import _env, _percentiles, build  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "500"))


def main() -> None:
    _env(BENCH_DIR / "lecture_poll.sqlite3")
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dangjian.learning.lectures.actions import do_create_lecture, do_post_message, do_start_lecture

    root, county, users = build(50)
    lecture = do_create_lecture(county, {"title": "基准党课", "lecturer": "bench-root", "starts_at": timezone.now()},
                                acting_user=root)
    do_start_lecture(lecture, acting_user=root)
    last = None
    for n in range(30):
        last = do_post_message(lecture, text=f"第{n}段：" + "学习" * 40, acting_user=root)
    lecture.refresh_from_db()
    follower = Client()
    follower.force_login(users[0])
    url = f"/learning/lectures/{lecture.pk}/feed/"
    quiet = {"after": last.pk, "v": lecture.version}  # type: ignore[union-attr]
    keys = [f"lectures:head:{lecture.pk}", f"lectures:pass:{lecture.pk}:{users[0].pk}"]

    def run(cold: bool) -> tuple[dict, int, int]:
        samples, status = [], 0
        for i in range(RUNS + 1):
            if cold:
                cache.delete_many(keys)
            t = time.perf_counter()
            status = follower.get(url, quiet).status_code
            if i:  # the first is a warm-up
                samples.append((time.perf_counter() - t) * 1000)
        if cold:
            cache.delete_many(keys)
        with CaptureQueriesContext(connection) as ctx:
            follower.get(url, quiet)
        return _percentiles(samples), status, len(ctx.captured_queries)

    rows = []
    for _ in range(2):  # alternate, so a change in the machine's load shows as a difference between rounds
        for name, cold in (("poll, nothing new, full check (cold cache)", True),
                           ("poll, nothing new, cached (204, no body)", False)):
            stats, status, queries = run(cold)
            rows.append({"row": name, "status": status, "queries": queries, **stats})
    print(f"{'row':<48} {'status':>6} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for r in rows:
        print(f"{r['row']:<48} {r['status']:>6} {r['queries']:>7} {r['p50']:8.2f} {r['p95']:8.2f}")
    full = [r for r in rows if r["status"] == 200]
    cheap = [r for r in rows if r["status"] == 204]
    ratio = {k: sum(c[k] for c in cheap) / sum(f[k] for f in full) for k in ("p50", "p95")}
    print(f"cached / full: p50 {ratio['p50']:.2f}, p95 {ratio['p95']:.2f}")
    emit({"rows": rows, "ratio_cached_to_full": ratio, "runs": RUNS})


if __name__ == "__main__":
    main()
