"""Evidence photos: the metadata-stripped copy, encrypted; the original only if the reporter asks.

Stripping happens in the request, in memory, before anything is written: a background task would
need the plaintext (or a key to it) stored until it ran, which is what the design forbids. Pillow
decodes the picture, applies its EXIF orientation, and encodes the pixels alone into a new JPEG
(PNG when it has transparency): no EXIF (camera, GPS, times), XMP, ICC profile, comments or text
chunks survive. Both copies are SealedBoxes to the report's public key, stored under random names
in the private part of the media folder (``reports/``, never served publicly).
"""

from __future__ import annotations

import io
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from dangjian.reports import crypto

MAX_FILES = 3
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FOLDER = "reports"
_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}


def strip(data: bytes) -> tuple[bytes, str]:
    """(the picture re-encoded without any metadata, its content type); ValidationError on "photos"."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in _FORMATS:
                raise ValidationError({"photos": _("Only photos (JPEG, PNG, WebP, HEIC) can be attached.")})
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError({"photos": _("The photo has too many pixels.")})
            img.load()
            upright = ImageOps.exif_transpose(img) or img
            alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            pixels = upright.convert("RGBA" if alpha else "RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationError({"photos": _("Only photos (JPEG, PNG, WebP, HEIC) can be attached.")}) from None
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "image/png"
    clean.save(out, format="JPEG", quality=88)
    return out.getvalue(), "image/jpeg"


def read_uploads(files: list[Any]) -> list[bytes]:
    """The uploaded files' bytes, checked for count and size (ValidationError on "photos")."""
    files = [f for f in files if f is not None]
    if len(files) > MAX_FILES:
        raise ValidationError({"photos": _("At most %(n)d photos can be attached.") % {"n": MAX_FILES}})
    out = []
    for f in files:
        if (getattr(f, "size", 0) or 0) > MAX_BYTES:
            raise ValidationError({"photos": _("A photo is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}})
        f.seek(0)
        out.append(f.read(MAX_BYTES + 1))
    return out


def store_sealed(public_key: bytes, data: bytes) -> str:
    """Seal ``data`` to ``public_key`` and store it under a random name; returns the name."""
    box = crypto.seal_bytes(public_key, data)
    return default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.bin", ContentFile(box))


def open_sealed(private_key: bytes, name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return crypto.open_bytes(private_key, fh.read())


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)
