"""Chinese full-text search at /search/?q= (jieba tokens; same SQL on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from wagtail.models import Page

from dangjian.portal import search
from dangjian.portal.tests.conftest import published_article, text

pytestmark = pytest.mark.django_db


def test_tokens_segment_chinese():
    assert "从严治党" in search.tokens("全面从严治党向纵深发展", for_index=True)
    assert "治党" in search.tokens("全面从严治党向纵深发展", for_index=True)
    assert search.query_tokens("从严治党 从严治党") == ["从严治党"]


def test_search_finds_chinese_words_and_highlights(portal, client):
    published_article(portal.news, "全面从严治党工作会议召开", acting_user=portal.root,
                      body=text("<p>会议强调，要把全面从严治党向纵深推进，持续加强基层党组织建设。</p>"))
    published_article(portal.news, "乡村振兴简报", acting_user=portal.root, body=text("<p>产业发展良好。</p>"))
    resp = client.get("/search/", {"q": "基层党组织"})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert [r["title"] for r in resp.context["results"]] == ["全面从严治党工作会议召开"]
    assert "<mark>基层</mark><mark>党组织</mark>建设" in html and "乡村振兴简报" not in html
    resp = client.get("/search/", {"q": "治党"})
    assert "全面从严<mark>治党</mark>工作会议召开" in resp.content.decode()


def test_search_needs_every_word_and_ranks_title_first(portal):
    published_article(portal.news, "党费收缴", acting_user=portal.root, body=text("<p>普通内容</p>"))
    published_article(portal.news, "普通标题", acting_user=portal.root, body=text("<p>关于党费的说明</p>"))
    _toks, hits = search.search("党费")
    ids = [h["page"] for h in hits]
    titles = list(Page.objects.filter(pk__in=ids).values_list("title", flat=True))
    assert len(ids) == 2
    assert Page.objects.get(pk=ids[0]).title == "党费收缴"
    assert "普通标题" in titles
    _toks, hits = search.search("党费 收缴")
    assert len(list(hits)) == 1


def test_unpublished_pages_drop_out(portal, client):
    article = published_article(portal.news, "即将撤回的文章", acting_user=portal.root)
    assert len(client.get("/search/", {"q": "撤回"}).context["results"]) == 1
    article.unpublish(user=portal.root)
    assert client.get("/search/", {"q": "撤回"}).context["results"] == []


def test_search_is_paginated_with_bounded_queries(portal, client, django_assert_max_num_queries):
    for i in range(23):
        published_article(portal.news, f"党建动态第{i}期", acting_user=portal.root)
    with django_assert_max_num_queries(12):
        resp = client.get("/search/", {"q": "党建动态"})
    assert resp.context["page_obj"].paginator.count == 23
    assert len(resp.context["results"]) == 10
    assert len(client.get("/search/", {"q": "党建动态", "page": 3}).context["results"]) == 3


def test_query_and_text_are_escaped(portal, client):
    published_article(portal.news, "普通新闻", acting_user=portal.root, body=text("<p>&lt;b&gt;粗体&lt;/b&gt; 内容</p>"))
    html = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert search.snippet("<b>x</b> 内容", ["内容"]) == "&lt;b&gt;x&lt;/b&gt; <mark>内容</mark>"


def test_empty_query(portal, client):
    resp = client.get("/search/")
    assert resp.status_code == 200 and resp.context["results"] == []



def test_one_index_publishing_writes_only_the_portal_token_index(portal):
    from django.apps import apps

    from dangjian.portal.models import SearchToken

    index_entries = apps.get_model("wagtailsearch", "IndexEntry")

    article = published_article(portal.news, "党建引领基层治理", acting_user=portal.root,
                                body=text("<p>网格化服务群众。</p>"))
    assert SearchToken.objects.filter(page=article).exists()
    assert not index_entries.objects.exists()  # Wagtail's backend keeps no second index
    _toks, hits = search.search("基层治理")
    assert [h["page"] for h in hits] == [article.pk]
