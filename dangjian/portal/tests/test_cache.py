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
