"""The main journeys in a real browser: an editor writes an article with an image in the Wagtail
admin, two reviewers and the final approver pass it, it is published and shows on the home page
and in the feed; a visitor comments on a phone and sees the official answer after moderation."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.portal import ReviewStage
from dangjian.portal.models import ArticlePage, PublicComment
from dangjian.portal.tests.conftest import make_image, published_article
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _approve(page: Any, base: str, user: Any, article_id: int) -> None:
    login(page, base, user.username, PASSWORD)
    page.goto(f"{base}/cms/pages/{article_id}/edit/")
    page.click("footer.footer button.w-dropdown__toggle")
    with page.expect_navigation():
        page.click("button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    page.context.clear_cookies()


def test_editor_article_passes_reviews_and_is_published(browser_page: Any, live_server: Any, portal: Any) -> None:
    base = live_server.url
    make_image("甲镇党员大会现场", portal.root)
    page = browser_page
    login(page, base, portal.editor_a.username, PASSWORD)
    page.goto(f"{base}/cms/pages/add/portal/articlepage/{portal.town_a.pk}/")
    page.fill("#id_title", "甲镇召开全体党员大会")
    page.fill("#id_summary", "甲镇召开全体党员大会，部署下半年工作。")
    page.click("#id_cover_image-chooser .unchosen [data-chooser-action-choose]")
    page.click(".modal a[data-chooser-modal-choice]")
    page.wait_for_selector(".modal", state="hidden")
    # Editors have no "publish" button: they can only submit for review.
    page.click("footer.footer button.w-dropdown__toggle")
    assert page.locator("button[name=action-publish]").count() == 0
    with page.expect_navigation():
        page.click("button[name=action-submit]")
    article = ArticlePage.objects.get(title="甲镇召开全体党员大会")
    assert article.get_latest_revision().content["cover_image"]  # the chosen image is in the draft
    assert not article.live
    page.context.clear_cookies()

    for stage in (ReviewStage.FIRST, ReviewStage.SECOND, ReviewStage.FINAL):
        _approve(page, base, portal.reviewers[stage], article.pk)
        article.refresh_from_db()
        assert article.live == (stage == ReviewStage.FINAL)
    assert article.cover_image is not None

    page.goto(f"{base}/portal/")
    assert "甲镇召开全体党员大会" in page.inner_text("main")
    with page.expect_navigation():
        page.click("main a:has-text('甲镇召开全体党员大会')")
    assert page.locator("main article .article-cover img").count() == 1
    feed = page.request.get(f"{base}/feeds/news.atom").text()
    assert "甲镇召开全体党员大会" in feed


def test_visitor_comments_on_phone_and_sees_answer(phone_page: Any, browser_page: Any, live_server: Any,
                                                   portal: Any) -> None:
    base = live_server.url
    article = published_article(portal.town_a, "甲镇道路整修", acting_user=portal.root)
    page = phone_page
    page.goto(base + article.url)
    page.fill("textarea[name=body]", "村口路灯坏了，什么时候修？")
    page.fill("input[name=name]", "老王")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "审核后显示" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1

    mod = browser_page
    login(mod, base, portal.editor_a.username, PASSWORD)
    mod.goto(f"{base}/staff/portal/comments/")
    assert "村口路灯坏了" in mod.inner_text("main")
    comment = PublicComment.objects.get()
    mod.fill(f"#answer-{comment.pk}", "已安排维修，本周内修好。")
    with mod.expect_navigation():
        mod.click(f"#comment-{comment.pk} .answer-form button[type=submit]")
    with mod.expect_navigation():
        mod.click(f"#comment-{comment.pk} button[value=approved]")

    page.goto(base + article.url)
    text = page.inner_text("#comments")
    assert "村口路灯坏了，什么时候修？" in text and "已安排维修，本周内修好。" in text and "官方答复" in text


def test_visitor_responds_on_a_case_page_on_phone(phone_page: Any, browser_page: Any, live_server: Any,
                                                  tree: Any, users: Any, root_user: Any) -> None:
    """S3 双向互动公开: a visitor on a phone responds on a public case's matter page; the county's
    comment moderator publishes and answers it in the review queue; the visitor sees both on the
    page and the case's handler finds the response in the inbox."""
    from django.contrib.auth.models import AnonymousUser

    from dangjian.cases import MemberRole
    from dangjian.cases.actions import do_add_department_member, do_create_department
    from dangjian.core.roles import Role
    from dangjian.opinions.actions import do_assign_opinion, do_submit_opinion
    from dangjian.testing.fixtures import make_user

    dept = do_create_department({"name": "县交通运输局", "organization": tree.county}, acting_user=users.admin)
    handler = make_user("transport-1", Role.DEPT_HANDLER, tree.county, acting_user=root_user)
    do_add_department_member(dept, handler, MemberRole.HANDLER, acting_user=users.admin)
    opinion = do_submit_opinion({"kind": "suggestion", "title": "公交站台缺少遮雨棚", "body": "甲镇中心站台没有遮雨棚，雨天候车困难。",
                                 "name": "赵六", "phone": "13900002222", "is_public": True}, [],
                                acting_user=AnonymousUser())
    case = do_assign_opinion(opinion, lead_department=dept, acting_user=users.admin)
    moderator = make_user("publicity-county-b", Role.PUBLICITY, tree.county, acting_user=root_user)
    base = live_server.url

    page = phone_page
    page.goto(f"{base}/portal/matters/case/{case.number}/")
    page.fill("#response-form textarea[name=body]", "同意，建议同时加装座椅。")
    page.fill("#response-form input[name=name]", "老李")
    with page.expect_navigation():
        page.click("#response-form button[type=submit]")
    assert "审核后显示" in page.inner_text("body")
    assert "同意，建议同时加装座椅。" not in page.inner_text("#responses")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1

    mod = browser_page
    login(mod, base, moderator.username, PASSWORD)
    mod.goto(f"{base}/staff/portal/comments/")
    response = PublicComment.objects.get()
    assert "公交站台缺少遮雨棚" in mod.inner_text(f"#comment-{response.pk}")
    mod.fill(f"#answer-{response.pk}", "已纳入站台改造计划，年底前完成。")
    with mod.expect_navigation():
        mod.click(f"#comment-{response.pk} .answer-form button[type=submit]")
    mod.goto(f"{base}/staff/portal/comments/")
    with mod.expect_navigation():
        mod.click(f"#comment-{response.pk} button[value=approved]")
    mod.context.clear_cookies()

    page.goto(f"{base}/portal/matters/case/{case.number}/")
    text = page.inner_text("#responses")
    assert "同意，建议同时加装座椅。" in text and "已纳入站台改造计划，年底前完成。" in text and "老李" in text

    login(mod, base, handler.username, PASSWORD)
    mod.goto(f"{base}/notifications/")
    assert case.number in mod.inner_text("main") and "群众回应" in mod.inner_text("main")
