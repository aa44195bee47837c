"""Feeds at fixed addresses: ``/feeds/news.{atom,rss,json}`` (资讯动态, the whole portal) and
``/feeds/<section-slug>.{atom,rss,json}`` per section. JSON Feed is version 1.1."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from dangjian.portal.cache import cached
from dangjian.portal.models import ArticlePage, SectionPage, news_feed_articles, section_articles
from dangjian.portal.selectors import FEED_ITEMS, portal_home, section_by_slug

NEWS_SLUG = "news"


def _source(request: HttpRequest, slug: str) -> tuple[Any, SectionPage | None]:
    home = portal_home(request)
    if home is None:
        raise Http404(_("Not found."))
    if slug == NEWS_SLUG:
        return home, None
    section = section_by_slug(slug)
    if section is None:
        raise Http404(_("Not found."))
    return home, section


def _items(home: Any, section: SectionPage | None) -> list[ArticlePage]:
    qs = section_articles(section) if section else news_feed_articles(home)
    return list(qs.select_related("owner")[:FEED_ITEMS])


class ArticleFeed(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, slug: str) -> Any:  # type: ignore[override]
        self.request = request
        return _source(request, slug)

    def title(self, obj: Any) -> str:
        home, section = obj
        return "{} · {}".format(home.title, section.title if section else _("News and updates"))

    def link(self, obj: Any) -> str:
        home, section = obj
        return (section or home).url or "/"

    def description(self, obj: Any) -> str:
        home, section = obj
        return strip_tags(str((section or home).intro or "")) or self.title(obj)

    def items(self, obj: Any) -> list[ArticlePage]:
        return _items(*obj)

    def item_title(self, item: ArticlePage) -> str:
        return item.title

    def item_description(self, item: ArticlePage) -> str:
        return item.summary or item.plain_text()[:300]

    def item_link(self, item: ArticlePage) -> str:
        return (item.url or "/") + "?ch=feed"  # view statistics: read from a feed (portal/stats.py)

    def item_pubdate(self, item: ArticlePage) -> Any:
        return item.date

    def item_updateddate(self, item: ArticlePage) -> Any:
        return item.last_published_at or item.date

    def item_author_name(self, item: ArticlePage) -> str:
        return item.author or ""

    def item_guid(self, item: ArticlePage) -> str:
        return f"urn:dangjian:page:{item.pk}"


class AtomArticleFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description


def json_feed(request: HttpRequest, slug: str) -> JsonResponse:
    home, section = _source(request, slug)

    def build() -> dict[str, Any]:
        base = request.build_absolute_uri("/").rstrip("/")
        page = section or home
        items = []
        for a in _items(home, section):
            item: dict[str, Any] = {
                "id": f"urn:dangjian:page:{a.pk}",
                "url": base + (a.url or "/") + "?ch=feed",
                "title": a.title,
                "content_text": a.plain_text(),
                "summary": a.summary,
                "date_published": a.date.isoformat(),
                "date_modified": (a.last_published_at or a.date).isoformat(),
            }
            if a.author:
                item["authors"] = [{"name": a.author}]
            items.append(item)
        return {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "{} · {}".format(home.title, section.title if section else _("News and updates")),
            "home_page_url": base + (page.url or "/"),
            "feed_url": request.build_absolute_uri(),
            "language": "zh-CN",
            "items": items,
        }

    data = cached("jsonfeed", build, slug, request.get_host())
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/feed+json; charset=utf-8"
    return response
