"""API: the portal's news for the app (``/api/v1/portal``). Public (no token): only live,
public pages. Lists are paginated with a fixed number of queries (cover renditions prefetched);
an article's body comes as blocks with sanitised HTML and image renditions. Reading an article
through the API counts as a view on the ``app`` channel (``portal/stats.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import MAX_ID, ErrorOut, ObjectId
from dangjian.core.sanitize import RICH, clean_html
from dangjian.portal.models import ArticlePage, SectionPage

router = Router(tags=["portal"], auth=None)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
COVER_SPEC = "fill-480x320"
BODY_IMAGE_SPEC = "max-960x960"
GALLERY_SPEC = "fill-480x360"
ERRORS: dict[int, Any] = {404: ErrorOut, 422: ErrorOut}


class ImageOut(Schema):
    url: str
    width: int
    height: int
    alt: str


class SectionOut(Schema):
    id: int
    title: str
    slug: str
    kind: str
    url: str


class ArticleItem(Schema):
    id: int
    title: str
    summary: str
    date: dt.datetime
    author: str
    section: SectionOut | None
    url: str = Field(..., description="The article's public page (tagged ?ch=app for view statistics).")
    cover: ImageOut | None


class BlockOut(Schema):
    type: str = Field(..., description="text, image, gallery, video or document")
    html: str = ""
    image: ImageOut | None = None
    images: list[ImageOut] = []
    caption: str = ""
    title: str = ""
    url: str = ""
    poster: ImageOut | None = None


class ArticleDetail(ArticleItem):
    body: list[BlockOut]
    body_html: str = Field(..., description="The whole body as sanitised HTML (images as renditions).")


class ArticlePageOut(Schema):
    items: list[ArticleItem]
    count: int
    page: int
    page_size: int


class ArticleFilters(Schema):
    section: int | None = Field(None, ge=1, le=MAX_ID, description="Section id: its articles and its subsections'.")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _abs(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url) if url else ""


def _image(request: HttpRequest, image: Any, spec: str) -> dict[str, Any] | None:
    if image is None:
        return None
    r = image.get_rendition(spec)
    return {"url": _abs(request, r.url), "width": r.width, "height": r.height, "alt": image.default_alt_text or ""}


def _section_out(request: HttpRequest, s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"id": s.pk, "title": s.title, "slug": s.slug, "kind": s.kind, "url": _abs(request, s.url or "")}


def _sections() -> dict[str, SectionPage]:
    """Live public sections by path (one query), for the articles' ``section``."""
    return {s.path: s for s in SectionPage.objects.live().public().order_by("path")}


def _parent_section(article: ArticlePage, sections: dict[str, SectionPage]) -> SectionPage | None:
    return sections.get(article.path[: -ArticlePage.steplen])


def _item(request: HttpRequest, a: ArticlePage, sections: dict[str, SectionPage]) -> dict[str, Any]:
    return {
        "id": a.pk, "title": a.title, "summary": a.summary, "date": a.date, "author": a.author,
        "section": _section_out(request, _parent_section(a, sections)),
        "url": _abs(request, (a.url or "/") + "?ch=app"), "cover": _image(request, a.cover_image, COVER_SPEC),
    }


def _articles() -> Any:
    from wagtail.images import get_image_model

    images = get_image_model().objects.prefetch_renditions(COVER_SPEC)
    return (ArticlePage.objects.live().public().order_by("-date", "-pk")
            .prefetch_related(Prefetch("cover_image", queryset=images)))


def _blocks(request: HttpRequest, article: ArticlePage) -> list[dict[str, Any]]:
    from wagtail.rich_text import expand_db_html

    out: list[dict[str, Any]] = []
    for block in article.body:
        kind, v = block.block_type, block.value
        if kind == "text":
            out.append({"type": kind, "html": str(clean_html(expand_db_html(str(getattr(v, "source", v) or "")), RICH))})
        elif kind == "image":
            out.append({"type": kind, "image": _image(request, v["image"], BODY_IMAGE_SPEC), "caption": v["caption"]})
        elif kind == "gallery":
            imgs = [_image(request, i["image"], GALLERY_SPEC) for i in v["images"] if i["image"] is not None]
            out.append({"type": kind, "title": v["title"], "images": imgs})
        elif kind == "video":
            url = v["file"].url if v["file"] else (v["url"] or "")
            out.append({"type": kind, "url": _abs(request, url) if url.startswith("/") else url,
                        "caption": v["caption"], "poster": _image(request, v["poster"], BODY_IMAGE_SPEC)})
        elif kind == "document" and v["document"] is not None:
            out.append({"type": kind, "url": _abs(request, v["document"].url),
                        "title": v["title"] or v["document"].title})
    return out


def _blocks_html(blocks: list[dict[str, Any]]) -> str:
    from django.utils.html import format_html, format_html_join

    parts: list[str] = []
    for b in blocks:
        if b["type"] == "text":
            parts.append(b["html"])
        elif b["type"] in ("image", "gallery"):
            images = [b["image"]] if b["type"] == "image" else b["images"]
            parts.append(str(format_html_join("", '<figure><img src="{}" width="{}" height="{}" alt="{}"></figure>',
                                              ((i["url"], i["width"], i["height"], i["alt"]) for i in images if i))))
        elif b["type"] in ("video", "document") and b["url"]:
            parts.append(str(format_html('<p><a href="{}">{}</a></p>', b["url"], b["title"] or b["caption"] or b["url"])))
    return str(clean_html("".join(parts), RICH))


@router.get("/sections", response=list[SectionOut], summary="The portal's live sections")
def list_sections(request: HttpRequest) -> Any:
    return [_section_out(request, s) for s in _sections().values()]


@router.get("/articles", response={200: ArticlePageOut, **ERRORS}, summary="Live articles, newest first, paginated")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> Any:
    sections = _sections()
    qs = _articles()
    if filters.section is not None:
        section = next((s for s in sections.values() if s.pk == filters.section), None)
        if section is None:
            raise ApiError(404, "not_found", _("Not found."))
        qs = qs.descendant_of(section)
    size = filters.page_size
    start = (filters.page - 1) * size
    count = qs.count()
    rows = list(qs[start:start + size]) if start < count else []
    return {"items": [_item(request, a, sections) for a in rows], "count": count, "page": filters.page,
            "page_size": size}


@router.get("/articles/{article_id}", response={200: ArticleDetail, **ERRORS},
            summary="One live article: body as blocks and sanitised HTML, image renditions")
def get_article(request: HttpRequest, article_id: Path[ObjectId]) -> Any:
    from dangjian.portal.counting import record_view

    article = _articles().filter(pk=article_id).first()
    if article is None:
        raise ApiError(404, "not_found", _("Not found."))
    blocks = _blocks(request, article)
    record_view(article.pk, request, channel="app")
    return {**_item(request, article, _sections()), "body": blocks, "body_html": _blocks_html(blocks)}
