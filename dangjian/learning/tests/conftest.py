from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from dangjian.learning import LessonKind, MediaState, Visibility
from dangjian.learning.actions import do_publish_course, do_save_course, do_save_lesson
from dangjian.learning.models import Lesson

T0 = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 0, 0))


def at(seconds: float) -> dt.datetime:
    """``T0`` plus ``seconds``: the server's clock in the progress tests."""
    return T0 + dt.timedelta(seconds=seconds)


def ready_media(lesson: Lesson, duration: float, **paths: str) -> Lesson:
    """Factory: mark a timed lesson's media as converted (the conversion itself is tested in
    ``test_transcode.py`` with real ffmpeg)."""
    Lesson.objects.filter(pk=lesson.pk).update(media_state=MediaState.READY, duration_s=duration, **paths)
    lesson.refresh_from_db()
    return lesson


@pytest.fixture
def school(tree: Any, users: Any) -> SimpleNamespace:
    """A published county course (a 600 s video, a 2-page article with 20 s pages), a draft
    course of branch A2, and a public course of town B."""
    county = do_save_course(tree.county, {"title": "学习二十大精神", "summary": "县级必修"}, acting_user=users.admin)
    video = do_save_lesson(county, {"kind": LessonKind.VIDEO, "title": "开篇视频", "estimated_minutes": 10},
                           acting_user=users.admin)
    ready_media(video, 600.0)
    article = do_save_lesson(county, {"kind": LessonKind.ARTICLE, "title": "原文导读", "body": "<p>第一页</p>",
                                      "page_count": 2, "page_seconds": 20}, acting_user=users.admin)
    do_publish_course(county, acting_user=users.admin)
    a2 = do_save_course(tree.branch_a2, {"title": "二村支部微党课"}, acting_user=users.admin)
    public = do_save_course(tree.town_b, {"title": "公开课", "visibility": Visibility.PUBLIC}, acting_user=users.admin)
    do_save_lesson(public, {"kind": LessonKind.ARTICLE, "title": "公开文章", "body": "<p>x</p>"},
                   acting_user=users.admin)
    do_publish_course(public, acting_user=users.admin)
    return SimpleNamespace(county=county, video=video, article=article, a2=a2, public=public)
