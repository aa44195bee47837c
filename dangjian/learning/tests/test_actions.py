"""Courses, lessons and plans: who may edit and see them, publishing, adoption into a plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from dangjian.core.models import AuditEvent
from dangjian.learning import CourseStatus, LessonKind, MediaState
from dangjian.learning.actions import (
    do_add_plan_course,
    do_publish_course,
    do_remove_plan_course,
    do_save_course,
    do_save_lesson,
    do_save_plan,
    do_unpublish_course,
)
from dangjian.learning.models import Lesson, PlanCourse
from dangjian.learning.selectors import access_course, access_lesson, courses_for, managed_courses


def titles(qs: Any) -> set[str]:
    return {c.title for c in qs}


def test_a_county_course_reaches_every_branch_below_and_drafts_reach_nobody(school: Any, users: Any,
                                                                            tree: Any) -> None:
    assert titles(courses_for(users.member)) == {"学习二十大精神", "公开课"}
    assert titles(courses_for(users.public)) == {"公开课"}  # public: anyone signed in
    do_save_lesson(school.a2, {"kind": LessonKind.ARTICLE, "title": "x", "body": "<p>y</p>"}, acting_user=users.admin)
    do_publish_course(school.a2, acting_user=users.admin)
    # branch A2's own course: not for alice in A1 (a sibling), but for its town's organizer
    assert "二村支部微党课" not in titles(courses_for(users.member))
    assert "二村支部微党课" in titles(courses_for(users.organizer))
    with pytest.raises(Http404):
        access_course(users.member, school.a2.pk)
    with pytest.raises(Http404):
        access_lesson(users.nobody, school.video.pk)


def test_editors_see_their_scope_only(school: Any, users: Any) -> None:
    assert titles(managed_courses(users.admin)) == {"学习二十大精神", "二村支部微党课", "公开课"}
    assert titles(managed_courses(users.organizer)) == {"二村支部微党课"}  # town A's subtree
    assert titles(managed_courses(users.secretary)) == set()
    assert titles(managed_courses(users.member)) == set()


def test_a_branch_secretary_cannot_edit_a_county_course(school: Any, users: Any, tree: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_save_course(tree.county, {"title": "x"}, course=school.county, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_save_lesson(school.county, {"kind": "article", "title": "x"}, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_publish_course(school.a2, acting_user=users.member)


def test_course_input_is_checked_field_by_field(users: Any, tree: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_save_course(tree.county, {"title": " "}, acting_user=users.admin)
    assert "title" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_save_course(tree.county, {"title": "x", "visibility": "world"}, acting_user=users.admin)
    assert "visibility" in exc.value.message_dict
    course = do_save_course(tree.county, {"title": "x"}, acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_save_lesson(course, {"kind": "hologram", "title": "x"}, acting_user=users.admin)
    assert "kind" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_save_lesson(course, {"kind": "video", "title": "x", "estimated_minutes": -3}, acting_user=users.admin)
    assert "estimated_minutes" in exc.value.message_dict
    assert not Lesson.objects.filter(course=course).exists()


def test_article_text_is_sanitized(users: Any, tree: Any) -> None:
    course = do_save_course(tree.county, {"title": "x"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": "article", "title": "x",
                                     "body": '<p onclick="x()">正文</p><script>alert(1)</script>'},
                            acting_user=users.admin)
    assert "script" not in lesson.body and "onclick" not in lesson.body and "正文" in lesson.body


def test_a_course_with_unready_or_failed_media_stays_a_draft(users: Any, tree: Any) -> None:
    course = do_save_course(tree.county, {"title": "x"}, acting_user=users.admin)
    with pytest.raises(ValidationError):
        do_publish_course(course, acting_user=users.admin)  # no lesson
    video = do_save_lesson(course, {"kind": "video", "title": "视频"}, acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_publish_course(course, acting_user=users.admin)
    assert "not ready" in " ".join(exc.value.messages) or "尚未" in " ".join(exc.value.messages)
    Lesson.objects.filter(pk=video.pk).update(media_state=MediaState.FAILED, media_error="boom")
    with pytest.raises(ValidationError) as exc:
        do_publish_course(course, acting_user=users.admin)
    assert "failed" in " ".join(exc.value.messages) or "失败" in " ".join(exc.value.messages)
    course.refresh_from_db()
    assert course.status == CourseStatus.DRAFT
    Lesson.objects.filter(pk=video.pk).update(media_state=MediaState.READY, duration_s=30)
    do_publish_course(course, acting_user=users.admin)
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED and course.published_at is not None
    do_unpublish_course(course, acting_user=users.admin)
    assert AuditEvent.objects.filter(action__in=["course.published", "course.unpublished"]).count() == 2


def test_a_branch_adopts_a_course_from_above_into_its_plan(school: Any, users: Any, tree: Any) -> None:
    plan = do_save_plan(tree.branch_a1, {"title": "四季度必修", "due_on": "2026-12-31"}, acting_user=users.secretary)
    assert plan.due_on == dt.date(2026, 12, 31)
    item = do_add_plan_course(plan, school.county, acting_user=users.secretary)
    assert item.adopted is True
    do_add_plan_course(plan, school.public, acting_user=users.secretary)  # public, from another town
    with pytest.raises(ValidationError) as exc:  # already in the plan
        do_add_plan_course(plan, school.county, acting_user=users.secretary)
    assert "course" in exc.value.message_dict
    with pytest.raises(ValidationError):  # a sibling branch's course (and a draft)
        do_add_plan_course(plan, school.a2, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):  # not the secretary's organization
        do_save_plan(tree.branch_a2, {"title": "x", "due_on": "2026-12-31"}, acting_user=users.secretary)
    do_remove_plan_course(plan, school.public, acting_user=users.secretary)
    assert list(PlanCourse.objects.filter(plan=plan).values_list("course__title", flat=True)) == ["学习二十大精神"]


def test_plan_due_date_is_required(users: Any, tree: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_save_plan(tree.branch_a1, {"title": "x", "due_on": "31/12"}, acting_user=users.secretary)
    assert "due_on" in exc.value.message_dict
