"""In Chromium at 360×640: a member watches part of a video lesson, leaves, and in a new browser
context (another device) the lesson resumes at the same second."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from dangjian.learning import LessonKind
from dangjian.learning.actions import do_publish_course, do_save_course, do_save_lesson, do_upload_lesson_media
from dangjian.learning.models import LessonProgress
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 640}


def test_watch_leave_and_resume_on_another_device(live_server: Any, chromium: Any, tmp_path: Path, tree: Any,
                                                  users: Any, settings: Any) -> None:
    settings.LEARNING_HEARTBEAT_SECONDS = 2
    source = tmp_path / "in.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=12",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=12", "-shortest", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(source)], check=True, timeout=60)
    course = do_save_course(tree.county, {"title": "视频课"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": "短片"}, acting_user=users.admin)
    do_upload_lesson_media(lesson, SimpleUploadedFile("in.mp4", source.read_bytes()), acting_user=users.admin)
    do_publish_course(course, acting_user=users.admin)  # converted by the task already

    def open_lesson(context: Any) -> Any:
        page = context.new_page()
        page.set_default_timeout(20_000)
        login(page, live_server.url, users.member.username, PASSWORD)
        page.goto(f"{live_server.url}/learning/l/{lesson.pk}/")
        page.wait_for_function("() => document.getElementById('lesson-media').readyState >= 1")
        return page

    problems: list[str] = []
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = open_lesson(phone)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        page.evaluate("() => { const m = document.getElementById('lesson-media'); m.muted = true; return m.play(); }")
        page.wait_for_function("() => document.getElementById('lesson-media').currentTime > 5.2")
        page.evaluate("() => document.getElementById('lesson-media').pause()")
        page.wait_for_function("() => Number(document.getElementById('lesson-status').dataset.coverage || 0) > 0")
        row = LessonProgress.objects.get(user=users.member, lesson=lesson)
        for _ in range(50):  # the pause's report may still be on its way
            row.refresh_from_db()
            if row.position_s > 5:
                break
            page.wait_for_timeout(100)
        assert 5 < row.position_s < 8 and row.covered_s >= 3
    finally:
        phone.close()
    other = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = open_lesson(other)
        page.wait_for_function("() => document.getElementById('lesson-media').currentTime > 0")
        resumed = page.evaluate("() => document.getElementById('lesson-media').currentTime")
        assert int(resumed) == int(row.position_s)
        assert problems == []
    finally:
        other.close()


def test_download_a_lesson_read_it_offline_and_the_progress_syncs(live_server: Any, chromium: Any, tree: Any,
                                                                   users: Any, settings: Any) -> None:
    """A member downloads an article lesson, cuts the network, reads its second page (never opened
    online) from the downloaded copy; the reports wait on the phone and reach the server — bounded
    by its clock — once the network is back."""
    settings.LEARNING_HEARTBEAT_SECONDS = 2
    course = do_save_course(tree.county, {"title": "离线课"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.ARTICLE, "title": "原文", "body": "<p>离线也能读的原文</p>",
                                     "page_count": 2, "page_seconds": 4}, acting_user=users.admin)
    do_publish_course(course, acting_user=users.admin)
    problems: list[str] = []
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = downloaded(phone, live_server.url, users.member, lesson, problems)
        page.context.set_offline(True)
        try:
            page.goto(f"{live_server.url}/learning/l/{lesson.pk}/?page=2")
            assert page.locator("#lesson-player").get_attribute("data-page") == "2"
            assert "离线也能读的原文" in page.locator("article.lesson-text").inner_text()
            assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
            page.wait_for_function(f"() => ({QUEUE})().filter(r => r.page === 2).length >= 4", timeout=30_000)
            assert "2" not in stored(users.member, lesson).pages  # nothing reached the server while offline
            with page.expect_response(lambda r: r.url.endswith("/progress/batch"), timeout=30_000) as sent:
                page.context.set_offline(False)
            assert sent.value.status == 200
            reports = sent.value.request.post_data_json["reports"]
            synced = list(zip(reports, sent.value.json()["results"], strict=True))
            # the second page's seconds come from the reports made offline (its page shown 4 s)
            assert sum(out["credited_s"] for report, out in synced if report["page"] == 2) >= 4
            assert synced[-1][1]["position_s"] == 2
        finally:
            page.context.set_offline(False)
        page.wait_for_function(f"() => ({QUEUE})().length === 0", timeout=30_000)
        page.wait_for_function("() => Number(document.getElementById('lesson-status').dataset.coverage || 0) >= 50")
        assert problems == []
    finally:
        phone.close()
    row = stored(users.member, lesson)  # the page is closed: nothing is writing now
    assert row.pages.get("2", 0) >= 4 and row.position_s == 2


def test_download_a_video_lesson_watch_it_offline_and_the_progress_syncs(live_server: Any, chromium: Any,
                                                                        tmp_path: Path, tree: Any, users: Any,
                                                                        settings: Any) -> None:
    """A member downloads a video lesson (the small video), cuts the network and watches it: the
    service worker answers the player's byte ranges from the downloaded copy (206 with
    Content-Range); the reports wait on the phone and are credited once the network is back."""
    settings.LEARNING_HEARTBEAT_SECONDS = 2
    source = tmp_path / "in.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=12",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=12", "-shortest", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(source)], check=True, timeout=60)
    course = do_save_course(tree.county, {"title": "离线视频课"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": "离线短片"}, acting_user=users.admin)
    do_upload_lesson_media(lesson, SimpleUploadedFile("in.mp4", source.read_bytes()), acting_user=users.admin)
    do_publish_course(course, acting_user=users.admin)  # converted by the task already
    small = f"/learning/m/{lesson.pk}/small/"
    media = "document.getElementById('lesson-media')"
    problems: list[str] = []
    offline_media: list[Any] = []
    phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        page = downloaded(phone, live_server.url, users.member, lesson, problems, timeout=60_000)
        before = stored(users.member, lesson)  # the download's report started the server's clock
        assert before.covered_s == 0
        page.context.set_offline(True)
        try:
            page.on("response", lambda r: offline_media.append(r) if r.url.endswith(small) else None)
            page.goto(f"{live_server.url}/learning/l/{lesson.pk}/")
            page.wait_for_function(f"() => {media}.readyState >= 1")
            page.evaluate(f"() => {{ const m = {media}; m.muted = true; return m.play(); }}")
            page.wait_for_function(f"() => {media}.currentTime > 5.2", timeout=30_000)
            page.evaluate(f"() => {media}.pause()")
            page.wait_for_function(f"() => ({QUEUE})().length >= 2", timeout=30_000)
            assert stored(users.member, lesson).covered_s == 0  # nothing reached the server while offline
            assert offline_media and all(r.from_service_worker for r in offline_media)
            ranged = [r for r in offline_media if r.status == 206]
            assert ranged and all(r.headers["content-range"].startswith("bytes ") for r in ranged)
            size = (Path(settings.MEDIA_ROOT) / lesson.__class__.objects.get(pk=lesson.pk).video_small).stat().st_size
            assert all(r.headers["content-range"].endswith(f"/{size}") for r in ranged)
            with page.expect_response(lambda r: r.url.endswith("/progress/batch"), timeout=30_000) as sent:
                page.context.set_offline(False)
            assert sent.value.status == 200
            credited = sum(out["credited_s"] for out in sent.value.json()["results"])
            assert credited >= 3  # the seconds watched offline, within the server's clock
        finally:
            page.context.set_offline(False)
        page.wait_for_function(f"() => ({QUEUE})().length === 0", timeout=30_000)
        assert problems == []
    finally:
        phone.close()
    row = stored(users.member, lesson)
    assert row.covered_s >= 3 and 5 < row.position_s < 8


#: The progress reports waiting on the phone (player.js keeps them in localStorage until sent).
QUEUE = "() => JSON.parse(localStorage.getItem('dj-learning-queue') || '[]')"


def downloaded(context: Any, base: str, member: Any, lesson: Any, problems: list[str], *,
               timeout: int = 30_000) -> Any:
    """A page of ``context`` where ``member`` has opened ``lesson`` under the service worker and
    downloaded it (page errors go to ``problems``)."""
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    login(page, base, member.username, PASSWORD)
    page.goto(f"{base}/learning/l/{lesson.pk}/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now under the service worker
    assert page.evaluate("!!navigator.serviceWorker.controller")
    page.click("#lesson-download")
    page.wait_for_function("() => document.getElementById('lesson-player').dataset.downloaded === 'true'",
                           timeout=timeout)
    return page


def stored(user: Any, lesson: Any) -> LessonProgress:
    """The progress row, read while the test server may be writing it (SQLite's shared in-memory
    database refuses a read during a write instead of waiting)."""
    for _ in range(50):
        try:
            return LessonProgress.objects.get(user=user, lesson=lesson)
        except OperationalError:
            time.sleep(0.1)
    return LessonProgress.objects.get(user=user, lesson=lesson)
