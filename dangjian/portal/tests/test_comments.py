"""Public feedback: comments on articles, moderation (sensitive words + human review), the
official answer shown with the comment, XSS neutralised, rate limit, moderator scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.portal import CommentStatus
from dangjian.portal.actions import do_answer_comment, do_moderate_comment, do_set_sensitive_words, do_submit_comment
from dangjian.portal.models import PublicComment
from dangjian.portal.tests.conftest import published_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(portal):
    return published_article(portal.town_a, "甲镇环境整治", acting_user=portal.root)


def test_comment_waits_for_review_then_shows_with_answer(article, portal, client):
    resp = client.post(article.url, {"name": "老王", "body": "路灯什么时候修好？"})
    assert resp.status_code == 302
    comment = PublicComment.objects.get()
    assert comment.status == CommentStatus.PENDING
    assert "路灯什么时候修好" not in client.get(article.url).content.decode()
    do_moderate_comment(comment, CommentStatus.APPROVED, acting_user=portal.editor_a)
    do_answer_comment(comment, "本周内修复完毕。", acting_user=portal.editor_a)
    html = client.get(article.url).content.decode()
    assert "路灯什么时候修好" in html and "本周内修复完毕。" in html and "老王" in html


def test_a_restricted_article_takes_no_comment_from_a_signed_out_visitor(article, client):
    """The comment is taken by an ``on_serve_page`` hook that Wagtail's view
    restriction check wraps: a page for signed-in users only refuses an anonymous POST like a GET."""
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    resp = client.post(article.url, {"name": "老王", "body": "路灯什么时候修好？"})
    assert resp.status_code == 302 and "login" in resp["Location"]
    assert PublicComment.objects.count() == 0


def test_name_is_optional_and_body_required(article, client):
    resp = client.post(article.url, {"name": "", "body": ""})
    assert resp.status_code == 400
    assert PublicComment.objects.count() == 0
    resp = client.post(article.url, {"body": "支持！"})
    assert resp.status_code == 302
    assert PublicComment.objects.get().name == ""


def test_sensitive_words_are_flagged_and_never_auto_published(article, portal, settings):
    settings.PORTAL_COMMENT_PREMODERATION = False
    do_set_sensitive_words(["赌博", "代开发票"], acting_user=portal.root)
    clean = do_submit_comment(article, {"body": "活动很好"})
    assert clean.status == CommentStatus.APPROVED
    flagged = do_submit_comment(article, {"body": "这里有人代开发票"})
    assert flagged.status == CommentStatus.PENDING
    assert flagged.flagged_words == "代开发票"


def test_xss_in_comments_is_escaped(article, portal, client):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    comment = do_submit_comment(article, {"name": "<b>x</b>", "body": payload})
    do_moderate_comment(comment, CommentStatus.APPROVED, acting_user=portal.root)
    do_answer_comment(comment, "<img src=x onerror=alert(3)>答复", acting_user=portal.root)
    html = client.get(article.url).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x onerror" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_comments_are_rate_limited(article, client, settings):
    settings.PORTAL_COMMENT_RATE_LIMIT = "2/m"
    assert client.post(article.url, {"body": "第一条"}).status_code == 302
    assert client.post(article.url, {"body": "第二条"}).status_code == 302
    resp = client.post(article.url, {"body": "第三条"})
    assert resp.status_code == 429
    assert PublicComment.objects.count() == 2


def test_closed_articles_refuse_comments(portal):
    article = published_article(portal.news, "不开放评论", acting_user=portal.root, comments_open=False)
    article.comments_open = False
    with pytest.raises(ValidationError):
        do_submit_comment(article, {"body": "能评论吗"})


def test_moderators_only_within_their_organizations(article, portal, users, client):
    comment = do_submit_comment(article, {"body": "甲镇的评论"})
    with pytest.raises(PermissionDenied):
        do_moderate_comment(comment, CommentStatus.APPROVED, acting_user=portal.editor_b)
    with pytest.raises(PermissionDenied):
        do_answer_comment(comment, "越权答复", acting_user=users.member)
    client.force_login(portal.editor_b)
    assert "甲镇的评论" not in client.get("/staff/portal/comments/").content.decode()
    assert client.post(f"/staff/portal/comments/{comment.pk}/moderate/", {"status": "approved"}).status_code == 404
    client.force_login(portal.editor_a)
    assert "甲镇的评论" in client.get("/staff/portal/comments/").content.decode()
    resp = client.post(f"/staff/portal/comments/{comment.pk}/moderate/", {"status": "approved"})
    assert resp.status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.APPROVED
    client.post(f"/staff/portal/comments/{comment.pk}/answer/", {"answer": "已收到"})
    comment.refresh_from_db()
    assert comment.answer == "已收到" and comment.answered_by == portal.editor_a


def test_illegal_transition_is_refused(article, portal):
    comment = do_submit_comment(article, {"body": "评论内容"})
    do_moderate_comment(comment, CommentStatus.REJECTED, acting_user=portal.root)
    with pytest.raises(ValidationError):
        do_moderate_comment(comment, CommentStatus.PENDING, acting_user=portal.root)


def test_moderation_queue_is_paginated_with_bounded_queries(article, portal, client, django_assert_max_num_queries):
    for i in range(30):
        do_submit_comment(article, {"body": f"评论{i}"})
    client.force_login(portal.editor_a)
    with django_assert_max_num_queries(20):
        resp = client.get("/staff/portal/comments/")
    assert len(resp.context["page_obj"].object_list) == 25


def test_sensitive_word_page(portal, client, users):
    client.force_login(portal.root)
    resp = client.post("/staff/portal/sensitive-words/", {"words": "赌博\n\n 迷信 \n赌博"})
    assert resp.status_code == 302
    from dangjian.portal.models import SensitiveWord

    assert sorted(SensitiveWord.objects.values_list("word", flat=True)) == ["赌博", "迷信"]
    client.force_login(users.publicity)
    assert client.get("/staff/portal/sensitive-words/").status_code == 404


def test_a_comment_is_announced_for_analysis_when_it_is_published(article, portal, client,
                                                                   django_capture_on_commit_callbacks):
    from dangjian.testing.texts import announced_texts, offered

    with announced_texts() as seen, django_capture_on_commit_callbacks(execute=True):
        client.post(article.url, {"name": "老王", "body": "路灯什么时候修好？"})
        comment = PublicComment.objects.get()
        assert seen == []  # waiting for review: not offered yet
        do_moderate_comment(comment, CommentStatus.APPROVED, acting_user=portal.editor_a)
    assert seen == [("comments", offered("comments", comment.pk))]
