"""Photo checks by file signature (Pillow is not installed): JPEG, PNG and WebP only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.opinions import MAX_PHOTO_BYTES, MAX_PHOTOS

#: content type -> file extension
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def sniff(head: bytes) -> str | None:
    """The image type from the first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photos(photos: list[Any]) -> list[tuple[Any, str]]:
    """Validate uploaded files; return (file, content type) pairs or raise ValidationError on "photos"."""
    photos = [p for p in photos if p is not None]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(max)d photos can be attached.") % {"max": MAX_PHOTOS}})
    result = []
    errors = []
    for photo in photos:
        name = getattr(photo, "name", "") or "?"
        size = getattr(photo, "size", None) or 0
        if size > MAX_PHOTO_BYTES:
            errors.append(_("Photo “%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": MAX_PHOTO_BYTES // (1024 * 1024)})
            continue
        photo.seek(0)
        head = photo.read(16)
        photo.seek(0)
        kind = sniff(head)
        if kind is None:
            errors.append(_("Photo “%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name})
            continue
        result.append((photo, kind))
    if errors:
        raise ValidationError({"photos": errors})
    return result
