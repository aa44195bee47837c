"""Feeds at fixed addresses, parsed: Atom, RSS 2.0 and JSON Feed 1.1."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from dangjian.portal.tests.conftest import published_article

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def articles(portal):
    return [
        published_article(portal.news, "县委新闻一", acting_user=portal.root, summary="摘要一"),
        published_article(portal.town_a, "甲镇新闻", acting_user=portal.root),
    ]


def test_atom_feed(portal, articles, client):
    resp = client.get("/feeds/news.atom")
    assert resp.status_code == 200
    root = ET.fromstring(  # noqa: S314 - our own response
        resp.content)
    assert root.tag == ATOM + "feed"
    for required in ("id", "title", "updated"):
        assert root.find(ATOM + required) is not None
    entries = root.findall(ATOM + "entry")
    assert {e.find(ATOM + "title").text for e in entries} == {"县委新闻一", "甲镇新闻"}
    for e in entries:
        assert e.find(ATOM + "id").text and e.find(ATOM + "updated").text
        assert e.find(ATOM + "link").get("href").startswith("http://testserver/portal/")


def test_rss_feed(portal, articles, client):
    resp = client.get("/feeds/news.rss")
    root = ET.fromstring(  # noqa: S314 - our own response
        resp.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for required in ("title", "link", "description"):
        assert channel.find(required) is not None
    items = channel.findall("item")
    assert len(items) == 2
    assert all(i.find("pubDate") is not None and i.find("guid") is not None for i in items)


def test_json_feed(portal, articles, client):
    resp = client.get("/feeds/news.json")
    assert resp["Content-Type"].startswith("application/feed+json")
    data = json.loads(resp.content)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] and data["home_page_url"].startswith("http://testserver")
    assert len(data["items"]) == 2
    for item in data["items"]:
        assert item["id"] and item["url"].startswith("http://testserver/portal/")
        assert "content_text" in item and item["date_published"]


def test_section_feed_has_only_that_section(portal, articles, client):
    root = ET.fromstring(  # noqa: S314 - our own response
        client.get("/feeds/town-a.atom").content)
    assert [e.find(ATOM + "title").text for e in root.findall(ATOM + "entry")] == ["甲镇新闻"]
    data = json.loads(client.get("/feeds/town-a.json").content)
    assert [i["title"] for i in data["items"]] == ["甲镇新闻"]
    assert client.get("/feeds/town-a.rss").status_code == 200


def test_unknown_section_feed_is_404(portal, client):
    assert client.get("/feeds/nope.atom").status_code == 404
    assert client.get("/feeds/nope.json").status_code == 404


def test_json_feed_follows_publish(portal, articles, client):
    client.get("/feeds/news.json")
    published_article(portal.news, "最新发布", acting_user=portal.root)
    titles = [i["title"] for i in json.loads(client.get("/feeds/news.json").content)["items"]]
    assert "最新发布" in titles
