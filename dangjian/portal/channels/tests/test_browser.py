"""The main journey in a real browser, extended from the portal's own: an editor writes an article
with an image in the Wagtail admin, two reviewers and the final approver pass it, it is published
and shows on the home page, in the feed, in the app's feed and in the local WeChat stand-in (as a
reader opening the article's WeChat link sees it); the editor then sees every channel delivered."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from dangjian.portal import ReviewStage
from dangjian.portal.channels import ChannelKind
from dangjian.portal.channels.actions import do_set_section_channel
from dangjian.portal.channels.models import ChannelPost, OutboxEntry
from dangjian.portal.models import ArticlePage
from dangjian.portal.tests.conftest import make_image
from dangjian.portal.tests.test_browser import _approve
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_article_passes_reviews_and_goes_out_to_every_channel(browser_page: Any, live_server: Any, portal: Any,
                                                                stand_ins: Any, settings: Any) -> None:
    base = live_server.url
    settings.CHANNELS_SITE_URL = base
    stand_ins.weibo.secure_domain = "dangjian.example"  # not this site: Weibo refuses the link
    for channel in (ChannelKind.WECHAT, ChannelKind.WEIBO, ChannelKind.APP):
        do_set_section_channel(portal.town_a, channel, enabled=True, acting_user=portal.root)
    make_image("甲镇党员大会现场", portal.root)
    page = browser_page
    login(page, base, portal.editor_a.username, PASSWORD)
    page.goto(f"{base}/cms/pages/add/portal/articlepage/{portal.town_a.pk}/")
    page.fill("#id_title", "甲镇召开全体党员大会")
    page.fill("#id_summary", "甲镇召开全体党员大会，部署下半年工作。")
    page.click("#id_cover_image-chooser .unchosen [data-chooser-action-choose]")
    page.click(".modal a[data-chooser-modal-choice]")
    page.wait_for_selector(".modal", state="hidden")
    page.click("footer.footer button.w-dropdown__toggle")
    with page.expect_navigation():
        page.click("button[name=action-submit]")
    article = ArticlePage.objects.get(title="甲镇召开全体党员大会")
    page.context.clear_cookies()
    assert OutboxEntry.objects.count() == 0  # nothing goes out before the reviews

    for stage in (ReviewStage.FIRST, ReviewStage.SECOND, ReviewStage.FINAL):
        _approve(page, base, portal.reviewers[stage], article.pk)
    article.refresh_from_db()
    assert article.live

    # the portal: home page and feed
    page.goto(f"{base}/portal/")
    assert "甲镇召开全体党员大会" in page.inner_text("main")
    assert "甲镇召开全体党员大会" in page.request.get(f"{base}/feeds/news.atom").text()
    # the app's feed
    feed = page.request.get(f"{base}/api/v1/channels/app-feed").json()
    assert [i["title"] for i in feed["items"]] == ["甲镇召开全体党员大会"]
    # WeChat: published with the cover as thumb; a reader opens the article's link
    (published,) = stand_ins.wechat.live_articles()
    item = published["news_item"][0]
    assert item["title"] == "甲镇召开全体党员大会" and item["thumb_media_id"] in stand_ins.wechat.materials
    assert item["content_source_url"] == base + article.url
    post = ChannelPost.objects.get(page=article, channel=ChannelKind.WECHAT)
    page.goto(post.remote_url)
    assert page.inner_text("#activity-name") == "甲镇召开全体党员大会"
    assert "部署下半年工作" in page.inner_text("#js_content")  # no body: the summary is the text
    # Weibo is refused (the app's secure domain is not this site): the editor sees why
    login(page, base, portal.editor_a.username, PASSWORD)
    page.goto(f"{base}/staff/portal/channels/article/{article.pk}/")
    assert page.locator("#channel-wechat .live").count() == 1
    assert page.locator("#channel-app .live").count() == 1
    assert "10017" in page.inner_text("#channel-weibo")
    # fixed on Weibo's side; the editor retries by hand
    stand_ins.weibo.secure_domain = urlsplit(base).hostname
    with page.expect_navigation():
        page.click("#channel-weibo button[type=submit]")
    assert page.locator("#channel-weibo .live").count() == 1
    assert len(stand_ins.weibo.live_statuses()) == 1
