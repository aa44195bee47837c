"""``/media/`` in the embedded mode (``make run``: no nginx in front, DEBUG off).

Only the public part of ``MEDIA_ROOT`` is served: the folders named in ``MEDIA_PUBLIC_PREFIXES``
(Wagtail's images and their renditions, shown on the public portal). Everything else under
``MEDIA_ROOT`` is private — opinion photos, development documents, status-change evidence,
organizational-life materials and photos, Wagtail documents — and reaches its readers only through
each app's access-checked download view; here it is a 404. No directory listing, no path outside
``MEDIA_ROOT`` (``..``, absolute paths, symbolic links that lead out), the content type from the
file name with ``nosniff``, a sandboxing CSP (an SVG cannot run script) and cache headers.
Switched by ``MEDIA_SERVE`` (on by default, off in ``settings_production``: nginx serves the same
public folders there, see docs/deploy.md).
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since


def public_media_path(path: str) -> Path | None:
    """The file under ``MEDIA_ROOT`` that ``path`` (the URL's rest) names, if it is public."""
    if "\x00" in path or "\\" in path:
        return None
    name = posixpath.normpath(path)
    if name.startswith(("/", "..")) or name in (".", ""):
        return None
    prefixes = tuple(p.strip("/") + "/" for p in getattr(settings, "MEDIA_PUBLIC_PREFIXES", ()))
    if not name.startswith(prefixes):
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / name).resolve()
    # a symbolic link may lead out of MEDIA_ROOT, or from a public folder into a private one
    if not full.is_relative_to(root) or not full.relative_to(root).as_posix().startswith(prefixes):
        return None
    return full if full.is_file() else None


@require_safe
def media(request: HttpRequest, path: str) -> HttpResponseBase:
    if not getattr(settings, "MEDIA_SERVE", False):
        raise Http404
    full = public_media_path(path)
    if full is None:
        raise Http404
    stat = full.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        return HttpResponseNotModified()
    content_type, encoding = mimetypes.guess_type(full.name)
    response = FileResponse(full.open("rb"), content_type=content_type or "application/octet-stream")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.headers["Last-Modified"] = http_date(stat.st_mtime)
    response.headers["Cache-Control"] = f"public, max-age={int(getattr(settings, 'MEDIA_CACHE_SECONDS', 86400))}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
