"""What an uploaded file is, from its first bytes — the one table every upload check uses.

A file's name (and the content type its browser sent) is what the user or their phone claims; the
first bytes are what the file is. Each module decides which types it accepts and names its own
field in its messages; this module only recognises them:

- ``sniff(head)`` — the content type of the bytes, or ``None``;
- ``head_of(upload)`` — the first bytes of an uploaded file (the file is left at its start);
- ``type_for_name(name)`` — the content type a file name's extension claims, or ``None``.
"""

from __future__ import annotations

from typing import Any

HEAD_BYTES = 16

JPEG, PNG, WEBP, PDF = "image/jpeg", "image/png", "image/webp", "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MP3, OGG, WEBM_AUDIO, M4A = "audio/mpeg", "audio/ogg", "audio/webm", "audio/mp4"

#: prefix of the file -> content type (checked in order; WebP and MP4 need more than a prefix)
_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
    (b"PK\x03\x04", DOCX),  # a ZIP container: a .docx is one (so is an .xlsx; callers accept by name too)
    (b"ID3", MP3),
    (b"\xff\xfb", MP3),
    (b"OggS", OGG),
    (b"\x1aE\xdf\xa3", WEBM_AUDIO),
)

#: extension (lower case, no dot) -> the content type a file of that name must have
EXTENSION_TYPES = {"jpg": JPEG, "jpeg": JPEG, "png": PNG, "webp": WEBP, "pdf": PDF, "docx": DOCX, "mp3": MP3,
                   "ogg": OGG, "webm": WEBM_AUDIO, "m4a": M4A}

#: content type -> the extension to store it under
STORED_EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", PDF: "pdf", DOCX: "docx", MP3: "mp3", OGG: "ogg",
                     WEBM_AUDIO: "webm", M4A: "m4a"}


def sniff(head: bytes) -> str | None:
    """The content type of a file that starts with ``head`` (its first ``HEAD_BYTES``), or None."""
    for prefix, content_type in _PREFIXES:
        if head.startswith(prefix):
            return content_type
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if len(head) >= 8 and head[4:8] == b"ftyp":
        return M4A  # an MP4 container, as phones record voice (AAC)
    return None


def head_of(upload: Any) -> bytes:
    """The first bytes of ``upload`` (an uploaded file or any file object); it is left at its start."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return bytes(head or b"")


def type_for_name(name: str) -> str | None:
    """The content type the extension of ``name`` claims, or None for an extension not listed."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EXTENSION_TYPES.get(ext)
