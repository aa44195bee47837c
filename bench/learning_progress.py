"""Benchmark (issue 16): party-school progress reports per second, and lesson media served with
byte ranges by the application against nginx serving the same file, in one run.

Run by ``make bench`` (bench/run.py) after the demo county is seeded, on a private copy of its
database (``use_private_copy``); alone: ``.venv/bin/python bench/learning_progress.py`` with the
environment of ``bench/common.bench_env`` (BENCH_REUSE=1 make bench seeds it once).

1. In process: ``do_record_progress`` (the action the API calls: lock the row, apply the
   honest-progress rules, store) for one learner on one lesson, ``BENCH_LEARNING_REPORTS`` (2,000)
   honest reports 10 s apart by the server clock it is given → reports/s; baseline in the same
   run: the same number of plain one-row ``UPDATE``s of that progress row, each in its own
   transaction (the database's own write rate).
2. Over HTTP with ``wrk``: a 16 MiB file behind ``/learning/m/<lesson>/small/`` under gunicorn
   (``BENCH_WORKERS`` sync workers, DEBUG off, signed in as the demo member through a session
   cookie), asked for ``Range: bytes=1048576-2097151`` (1 MiB, 206) and with ``bytes=0-1``
   (Safari's probe); nginx serving the same file as a static file with the same ranges is the
   baseline. MiB/s = req/s × MiB.

Prints a table and ``BENCH_JSON {"rows": [...]}``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, emit, setup_django, use_private_copy  # noqa: E402

REPORTS = int(os.environ.get("BENCH_LEARNING_REPORTS", "2000"))
SIZE = 16 * 1024 * 1024
MIB = 1024 * 1024


def progress_rows() -> tuple[list[dict], dict]:
    from django.db import transaction
    from django.utils import timezone

    from dangjian.core.models import User
    from dangjian.learning import LessonKind, MediaState
    from dangjian.learning.actions import do_publish_course, do_record_progress, do_save_course, do_save_lesson
    from dangjian.learning.models import Lesson, LessonProgress
    from dangjian.learning.progress import Report
    from dangjian.orgs.models import Organization

    admin = User.objects.get(username="demo-admin")
    member = User.objects.get(username="demo-member")
    root = Organization.get_root_nodes().first()
    assert root is not None
    course = do_save_course(root, {"title": "bench"}, acting_user=admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": "bench"}, acting_user=admin)
    Lesson.objects.filter(pk=lesson.pk).update(media_state=MediaState.READY, duration_s=REPORTS * 10 + 10)
    lesson.refresh_from_db()
    do_publish_course(course, acting_user=admin)
    t0 = timezone.now()
    do_record_progress(lesson, Report(position_s=0, start_s=0), acting_user=member, received_at=t0)
    start = time.perf_counter()
    for n in range(1, REPORTS + 1):
        do_record_progress(lesson, Report(position_s=n * 10, start_s=(n - 1) * 10), acting_user=member,
                           received_at=t0 + dt.timedelta(seconds=n * 10))
    action_s = time.perf_counter() - start
    row = LessonProgress.objects.get(user=member, lesson=lesson)
    assert row.covered_s == REPORTS * 10, row.covered_s
    start = time.perf_counter()
    for n in range(REPORTS):
        with transaction.atomic():
            LessonProgress.objects.filter(pk=row.pk).update(position_s=n, reports=n)
    plain_s = time.perf_counter() - start
    rps, base = REPORTS / action_s, REPORTS / plain_s
    rows = [{"name": "learning: progress reports (do_record_progress, one learner)", "rps": rps,
             "baseline": f"plain UPDATE {base:.0f}/s", "ratio": rps / base}]
    return rows, {"lesson": lesson, "member": member}


def session_cookie(user) -> str:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"


def media_rows(lesson, member) -> list[dict]:  # type: ignore[no-untyped-def]
    import http_load
    from django.conf import settings

    from dangjian.learning.models import Lesson

    relative = f"learning/media/{lesson.pk}/bench/small.mp4"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(os.urandom(SIZE))
    Lesson.objects.filter(pk=lesson.pk).update(video_small=relative)
    cookie = session_cookie(member)
    env = {**os.environ, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    www = Path(tempfile.mkdtemp(prefix="dj-bench-learning-"))
    rows: list[dict] = []
    try:
        log = www / "gunicorn.log"
        with http_load.gunicorn("dangjian.wsgi:application", env, Path(settings.BASE_DIR), log) as app, \
                http_load.nginx(b"x") as ng:
            static = _nginx_www(ng)
            shutil.copyfile(target, static / "small.mp4")
            (static / "small.mp4").chmod(0o644)
            url = f"{app}/learning/m/{lesson.pk}/small/"
            for label, rng, size in (("1 MiB range", f"bytes={MIB}-{2 * MIB - 1}", MIB),
                                     ("bytes=0-1 probe", "bytes=0-1", 2)):
                mine = http_load.wrk(url, {"Cookie": cookie, "Range": rng})
                theirs = http_load.wrk(f"{ng}/small.mp4", {"Range": rng})
                row = {"name": f"learning: media {label} (app, 206)", "rps": mine["rps"],
                       "p50": mine["p50"] / 1000, "p95": mine["p95"] / 1000, "p99": mine["p99"] / 1000,
                       "baseline": f"nginx {theirs['rps']:.0f}/s", "ratio": mine["rps"] / theirs["rps"],
                       "errors": mine["errors"]}
                if size == MIB:
                    row["mib_s"] = mine["rps"]
                    row["nginx_mib_s"] = theirs["rps"]
                rows.append(row)
    finally:
        shutil.rmtree(www, ignore_errors=True)
    return rows


def _nginx_www(url: str) -> Path:
    """The document root of the nginx ``http_load.nginx`` started (its temporary directory)."""
    port = url.rsplit(":", 1)[1]
    for conf in Path(tempfile.gettempdir()).glob("dj-bench-nginx-*/nginx.conf"):
        if f"127.0.0.1:{port};" in conf.read_text():
            return conf.parent / "www"
    raise RuntimeError("nginx's directory not found")


def main() -> None:
    use_private_copy("learning")
    os.environ["MEDIA_ROOT"] = str(BENCH_DIR / "media")  # never the checkout's media/
    setup_django()
    if shutil.which("wrk") is None or shutil.which("nginx") is None:
        print("wrk or nginx missing (tools/sysdeps.sh bench); only the in-process figures", flush=True)
    rows, ctx = progress_rows()
    if shutil.which("wrk") and shutil.which("nginx"):
        rows += media_rows(ctx["lesson"], ctx["member"])
    for r in rows:
        print(f"{r['name']:<60} {r['rps']:>10.0f}/s  {r.get('baseline', '')}  ratio {r['ratio']:.2f}", flush=True)
    emit({"rows": rows})


if __name__ == "__main__":
    main()
