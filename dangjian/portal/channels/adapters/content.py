"""What a channel receives of an article: title, summary, canonical URL, cover, and the body as
simple HTML with every image given as a Wagtail image (the adapter uploads it and puts the
channel's URL in). Built from the outbox entry's revision, not from whatever is live now."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import strip_tags
from wagtail.rich_text import expand_db_html

from dangjian.portal.channels import conf

_EMBED_IMAGE_RE = re.compile(r"<embed\b[^>]*\bembedtype=\"image\"[^>]*/?>", re.I)
_ID_RE = re.compile(r"\bid=\"(\d+)\"")
_HREF_RE = re.compile(r"(href|src)=\"(/[^\"]*)\"")

IMAGE_FILTER = "max-1080x1080|format-jpeg|jpegquality-85"


@dataclass
class ArticleContent:
    page_id: int
    revision_id: int
    title: str
    summary: str
    author: str
    url: str
    date: Any
    section: str
    cover: Any  # wagtail Image or None
    blocks: list[tuple[str, Any]] = field(default_factory=list)  # ("html", str) | ("image", (Image, caption))

    def images(self) -> list[Any]:
        return [value[0] for kind, value in self.blocks if kind == "image"]

    def first_image(self) -> Any:
        return self.cover or next(iter(self.images()), None)

    def render_html(self, image_url: Callable[[Any], str]) -> str:
        """The body as HTML, each image through ``image_url(image)`` (the channel's URL)."""
        parts = []
        for kind, value in self.blocks:
            if kind == "html":
                parts.append(value)
            else:
                image, caption = value
                parts.append(f'<p><img src="{html.escape(image_url(image))}" alt="{html.escape(caption or "")}"></p>')
                if caption:
                    parts.append(f"<p><em>{html.escape(caption)}</em></p>")
        return "\n".join(parts)

    def plain_text(self) -> str:
        return strip_tags(" ".join(v for k, v in self.blocks if k == "html")).strip()


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return conf.site_url() + url


def _absolute_links(fragment: str) -> str:
    return _HREF_RE.sub(lambda m: f'{m.group(1)}="{absolute(m.group(2))}"', fragment)


def _rich_text(source: str, images: dict[int, Any]) -> list[tuple[str, Any]]:
    """Split a rich-text source at embedded images; the text between goes through Wagtail's
    link expansion with absolute URLs."""
    out: list[tuple[str, Any]] = []
    pos = 0
    for m in _EMBED_IMAGE_RE.finditer(source):
        before = source[pos:m.start()]
        if before.strip():
            out.append(("html", _absolute_links(expand_db_html(before))))
        id_match = _ID_RE.search(m.group(0))
        image = images.get(int(id_match.group(1))) if id_match else None
        if image is not None:
            out.append(("image", (image, "")))
        pos = m.end()
    rest = source[pos:]
    if rest.strip():
        out.append(("html", _absolute_links(expand_db_html(rest))))
    return out


def article_content(page: Any, revision_id: int) -> ArticleContent:
    """The article as it was in ``revision_id`` (falls back to the page itself)."""
    from wagtail.images import get_image_model
    from wagtail.models import Revision

    specific = page.specific
    revision = Revision.objects.filter(pk=revision_id).first() if revision_id else None
    if revision is not None:
        specific = revision.as_object()
    embedded_ids: set[int] = set()
    for block in specific.body:
        if block.block_type == "text":
            for m in _EMBED_IMAGE_RE.finditer(block.value.source):
                id_match = _ID_RE.search(m.group(0))
                if id_match:
                    embedded_ids.add(int(id_match.group(1)))
    images = get_image_model().objects.in_bulk(embedded_ids) if embedded_ids else {}
    blocks: list[tuple[str, Any]] = []
    for block in specific.body:
        kind, value = block.block_type, block.value
        if kind == "text":
            blocks.extend(_rich_text(value.source, images))
        elif kind == "image":
            blocks.append(("image", (value["image"], value.get("caption") or "")))
        elif kind == "gallery":
            if value.get("title"):
                blocks.append(("html", f"<h3>{html.escape(value['title'])}</h3>"))
            blocks.extend(("image", (item["image"], item.get("caption") or "")) for item in value["images"])
        elif kind == "video":
            poster = value.get("poster")
            if poster is not None:
                blocks.append(("image", (poster, value.get("caption") or "")))
            link = absolute(value["file"].url) if value.get("file") else value.get("url") or ""
            if link:
                label = html.escape(value.get("caption") or "视频")
                blocks.append(("html", f'<p><a href="{html.escape(link)}">▶ {label}</a></p>'))
        elif kind == "document":
            doc = value["document"]
            label = html.escape(value.get("title") or doc.title)
            blocks.append(("html", f'<p><a href="{html.escape(absolute(doc.url))}">{label}</a></p>'))
    section = page.get_parent()
    return ArticleContent(
        page_id=page.pk, revision_id=revision_id, title=specific.title, summary=specific.summary or "",
        author=specific.author or "", url=absolute(page.specific.get_url() or page.url or ""),
        date=specific.date, section=section.title if section else "", cover=specific.cover_image,
        blocks=[b for b in blocks if b[0] != "image" or b[1][0] is not None],
    )


def rendition_bytes(image: Any, spec: str = IMAGE_FILTER) -> tuple[bytes, str, str]:
    """(bytes, file name, sha256) of the image as sent to channels: at most 1080 px, JPEG."""
    rendition = image.get_rendition(spec)
    with rendition.file.open("rb") as fh:
        data = fh.read()
    return data, f"image-{image.pk}.jpg", hashlib.sha256(data).hexdigest()
