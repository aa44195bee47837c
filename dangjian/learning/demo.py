"""The party school's part of ``manage.py seed_demo``: a county course with a real short video
(made by ffmpeg at seed time from its test pattern and a tone — nothing is downloaded), an article
lesson, a branch plan that adopts the course, and some progress of the demo member."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File

from dangjian.learning import LessonKind, MediaState
from dangjian.learning.actions import (
    do_add_plan_course,
    do_delete_lesson,
    do_publish_course,
    do_save_course,
    do_save_lesson,
    do_save_plan,
    do_upload_lesson_media,
)
from dangjian.learning.models import Course
from dangjian.learning.transcode import ffmpeg
from dangjian.learning.transcode import run as convert

log = logging.getLogger(__name__)

ARTICLE = """<h2>为什么要学</h2>
<p>党的创新理论是指导工作的思想武器。每位党员结合本职工作，读原文、悟原理，把学习成果转化为为群众办实事的实际行动。</p>
<h2>怎样学</h2>
<p>每次学习十分钟，手机上随时可学；学习进度在电脑和手机之间自动接续，不需要打卡，也不排名次。</p>"""


def make_video(path: Path, seconds: int = 8) -> bool:
    """A short test video (colour bars and a 440 Hz tone) at ``path``; False without ffmpeg."""
    exe = ffmpeg()
    if exe is None:
        return False
    done = subprocess.run([exe, "-v", "error", "-y", "-f", "lavfi", "-i",  # noqa: S603
                           f"testsrc=size=640x360:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                           f"sine=frequency=440:duration={seconds}", "-shortest", "-c:v", "libx264", "-preset",
                           "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
                          capture_output=True, timeout=120, check=False)
    return done.returncode == 0


def seed_demo(ctx: Any) -> None:
    admin, secretary, member = (ctx.users.get(n) for n in ("demo-admin", "demo-secretary", "demo-member"))
    if admin is None or ctx.root is None or Course.objects.exists():
        return
    course = do_save_course(ctx.root, {"title": "学习贯彻党的创新理论（县委组织部）",
                                       "summary": "县级必修微课程：一段短视频和一篇导读。"}, acting_user=admin)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "demo.mp4"
        if make_video(source):
            video = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": "微视频：开篇", "estimated_minutes": 1},
                                   acting_user=admin)
            with source.open("rb") as f:
                do_upload_lesson_media(video, File(f, name="demo.mp4"), acting_user=admin)
            convert(video.pk)  # now, not by the worker: the course is published below
            video.refresh_from_db()
            if video.media_state != MediaState.READY:
                log.warning("learning demo: the demo video did not convert (%s); lesson removed", video.media_error)
                do_delete_lesson(video, acting_user=admin)
        else:
            log.warning("learning demo: ffmpeg is not installed; the demo course has no video lesson "
                        "(install Debian's ffmpeg, see tools/sysdeps.sh)")
    do_save_lesson(course, {"kind": LessonKind.ARTICLE, "title": "导读：怎样学", "estimated_minutes": 3,
                            "body": ARTICLE, "page_count": 1, "page_seconds": 20}, acting_user=admin)
    do_publish_course(course, acting_user=admin)
    if secretary is None or ctx.branch is None:
        return
    plan = do_save_plan(ctx.branch, {"title": "本季度必修课程", "due_on": ctx.today + dt.timedelta(days=30)},
                        acting_user=secretary)
    do_add_plan_course(plan, course, acting_user=secretary)
