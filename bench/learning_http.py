"""Benchmark (issue 16) over a real HTTP server: 1,000 members starting the same exam within a
minute, and 500 followers of a live lecture measuring the time from a post to their screen —
each against a plain page of the same server in the same run.

Part of ``make bench`` (after ``learning_progress.py``; ``BENCH_ONLY=learning_http`` runs it alone)
or alone: ``.venv/bin/python bench/learning_http.py``. It builds its own database
(``var/bench/learning_http.sqlite3``: ``learning_live.build``, a county of 10 branches and
``BENCH_EXAM_MEMBERS`` members with accounts and sessions) and serves it with gunicorn
(``BENCH_WORKERS`` sync workers, DEBUG off, as ``http_load.gunicorn`` starts it). The clients are
threads of this process, each with its member's session cookie (and a CSRF cookie + header for
POSTs), speaking plain HTTP/1.1 to 127.0.0.1.

1. **Plain page** — every member asks for the member home ``GET /me/`` once, ``BENCH_CLIENTS``
   (50) at a time: p50/p95 of a request, and the wall time of all of them.
2. **Exam start** — the exam was published (the task drew every member's paper); every member
   posts ``/learning/exams/<id>/start/`` once, the same 50 at a time: p50/p95, wall time (must be
   under a minute: 1,000 starts in one minute), every answer a redirect to the member's attempt.
3. **Live lecture** — ``BENCH_FOLLOWERS`` (500) members poll ``feed/?after=<last>&v=<version>``
   every ``LECTURES_POLL_SECONDS`` (3; each follower starts at a random moment of the interval),
   as ``room.js`` does; the lecturer posts ``BENCH_POSTS`` (10) messages over HTTP, one every
   2 s. For each message and follower: the time from the start of the lecturer's POST to the
   follower's poll answer that carries it ("post to screen"). p50/p95 over all, and the p95 of
   the polls themselves; the baseline is the member home asked by the same 500 members, 50 at a
   time, in the same run.

Prints a table and ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import concurrent.futures as cf
import http.client
import os
import random
import sys
import threading
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(__file__))
import http_load  # noqa: E402
import learning_live  # noqa: E402
from common import BENCH_DIR, ROOT, emit  # noqa: E402

DB = BENCH_DIR / "learning_http.sqlite3"
MEMBERS = int(os.environ.get("BENCH_EXAM_MEMBERS", "1000"))
FOLLOWERS = int(os.environ.get("BENCH_FOLLOWERS", "500"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
POSTS = int(os.environ.get("BENCH_POSTS", "10"))
CSRF = "benchcsrfbenchcsrfbenchcsrfbench"  # 32 characters: an unmasked CSRF secret


class Browser:
    """One member's HTTP client: their session cookie, a CSRF cookie, one request at a time."""

    def __init__(self, base: str, cookie: str) -> None:
        self.host, self.port = urlsplit(base).hostname or "127.0.0.1", urlsplit(base).port or 80
        self.cookie = cookie

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {"Cookie": self.cookie, "Host": f"{self.host}:{self.port}"}
        if method == "POST":
            headers.update({"X-CSRFToken": CSRF, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return r.status, r.getheader("Location") or "", r.read()
        finally:
            conn.close()


def percentiles(samples: list[float]) -> dict:
    return learning_live._percentiles(samples)


def timed_all(browsers: list[Browser], method: str, path: str, check) -> tuple[dict, float]:  # noqa: ANN001
    """Each browser once, ``CLIENTS`` at a time: the latencies (ms) and the wall time (s)."""
    def one(b: Browser) -> float:
        t0 = time.perf_counter()
        status, location, _ = b.request(method, path)
        ms = (time.perf_counter() - t0) * 1000
        assert check(status, location), (status, location)
        return ms

    t = time.perf_counter()
    with cf.ThreadPoolExecutor(CLIENTS) as pool:
        samples = list(pool.map(one, browsers))
    return percentiles(samples), time.perf_counter() - t


def follow(base: str, followers: list[Browser], lecturer: Browser, lecture_id: int, last: int, version: int,
           interval: float) -> dict:
    """Followers poll while the lecturer posts; the post-to-screen latencies and poll times."""
    import json

    posted: dict[str, float] = {}   # message text → when its POST started
    seen: list[float] = []          # latency (ms) per follower and message
    polls: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    texts = [f"基准消息{n}" for n in range(POSTS)]

    def poll_loop(b: Browser) -> None:
        after = last
        got: set[str] = set()
        time.sleep(random.random() * interval)
        while not stop.is_set() and len(got) < POSTS:
            t0 = time.perf_counter()
            status, _, body = b.request("GET", f"/learning/lectures/{lecture_id}/feed/?after={after}&v={version}")
            now = time.perf_counter()
            assert status in (200, 204), status
            out = json.loads(body) if status == 200 else {"messages": []}  # 204: nothing new (pollcache)
            with lock:
                polls.append((now - t0) * 1000)
                for m in out["messages"]:
                    after = max(after, m["id"])
                    if m.get("text") in posted and m["text"] not in got:
                        got.add(m["text"])
                        seen.append((now - posted[m["text"]]) * 1000)
            stop.wait(max(0.0, interval - (time.perf_counter() - t0)))

    threads = [threading.Thread(target=poll_loop, args=(b,), daemon=True) for b in followers]
    for th in threads:
        th.start()
    time.sleep(interval)  # every follower is polling
    from urllib.parse import urlencode

    for text in texts:
        with lock:
            posted[text] = time.perf_counter()
        status, _, _ = lecturer.request("POST", f"/learning/lectures/{lecture_id}/post/", urlencode({"text": text}))
        assert status == 302, status
        time.sleep(2)
    deadline = time.monotonic() + 6 * interval + 60
    while time.monotonic() < deadline and len(seen) < POSTS * len(followers):
        time.sleep(0.5)
    stop.set()
    for th in threads:
        th.join(timeout=30)
    return {"latency": percentiles(seen), "polls": percentiles(polls), "delivered": len(seen),
            "expected": POSTS * len(followers)}


def main() -> None:  # noqa: PLR0915 - one linear script
    learning_live._env(DB)
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from dangjian.learning.exams.actions import do_create_bank, do_create_exam, do_import_questions, do_publish_exam
    from dangjian.learning.exams.demo import demo_check
    from dangjian.learning.exams.models import Attempt
    from dangjian.learning.lectures.actions import do_create_lecture, do_post_message, do_start_lecture

    root, county, users = learning_live.build(MEMBERS)

    def session(user) -> str:  # type: ignore[no-untyped-def]
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return f"{settings.SESSION_COOKIE_NAME}={s.session_key}; {settings.CSRF_COOKIE_NAME}={CSRF}"

    sessions = [session(u) for u in users]
    bank = do_create_bank(county, {"title": "基准题库"}, acting_user=root)
    do_import_questions(bank, demo_check(), acting_user=root)
    now = timezone.now()
    exam = do_create_exam(county, bank, {
        "title": "基准考试", "single_count": 3, "multiple_count": 2, "true_false_count": 3, "fill_count": 2,
        "duration_minutes": 30, "opens_at": now - dt.timedelta(minutes=1), "closes_at": now + dt.timedelta(days=1)},
        acting_user=root)
    with transaction.atomic():
        do_publish_exam(exam, acting_user=root)  # the task runs at once here: every paper drawn
    assert Attempt.objects.filter(exam=exam).count() == MEMBERS
    lecture = do_create_lecture(county, {"title": "基准党课", "lecturer": "bench-root", "starts_at": now},
                                acting_user=root)
    do_start_lecture(lecture, acting_user=root)
    last = do_post_message(lecture, text="开始", acting_user=root)
    lecture.refresh_from_db()
    lecturer_session = session(root)
    interval = float(getattr(settings, "LECTURES_POLL_SECONDS", 3))

    env = {**os.environ}
    log = BENCH_DIR / "learning_http.gunicorn.log"
    rows: list[dict] = []
    with http_load.gunicorn("dangjian.wsgi:application", env, ROOT, log) as base:
        browsers = [Browser(base, s) for s in sessions]
        home, home_wall = timed_all(browsers, "GET", "/me/", lambda s, _: s == 200)
        rows.append({"name": f"learning: plain page GET /me/, {MEMBERS} members, {CLIENTS} at a time",
                     **home, "wall_s": home_wall})
        start, start_wall = timed_all(browsers, "POST", f"/learning/exams/{exam.pk}/start/",
                                      lambda s, loc: s == 302 and "/attempt/" in loc)
        rows.append({"name": f"learning: exam start over HTTP, {MEMBERS} members, {CLIENTS} at a time",
                     **start, "wall_s": start_wall, "baseline": f"/me/ p95 {home['p95']:.0f} ms",
                     "ratio": start["p95"] / home["p95"]})
        running = Attempt.objects.filter(exam=exam, state="running").count()
        assert running == MEMBERS, running
        followers = browsers[:FOLLOWERS]
        plain, _ = timed_all(followers, "GET", "/me/", lambda s, _: s == 200)
        out = follow(base, followers, Browser(base, lecturer_session), lecture.pk, last.pk, lecture.version,
                     interval)
        rows.append({"name": f"learning: plain page GET /me/, {FOLLOWERS} members, {CLIENTS} at a time", **plain})
        rows.append({"name": f"learning: lecture post to screen, {FOLLOWERS} followers polling every "
                             f"{interval:.0f} s", **out["latency"], "baseline": f"/me/ p95 {plain['p95']:.0f} ms",
                     "ratio": out["latency"]["p95"] / plain["p95"], "delivered": out["delivered"],
                     "expected": out["expected"]})
        rows.append({"name": f"learning: lecture poll during it ({FOLLOWERS} followers)", **out["polls"],
                     "baseline": f"/me/ p95 {plain['p95']:.0f} ms", "ratio": out["polls"]["p95"] / plain["p95"]})
    print(f"{'row':<78} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'ratio':>7} {'wall s':>7}")
    for r in rows:
        print(f"{r['name']:<78} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f} {r.get('ratio', 1):7.2f} "
              f"{r.get('wall_s', 0):7.1f}", flush=True)
    if rows[-2]["delivered"] != rows[-2]["expected"]:
        print(f"delivered {rows[-2]['delivered']} of {rows[-2]['expected']}", flush=True)
    emit({"rows": rows})


if __name__ == "__main__":
    main()
