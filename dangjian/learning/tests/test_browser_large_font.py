"""Large font on every page of the party school (issue 16): in Chromium at 360×640 with the site's
large-font setting, each learning page — courses, lessons, points, exams, lectures, and the
editors' pages — renders with the larger text and fits the phone's width (no sideways scrolling).
The data is the demo's (a county course with a real video, an article lesson, a bank and an exam
with a finished attempt, a finished live lecture)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.learning.actions import do_save_points_settings
from dangjian.learning.demo import seed_demo
from dangjian.learning.exams.demo import seed_exams
from dangjian.learning.exams.models import Attempt, Exam, QuestionBank
from dangjian.learning.lectures.demo import seed_lectures
from dangjian.learning.lectures.models import Lecture
from dangjian.learning.models import Course, LearningPlan
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 640}
NORMAL_PX, LARGE_PX = 16, 20  # core's body font size without and with the setting


def _fits_in_large_font(page: Any, base: str, path: str) -> str | None:
    """Open ``path``; None when it answered 200, renders the larger text and fits the width."""
    response = page.goto(base + path)
    if response is None or response.status != 200:
        return f"{path}: HTTP {response.status if response else '-'}"
    size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    if size != LARGE_PX:
        return f"{path}: body font {size}px"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        return f"{path}: {width}px wide"
    return None


def test_every_learning_page_works_in_large_font_on_a_phone(live_server: Any, chromium: Any, tree: Any,
                                                             users: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, rng=random.Random(1), today=timezone.localdate(),
                      scale="small", users={"demo-admin": users.admin, "demo-secretary": users.secretary,
                                            "demo-member": users.member})
    seed_demo(ctx)
    seed_exams(ctx)
    seed_lectures(ctx)
    do_save_points_settings(tree.county, {"enabled": "on", "rankings": "on", "lesson_completed_points": "5",
                                          "lesson_completed_cap": "10"}, acting_user=users.admin)
    exam, bank, lecture = Exam.objects.get(), QuestionBank.objects.get(), Lecture.objects.get()
    assert lecture.lesson is not None  # the finished demo lecture became a one-lesson course
    course = Course.objects.exclude(pk=lecture.lesson.course_id).get()
    lessons = {x.kind: x for x in course.lessons.all()}
    assert set(lessons) == {"video", "article"}  # the demo's video was made by ffmpeg
    attempt = Attempt.objects.get(state="submitted")  # the demo member's finished attempt
    plan = LearningPlan.objects.get()
    member_pages = [
        "/learning/", f"/learning/c/{course.pk}/", f"/learning/l/{lessons['article'].pk}/",
        f"/learning/l/{lessons['video'].pk}/", f"/learning/l/{lessons['video'].pk}/?audio=1",
        "/learning/points/", "/learning/points/ranking/",
        "/learning/exams/", f"/learning/exams/{exam.pk}/", f"/learning/exams/attempt/{attempt.pk}/result/",
        "/learning/lectures/", f"/learning/lectures/{lecture.pk}/", f"/learning/l/{lecture.lesson.pk}/",
    ]
    editor_pages = [
        "/learning/manage/", f"/learning/manage/courses/{course.pk}/", "/learning/manage/courses/new/",
        f"/learning/manage/lessons/{lessons['video'].pk}/", f"/learning/manage/plans/{plan.pk}/",
        f"/learning/manage/plans/{plan.pk}/report/", "/learning/manage/points/",
        "/learning/exams/banks/", f"/learning/exams/banks/{bank.pk}/", "/learning/exams/manage/",
        f"/learning/exams/manage/{exam.pk}/", "/learning/exams/manage/new/", "/learning/lectures/new/",
    ]
    problems: list[str] = []
    for user, paths in ((users.member, member_pages), (users.admin, editor_pages)):
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
        try:
            page = phone.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
            login(page, live_server.url, user.username, PASSWORD)
            page.goto(live_server.url + "/learning/")
            assert page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)") == NORMAL_PX
            phone.add_cookies([{"name": "large_font", "value": "1", "url": live_server.url}])
            problems.extend(p for p in (_fits_in_large_font(page, live_server.url, path) for path in paths) if p)
        finally:
            phone.close()
    assert problems == []
