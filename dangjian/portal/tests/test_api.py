"""The portal API for the app's news feed: public, live pages only, paginated with a fixed number
of queries, bodies as sanitised blocks with image renditions, reads counted on the app channel."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.portal import counting
from dangjian.portal.models import PageViewCount
from dangjian.portal.stats import do_flush_view_counts
from dangjian.portal.tests.conftest import make_image, published_article, text

pytestmark = pytest.mark.django_db
API = "/api/v1/portal"


def test_articles_list_is_paginated_with_a_bounded_number_of_queries(portal: Any, client: Any,
                                                                     django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        published_article(portal.news if i % 2 else portal.town_a, f"新闻{i}", acting_user=portal.root,
                          cover_image=make_image(f"封面{i}"), summary=f"摘要{i}")
    for page in (1, 3):  # renditions are made once, on the first request that shows the cover
        client.get(f"{API}/articles?page_size=5&page={page}")
    with django_assert_max_num_queries(7):
        data = client.get(f"{API}/articles?page_size=5").json()
    assert data["count"] == 12 and len(data["items"]) == 5 and data["items"][0]["title"] == "新闻11"
    first = data["items"][0]
    assert first["section"]["id"] == portal.news.pk and first["url"].endswith("?ch=app")
    assert "fill-480x320" in first["cover"]["url"] and first["cover"]["url"].startswith("http://testserver/")
    with django_assert_max_num_queries(7):
        page3 = client.get(f"{API}/articles?page_size=5&page=3").json()
    assert [a["title"] for a in page3["items"]] == ["新闻1", "新闻0"]


def test_articles_by_section(portal: Any, client: Any) -> None:
    published_article(portal.news, "县新闻", acting_user=portal.root)
    published_article(portal.town_a, "甲镇新闻", acting_user=portal.root)
    data = client.get(f"{API}/articles?section={portal.town_a.pk}").json()
    assert [a["title"] for a in data["items"]] == ["甲镇新闻"]
    assert client.get(f"{API}/articles?section=999999").status_code == 404
    assert client.get(f"{API}/articles?page_size=500").status_code == 422
    sections = client.get(f"{API}/sections").json()
    assert {s["slug"] for s in sections} >= {"xinwen", "town-a"}


def test_article_detail_has_sanitised_blocks_and_renditions(portal: Any, client: Any) -> None:
    image = make_image("现场")
    body = [*text('<p>正文<script>alert(1)</script><a href="javascript:alert(2)">链接</a></p>'),
            ("image", {"image": image, "caption": "会议现场"})]
    article = published_article(portal.news, "详情", acting_user=portal.root, body=body)
    data = client.get(f"{API}/articles/{article.pk}").json()
    assert data["title"] == "详情" and [b["type"] for b in data["body"]] == ["text", "image"]
    html = data["body"][0]["html"]
    assert "正文" in html and "<script" not in html and "javascript:" not in html
    assert data["body"][1]["image"]["width"] == 64 and data["body"][1]["caption"] == "会议现场"
    assert "<script" not in data["body_html"] and data["body"][1]["image"]["url"] in data["body_html"]


def test_drafts_and_unpublished_articles_are_not_found(portal: Any, client: Any) -> None:
    article = published_article(portal.news, "撤下", acting_user=portal.root)
    article.unpublish(user=portal.root)
    assert client.get(f"{API}/articles/{article.pk}").status_code == 404
    assert client.get(f"{API}/articles").json()["count"] == 0
    assert client.get(f"{API}/articles/{portal.news.pk}").status_code == 404  # a section is not an article


def test_reading_through_the_api_counts_on_the_app_channel(portal: Any, client: Any) -> None:
    with counting._lock:
        counting._buffer.clear()
    article = published_article(portal.news, "应用阅读", acting_user=portal.root)
    client.get(f"{API}/articles/{article.pk}")
    client.get(f"{API}/articles/{article.pk}")
    do_flush_view_counts()
    assert PageViewCount.objects.get(page_id=article.pk).channel == "app"
    assert PageViewCount.objects.get(page_id=article.pk).views == 2
