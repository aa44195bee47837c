"""Uploads converted by real ffmpeg (Debian's, installed by tools/sysdeps.sh) in the background task
(the test backend runs it at once)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.models import Notification
from dangjian.learning import LessonKind, MediaState
from dangjian.learning.actions import do_publish_course, do_save_course, do_save_lesson, do_upload_lesson_media


def make_video(path: Path, seconds: int = 2) -> bytes:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=15:duration={seconds}",
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-shortest",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(path)], check=True, timeout=60)
    return path.read_bytes()


def test_an_uploaded_video_is_converted_to_two_sizes_audio_and_poster(users: Any, tree: Any, tmp_path: Path,
                                                                      django_capture_on_commit_callbacks: Any) -> None:
    course = do_save_course(tree.county, {"title": "视频课"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": "短片"}, acting_user=users.admin)
    data = make_video(tmp_path / "in.mp4")
    with django_capture_on_commit_callbacks(execute=True):
        do_upload_lesson_media(lesson, SimpleUploadedFile("课.mp4", data, "video/mp4"), acting_user=users.admin)
    lesson.refresh_from_db()
    assert lesson.media_state == MediaState.READY, lesson.media_error
    assert lesson.media_progress == 100 and 1.5 <= lesson.duration_s <= 2.5
    root = Path(settings.MEDIA_ROOT)
    for name in (lesson.video_small, lesson.video_large, lesson.audio, lesson.poster):
        assert name and (root / name).stat().st_size > 0
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                            str(root / lesson.video_small)], capture_output=True, text=True, check=True)
    assert set(probe.stdout.split()) == {"h264", "aac"}
    assert Notification.objects.filter(recipient=users.admin, kind="learning.media").exists()
    do_publish_course(course, acting_user=users.admin)


def test_a_failed_conversion_is_reported_and_keeps_the_course_a_draft(users: Any, tree: Any,
                                                                      django_capture_on_commit_callbacks: Any) -> None:
    course = do_save_course(tree.county, {"title": "坏文件"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": "坏"}, acting_user=users.admin)
    with django_capture_on_commit_callbacks(execute=True):
        do_upload_lesson_media(lesson, SimpleUploadedFile("bad.mp4", b"not a video at all" * 100, "video/mp4"),
                               acting_user=users.admin)
    lesson.refresh_from_db()
    assert lesson.media_state == MediaState.FAILED and lesson.media_error
    note = Notification.objects.get(recipient=users.admin, kind="learning.media")
    assert "坏" in note.title
    with pytest.raises(ValidationError):
        do_publish_course(course, acting_user=users.admin)


def test_upload_checks_the_file_type(users: Any, tree: Any) -> None:
    course = do_save_course(tree.county, {"title": "x"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": LessonKind.PDF, "title": "幻灯片"}, acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_upload_lesson_media(lesson, SimpleUploadedFile("a.exe", b"MZ"), acting_user=users.admin)
    assert "file" in exc.value.message_dict
    with pytest.raises(ValidationError):
        do_upload_lesson_media(lesson, SimpleUploadedFile("a.pdf", b"<html>"), acting_user=users.admin)
    do_upload_lesson_media(lesson, SimpleUploadedFile("a.pdf", b"%PDF-1.4 ..."), acting_user=users.admin)
    lesson.refresh_from_db()
    assert lesson.media_state == MediaState.READY
