"""StreamField blocks of an article: rich text, image, gallery, video, document."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "hr", "link", "document-link", "blockquote"]


class ImageWithCaption(blocks.StructBlock):
    image = ImageChooserBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("Image")


class GalleryBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), required=False, max_length=100)
    images = blocks.ListBlock(ImageWithCaption(), label=_("images"), min_num=1, max_num=60)

    class Meta:
        icon = "grip"
        label = _("Image gallery")


class VideoBlock(blocks.StructBlock):
    """An uploaded video file (a Wagtail document, mp4/webm) or a link to a video platform page."""

    file = DocumentChooserBlock(label=_("video file (mp4/webm)"), required=False)
    url = blocks.URLBlock(label=_("or link to the video"), required=False)
    poster = ImageChooserBlock(label=_("poster image"), required=False)
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("Video")

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value.get("file") and not value.get("url"):
            raise StructBlockValidationError(
                block_errors={"file": ValidationError(_("Upload a video file or give a link to the video."))}
            )
        if value.get("file") and value["file"].file_extension.lower() not in {"mp4", "webm"}:
            raise StructBlockValidationError(
                block_errors={"file": ValidationError(_("The video file must be mp4 or webm."))}
            )
        return value


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(label=_("link text"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = pgettext_lazy("file", "Document")


def article_body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("text", blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)),
        ("image", ImageWithCaption()),
        ("gallery", GalleryBlock()),
        ("video", VideoBlock()),
        ("document", DocumentBlock()),
    ]


def article_text(page: Any) -> str:
    """Plain text of an article's body: rich text without tags, captions, document titles."""
    parts: list[str] = []
    for block in getattr(page, "body", None) or []:
        value = block.value
        if block.block_type == "text":
            parts.append(strip_tags(str(value.source if hasattr(value, "source") else value)))
        elif block.block_type in {"image", "video"}:
            parts.append(value.get("caption") or "")
        elif block.block_type == "gallery":
            parts.append(value.get("title") or "")
            parts.extend(item.get("caption") or "" for item in value.get("images") or [])
        elif block.block_type == "document":
            doc = value.get("document")
            parts.append(value.get("title") or (doc.title if doc else ""))
    return "\n".join(p for p in parts if p)
