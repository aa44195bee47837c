"""In Chromium at 360×640: a member watches part of a video lesson, leaves, and in a new browser
context (another device) the lesson resumes at the same second."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

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
