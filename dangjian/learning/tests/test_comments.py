"""The learning exchange: comments under lessons, through the portal's moderation pipeline
(sensitive words, pre-moderation, the one review queue, official answers), only for those who
may learn the lesson."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangjian.learning.actions import do_comment_lesson, do_publish_course, do_save_course, do_save_lesson
from dangjian.portal import CommentStatus
from dangjian.portal.actions import do_answer_comment, do_moderate_comment, do_set_sensitive_words
from dangjian.portal.models import PublicComment


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture(autouse=True)
def _clean_rate_limits() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def town(tree: Any, users: Any) -> SimpleNamespace:
    """A published course of town A (its publicity officer moderates) with an article lesson."""
    course = do_save_course(tree.town_a, {"title": "甲镇微党课"}, acting_user=users.admin)
    lesson = do_save_lesson(course, {"kind": "article", "title": "乡村振兴导读", "body": "<p>正文</p>"},
                            acting_user=users.admin)
    do_publish_course(course, acting_user=users.admin)
    return SimpleNamespace(course=course, lesson=lesson)


def test_a_comment_waits_for_review_then_shows_under_the_lesson_with_its_answer(town: Any, users: Any) -> None:
    member = login(users.member)
    url = f"/learning/l/{town.lesson.pk}/"
    resp = member.post(f"{url}comment/", {"name": "老张", "body": "村里怎么落实这一条？"})
    assert resp.status_code == 302 and resp["Location"] == f"{url}#comments"
    comment = PublicComment.objects.get()
    assert (comment.status, comment.matter_kind, comment.matter_ref) == (CommentStatus.PENDING, "lesson",
                                                                         str(town.lesson.pk))
    assert comment.org_path == town.course.org_path and comment.user == users.member
    assert comment.matter_title == "甲镇微党课 · 乡村振兴导读"
    assert "村里怎么落实这一条" not in member.get(url).content.decode()

    queue = login(users.publicity).get("/staff/portal/comments/").content.decode()
    assert "村里怎么落实这一条" in queue and f'href="{url}#comments"' in queue
    do_moderate_comment(comment, CommentStatus.APPROVED, acting_user=users.publicity)
    do_answer_comment(comment, "结合村规民约，下周支部会上细说。", acting_user=users.publicity)
    html = member.get(url).content.decode()
    assert "村里怎么落实这一条" in html and "结合村规民约，下周支部会上细说。" in html and "老张" in html


def test_moderators_of_the_course_organization_only(town: Any, users: Any, tree: Any) -> None:
    do_comment_lesson(town.lesson, {"body": "很有收获"}, acting_user=users.member)
    comment = PublicComment.objects.get()
    other = do_save_course(tree.town_b, {"title": "乙镇课程"}, acting_user=users.admin)
    lesson_b = do_save_lesson(other, {"kind": "article", "title": "乙镇文章", "body": "<p>x</p>"},
                              acting_user=users.admin)
    do_publish_course(other, acting_user=users.admin)
    do_comment_lesson(lesson_b, {"body": "乙镇的留言"}, acting_user=users.admin)
    out_of_scope = PublicComment.objects.get(matter_ref=str(lesson_b.pk))
    with pytest.raises(PermissionDenied):
        do_moderate_comment(out_of_scope, CommentStatus.APPROVED, acting_user=users.publicity)
    queue = login(users.publicity).get("/staff/portal/comments/").content.decode()
    assert "很有收获" in queue and "乙镇的留言" not in queue
    do_moderate_comment(comment, CommentStatus.REJECTED, acting_user=users.publicity)
    assert "很有收获" not in login(users.member).get(f"/learning/l/{town.lesson.pk}/").content.decode()


def test_only_those_who_may_learn_the_lesson_comment(town: Any, users: Any, tree: Any) -> None:
    assert login(users.public).post(f"/learning/l/{town.lesson.pk}/comment/", {"body": "看不到的课"}).status_code == 404
    with pytest.raises(PermissionDenied):
        do_comment_lesson(town.lesson, {"body": "看不到的课"}, acting_user=users.public)
    draft = do_save_course(tree.town_a, {"title": "草稿"}, acting_user=users.admin)
    draft_lesson = do_save_lesson(draft, {"kind": "article", "title": "草稿文章", "body": "<p>x</p>"},
                                  acting_user=users.admin)
    assert login(users.member).post(f"/learning/l/{draft_lesson.pk}/comment/", {"body": "草稿"}).status_code == 404
    assert Client().post(f"/learning/l/{town.lesson.pk}/comment/", {"body": "匿名"}).status_code == 302  # to sign in
    assert PublicComment.objects.count() == 0


def test_bad_input_names_the_field_and_writes_nothing(town: Any, users: Any) -> None:
    member = login(users.member)
    url = f"/learning/l/{town.lesson.pk}/comment/"
    empty = member.post(url, {"body": ""})
    assert empty.status_code == 400 and 'id="id_body"' in empty.content.decode()
    assert member.post(url, {"body": "长" * 1001}).status_code == 400
    with pytest.raises(ValidationError) as exc:
        do_comment_lesson(town.lesson, {"body": "短"}, acting_user=users.member)
    assert "body" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_comment_lesson(town.lesson, {"name": "名" * 41, "body": "写得很好"}, acting_user=users.member)
    assert "name" in exc.value.message_dict
    assert PublicComment.objects.count() == 0


def test_sensitive_words_wait_even_without_premoderation(town: Any, users: Any, settings: Any) -> None:
    settings.PORTAL_COMMENT_PREMODERATION = False
    do_set_sensitive_words(["代开发票"], acting_user=users.admin)
    assert do_comment_lesson(town.lesson, {"body": "讲得清楚"}, acting_user=users.member)["status"] == "approved"
    assert do_comment_lesson(town.lesson, {"body": "有人代开发票吗"}, acting_user=users.member)["status"] == "pending"
    html = login(users.member).get(f"/learning/l/{town.lesson.pk}/").content.decode()
    assert "讲得清楚" in html and "代开发票" not in html


def test_comments_are_rate_limited_per_account(town: Any, users: Any, settings: Any) -> None:
    settings.LEARNING_COMMENT_RATE_LIMIT = "2/10m"
    member = login(users.member)
    url = f"/learning/l/{town.lesson.pk}/comment/"
    assert [member.post(url, {"body": f"第{n}条留言"}).status_code for n in range(3)] == [302, 302, 429]
    assert PublicComment.objects.count() == 2


def test_lesson_comments_are_never_a_public_matter_page(town: Any, users: Any) -> None:
    do_comment_lesson(town.lesson, {"body": "只在党校里看"}, acting_user=users.member)
    do_moderate_comment(PublicComment.objects.get(), CommentStatus.APPROVED, acting_user=users.publicity)
    assert Client().get(f"/portal/matters/lesson/{town.lesson.pk}/").status_code == 404
    assert login(users.member).get(f"/portal/matters/lesson/{town.lesson.pk}/").status_code == 404


def test_the_lesson_page_with_comments_has_bounded_queries(town: Any, users: Any,
                                                           django_assert_max_num_queries: Any) -> None:
    for n in range(30):
        do_comment_lesson(town.lesson, {"body": f"第{n}条体会"}, acting_user=users.admin)
    PublicComment.objects.update(status=CommentStatus.APPROVED)
    member = login(users.member)
    member.get(f"/learning/l/{town.lesson.pk}/")
    with django_assert_max_num_queries(15):
        html = member.get(f"/learning/l/{town.lesson.pk}/").content.decode()
    assert "第29条体会" in html


def test_only_registered_comment_targets_reach_the_queue(users: Any) -> None:
    from dangjian.core.hooks import matter_sources, submit_comment
    from dangjian.portal.actions import submit_target_comment

    with pytest.raises(ValueError):
        submit_comment("no-such-kind", "1", title="x", org_path="", data={"body": "写得很好"}, user=users.member)
    public_kind = matter_sources()[0].kind  # a public matter's responses go through its own page only
    with pytest.raises(ValueError):
        submit_target_comment(kind=public_kind, ref="1", title="x", org_path="", data={"body": "写得很好"},
                              user=users.member)
    assert PublicComment.objects.count() == 0
