"""The portal on the workbench: comment and correction to-dos, review tasks, article search,
the "Portal content" entry (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.core.navigation import navigation
from dangjian.core.search import search_all
from dangjian.core.todos import forget_counts, todos_for
from dangjian.portal import CommentStatus, ReviewStage
from dangjian.portal.actions import (
    do_answer_correction,
    do_create_article,
    do_moderate_comment,
    do_review,
    do_submit_comment,
    do_submit_for_review,
    do_suggest_correction,
)
from dangjian.portal.tests.conftest import published_article, text

pytestmark = pytest.mark.django_db


def refs(user: Any, source: str) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=[source]).items]


def test_comment_waits_for_the_moderator_in_scope_until_moderated(portal: Any, users: Any) -> None:
    article = published_article(portal.town_a, "甲镇环境整治", acting_user=portal.root)
    comment = do_submit_comment(article, {"body": "路灯什么时候修好？"})
    assert refs(portal.editor_a, "portal.comments") == [f"comment:{comment.pk}"]
    for other in (portal.editor_b, users.secretary, users.member):
        assert refs(other, "portal.comments") == []
    do_moderate_comment(comment, CommentStatus.APPROVED, acting_user=portal.editor_a)
    assert refs(portal.editor_a, "portal.comments") == []


def test_correction_waits_for_the_section_editors_until_answered(portal: Any, users: Any) -> None:
    article = published_article(portal.town_a, "甲镇通知", acting_user=portal.root)
    s = do_suggest_correction(article, {"body": "日期应为11月20日。"})
    assert refs(portal.editor_a, "portal.corrections") == [f"correction:{s.pk}"]
    assert refs(portal.editor_b, "portal.corrections") == []
    assert refs(users.member, "portal.corrections") == []
    do_answer_correction(s, "accepted", "已更正日期。", acting_user=portal.editor_a)
    assert refs(portal.editor_a, "portal.corrections") == []


def test_review_task_reaches_the_stage_reviewer_until_approved(portal: Any, users: Any, client: Any) -> None:
    article = do_create_article(portal.town_a, {"title": "甲镇待审稿件", "body": text("<p>正文</p>")},
                                acting_user=portal.editor_a)
    do_submit_for_review(article, acting_user=portal.editor_a)
    first, second = portal.reviewers[ReviewStage.FIRST], portal.reviewers[ReviewStage.SECOND]
    (item,) = todos_for(first, sources=["portal.review"]).items
    assert "甲镇待审稿件" in item.title
    client.force_login(first)
    assert client.get(item.url).status_code == 200
    assert refs(second, "portal.review") == [] and refs(users.member, "portal.review") == []
    do_review(article, acting_user=first, approve=True)
    assert refs(first, "portal.review") == []
    assert len(refs(second, "portal.review")) == 1


def test_articles_search_finds_live_public_pages_only(portal: Any, users: Any) -> None:
    published_article(portal.news, "全县党建工作推进会召开", acting_user=portal.root)
    do_create_article(portal.news, {"title": "党建工作草稿", "body": text("<p>草稿</p>")}, acting_user=portal.root)

    def hits(user: Any) -> list[str]:
        return [h.title for g in search_all(user, "党建工作") if g["kind"] == "articles" for h in g["items"]]
    assert hits(users.member) == ["全县党建工作推进会召开"]
    assert hits(users.admin) == ["全县党建工作推进会召开"]


def test_portal_entries_open_for_whoever_sees_them(portal: Any, users: Any, client: Any) -> None:
    people = [users.admin, users.secretary, users.publicity, users.member, users.nobody, portal.county_editor,
              *portal.reviewers.values()]
    for user in people:
        client.force_login(user)
        for group in navigation(user, badges=False):
            for entry in group["entries"]:
                if entry["key"].startswith(("portal:", "channels:", "wagtailadmin")):
                    assert client.get(entry["url"]).status_code == 200, (user.username, entry["key"])
    keys = {e["key"] for g in navigation(users.publicity, badges=False) for e in g["entries"]}
    assert "wagtailadmin_home" in keys
    assert "wagtailadmin_home" not in {e["key"] for g in navigation(users.secretary, badges=False)
                                       for e in g["entries"]}
