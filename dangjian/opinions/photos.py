"""Photo checks by file signature (Pillow is not installed): JPEG, PNG and WebP only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core.uploads import head_of, sniff
from dangjian.opinions import MAX_PHOTO_BYTES, MAX_PHOTOS

#: content type -> file extension
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


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
        kind = sniff(head_of(photo))
        if kind not in EXTENSIONS:
            errors.append(_("Photo “%(name)s” is not a JPEG, PNG or WebP image.") % {"name": name})
            continue
        result.append((photo, kind))
    if errors:
        raise ValidationError({"photos": errors})
    return result
