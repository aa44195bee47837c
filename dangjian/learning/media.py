"""Lesson media answered with HTTP byte ranges (RFC 9110 §14), after the caller's access check.

- No ``Range`` (or one we do not understand: another unit, a malformed or backwards range) →
  ``200`` with the whole file and ``Accept-Ranges: bytes`` (a server may ignore ``Range``).
- ``bytes=a-b``, ``bytes=a-`` (open) and ``bytes=-n`` (suffix: the last n bytes) → ``206`` with
  ``Content-Range: bytes a-b/size``; ``b`` past the end is cut to the last byte; ``bytes=0-1``
  (Safari's probe) is two bytes.
- A range that starts past the end, a suffix of 0, any range of an empty file → ``416`` with
  ``Content-Range: bytes */size``.
- Several ranges (``bytes=0-1,4-5``) → ``200`` with the whole file: no multipart answers (no
  player asks for them, and refusing them this way never breaks a client).
- ``If-Range`` with another validator than the file's → the whole file.
- ``LEARNING_MEDIA_ACCEL_PREFIX`` set (production): no body; ``X-Accel-Redirect`` hands the
  file to nginx, which answers the ranges itself from an ``internal`` location.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import http_date

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The one byte range ``header`` asks of a file of ``size`` bytes: ``(first, last)``; ``None``
    when the header is to be ignored (whole file); ``False`` when it cannot be satisfied (416)."""
    header = header.strip().replace(" ", "")
    if "," in header:
        return None
    m = _RANGE.match(header)
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:  # suffix: the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            return False
        return (max(size - n, 0), size - 1)
    a = int(first)
    if last and int(last) < a:
        return None
    if a >= size:
        return False
    b = int(last) if last else size - 1
    return (a, min(b, size - 1))


def _read(path: Path, first: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(first)
        left = length
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def serve(request: HttpRequest, path: Path, relative: str) -> HttpResponseBase:
    """Answer ``request`` with the file at ``path`` (``relative``: its name under MEDIA_ROOT)."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    stat = path.stat()
    size = stat.st_size
    etag = f'"{int(stat.st_mtime):x}-{size:x}"'
    accel = getattr(settings, "LEARNING_MEDIA_ACCEL_PREFIX", "")
    response: HttpResponseBase
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + relative.lstrip("/")
    else:
        wanted = parse_range(request.headers.get("Range", ""), size) if "Range" in request.headers else None
        if_range = request.headers.get("If-Range")
        if wanted and if_range and if_range not in (etag, http_date(stat.st_mtime)):
            wanted = None
        if wanted is False:
            response = HttpResponse(status=416, content_type=content_type)
            response["Content-Range"] = f"bytes */{size}"
        elif wanted:
            first, last = wanted  # type: ignore[misc]
            length = last - first + 1
            body = _read(path, first, length) if request.method != "HEAD" else iter(())
            response = StreamingHttpResponse(body, status=206, content_type=content_type)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
            response["Content-Length"] = str(length)
        else:
            body = _read(path, 0, size) if request.method != "HEAD" else iter(())
            response = StreamingHttpResponse(body, content_type=content_type)
            response["Content-Length"] = str(size)
        response["Accept-Ranges"] = "bytes"
        response["ETag"] = etag
        response["Last-Modified"] = http_date(stat.st_mtime)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
