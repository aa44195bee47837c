"""The home page's lists are cached and the cache is invalidated by publishing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.portal.tests.conftest import published_article

pytestmark = pytest.mark.django_db


def test_publishing_changes_the_cached_home_page(portal, client):
    published_article(portal.news, "第一篇", acting_user=portal.root)
    with CaptureQueriesContext(connection) as first:
        assert "第一篇" in client.get("/portal/").content.decode()
    with CaptureQueriesContext(connection) as second:
        client.get("/portal/")
    assert len(second) < len(first)  # the lists came from the cache
    published_article(portal.news, "第二篇", acting_user=portal.root)
    assert "第二篇" in client.get("/portal/").content.decode()


def test_unpublishing_removes_from_the_cached_home_page(portal, client):
    article = published_article(portal.news, "将被撤下", acting_user=portal.root)
    assert "将被撤下" in client.get("/portal/").content.decode()
    article.unpublish(user=portal.root)
    assert "将被撤下" not in client.get("/portal/").content.decode()


# --- whole-page cache for anonymous visitors ---------------------------------------------------


def _token(html: str) -> str:
    import re

    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_anonymous_pages_come_from_the_page_cache_without_a_shared_csrf_token(portal, client):
    from django.core.cache import cache
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import Client

    from dangjian.portal.cache import CSRF_PLACEHOLDER

    article = published_article(portal.news, "整页缓存", acting_user=portal.root)
    with CaptureQueriesContext(connection) as first:
        first_html = client.get(article.url).content.decode()
    with CaptureQueriesContext(connection) as again:
        second = client.get(article.url)
    # only Wagtail's routing (site, path, view restrictions) is left; no body/comment/menu queries
    assert len(again) < len(first) and not any("portal_publiccomment" in q["sql"] for q in again)
    second_html = second.content.decode()
    assert "整页缓存" in second_html and CSRF_PLACEHOLDER not in second_html
    other = Client()
    other_html = other.get(article.url).content.decode()
    # every visitor gets a token for their own CSRF cookie, never one from the cached HTML
    for c, html in ((client, first_html), (client, second_html), (other, other_html)):
        assert _unmask_cipher_token(_token(html)) == c.cookies["csrftoken"].value
    assert _unmask_cipher_token(_token(other_html)) != _unmask_cipher_token(_token(second_html))
    cached = [v for k, v in cache._cache.items() if ":page:" in k]  # type: ignore[attr-defined]
    assert cached and all(CSRF_PLACEHOLDER.encode() in v or CSRF_PLACEHOLDER in str(v) for v in cached)
    assert client.cookies["csrftoken"].value not in str(cached)


def test_comment_form_from_a_cached_page_passes_the_csrf_check(portal):
    from django.test import Client

    from dangjian.portal.models import PublicComment

    article = published_article(portal.news, "可评论", acting_user=portal.root)
    Client().get(article.url)  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    html = visitor.get(article.url).content.decode()
    resp = visitor.post(article.url, {"body": "支持！", "csrfmiddlewaretoken": _token(html)})
    assert resp.status_code == 302
    assert PublicComment.objects.count() == 1


def test_publishing_invalidates_cached_whole_pages(portal, client):
    article = published_article(portal.news, "旧标题", acting_user=portal.root)
    assert "旧标题" in client.get("/portal/").content.decode()
    assert "旧标题" in client.get(article.url).content.decode()
    revision = article.save_revision(user=portal.root)
    article.title = "新标题"
    revision = article.save_revision(user=portal.root)
    revision.publish(user=portal.root)
    assert "新标题" in client.get(article.url).content.decode()
    assert "新标题" in client.get("/portal/").content.decode()
    published_article(portal.news, "又一篇", acting_user=portal.root)
    assert "又一篇" in client.get("/portal/").content.decode()
    article.refresh_from_db()
    article.unpublish(user=portal.root)
    assert client.get(article.url).status_code == 404


def test_signed_in_visitors_and_disabled_setting_bypass_the_page_cache(portal, client, settings):
    article = published_article(portal.news, "不缓存", acting_user=portal.root)
    client.force_login(portal.root)
    client.get(article.url)
    with CaptureQueriesContext(connection) as again:
        client.get(article.url)
    assert any("portal_publiccomment" in q["sql"] for q in again)
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    anon = type(client)()
    anon.get(article.url)
    with CaptureQueriesContext(connection) as again:
        anon.get(article.url)
    assert any("portal_publiccomment" in q["sql"] for q in again)


def test_a_view_restriction_drops_the_cached_page(portal, client):
    from wagtail.models import PageViewRestriction

    article = published_article(portal.news, "将受限", acting_user=portal.root)
    assert client.get(article.url).status_code == 200
    PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    resp = client.get(article.url)
    assert resp.status_code == 302 and "将受限" not in resp.content.decode()
    assert client.get(resp["Location"]).status_code == 200
    assert client.get("/portal/_util/login/").status_code == 200  # still Wagtail's, not the page cache
