"""A cache generation for the portal's public blocks: every publish, unpublish or moderation
bumps it, so cached home-page blocks and feeds are never older than the last change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

KEY = "dangjian:portal:generation"
T = TypeVar("T")


_file_memo: tuple[tuple[int, int, int], int] | None = None


def _fresh() -> int:
    """A new generation starts at the current time in milliseconds, not at 1: after the cache was
    cleared (Redis restarted, the cache directory removed) the numbers of before never come back,
    so no per-process copy (``middleware._LOCAL``) of an old page can match a new key."""
    import time

    return int(time.time() * 1000)


def _file_stamp() -> tuple[int, int, int] | None:
    """With Django's file cache, the generation's file changes (a new file replaces it) on every
    bump: its inode, size and mtime tell whether the value read last time still holds, for the
    price of one ``stat`` instead of open + read + unpickle (the whole-page cache hit path)."""
    import os

    from django.core.cache import caches
    from django.core.cache.backends.filebased import FileBasedCache

    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        return None
    try:
        st = os.stat(backend._key_to_file(KEY))  # type: ignore[attr-defined]
    except (OSError, AttributeError):
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def generation() -> int:
    global _file_memo
    stamp = _file_stamp()
    if stamp is not None and _file_memo is not None and _file_memo[0] == stamp:
        return _file_memo[1]
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, _fresh(), timeout=None)
        value = cache.get(KEY) or _fresh()
    if stamp is not None:
        _file_memo = (stamp, int(value))
    return int(value)


def bump() -> None:
    from django.core.cache import caches
    from django.core.cache.backends.filebased import FileBasedCache

    if isinstance(caches["default"], FileBasedCache):
        # the file cache's incr is this same read-modify-write, but it re-sets the value with the
        # default timeout (the generation would expire and start again at 1); a set replaces the
        # file atomically (new file, renamed), which generation()'s stat check relies on
        cache.set(KEY, int(cache.get(KEY) or _fresh()) + 1, timeout=None)
        return
    try:
        cache.incr(KEY)
    except ValueError:
        cache.set(KEY, _fresh() + 1, timeout=None)


def cached(name: str, build: Callable[[], T], *parts: Any) -> T:
    """``build()`` cached under ``name`` for the current generation."""
    timeout = int(getattr(settings, "PORTAL_CACHE_SECONDS", 300))
    if timeout <= 0:
        return build()
    key = "dangjian:portal:{}:{}:{}".format(generation(), name, ":".join(str(p) for p in parts))
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=timeout)
    return value


# --- Whole pages for anonymous visitors -------------------------------------------------------
# The HTML is cached under the same generation (so every publish/unpublish/moderation drops it)
# and rendered with CSRF_PLACEHOLDER where the CSRF token goes (header large-text form, the
# article's comment form, the <meta name="csrf-token">): the shared HTML never holds a token; each
# response gets the visitor's own token from ``get_token`` (which also sets the CSRF cookie).

CSRF_PLACEHOLDER = "dangjian-portal-csrf-token-placeholder"
PAGE_CACHE_FLAG = "_portal_page_cache"
PAGE_KEY_ATTR = "_portal_page_key"  # the page-cache key this response's body came from


def page_cache_seconds() -> int:
    default = getattr(settings, "PORTAL_CACHE_SECONDS", 300)
    return int(getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", default))


def _cacheable(request: Any) -> bool:
    if request.method != "GET" or getattr(request, "is_preview", False):
        return False
    # a session (signed-in users, password-protected pages, pending messages) or a messages
    # cookie: the page is not the shared anonymous one
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _page_key(request: Any, language: str | None = None) -> str:
    import hashlib

    from django.utils.translation import get_language

    path = request.get_full_path()
    if "ch=" in path:  # the channel tag of view statistics does not change the page
        from urllib.parse import urlencode

        query = [(k, v) for k, v in request.GET.lists() if k != "ch"]
        path = path.split("?", 1)[0] + ("?" + urlencode(query, doseq=True) if query else "")
    where = f"{request.get_host()}|{path}"
    digest = hashlib.blake2s(where.encode(), digest_size=12).hexdigest()
    font = "L" if request.COOKIES.get("large_font") == "1" else "N"
    return f"dangjian:portal:{generation()}:page:{language or get_language()}:{font}:{digest}"


def _respond(request: Any, entry: tuple[Any, ...]) -> Any:
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    content, content_type = entry[0], entry[1]
    return HttpResponse(content.replace(CSRF_PLACEHOLDER, get_token(request)), content_type=content_type)


def cached_page(request: Any) -> Any:
    """The cached response for this anonymous GET, or None. Used before Wagtail's routing
    (``views.portal_page``): only pages that ``serve_page`` stored, i.e. portal pages an anonymous
    visitor was served after Wagtail's routing and view-restriction hooks, are ever found."""
    if page_cache_seconds() <= 0 or not _cacheable(request):
        return None
    key = _page_key(request)
    entry = cache.get(key)
    if entry is None:
        return None
    setattr(request, PAGE_KEY_ATTR, key)
    if len(entry) > 2 and entry[2]:
        from dangjian.portal.counting import record_view

        record_view(entry[2], request)  # a hit from the cache is a view too
    return _respond(request, entry)


def serve_page(request: Any, serve: Callable[[], Any], page_id: int | None = None) -> Any:
    """``serve()`` for a portal page (``Page.serve``), through the whole-page cache for anonymous GETs."""
    from django.middleware.csrf import get_token

    timeout = page_cache_seconds()
    if timeout <= 0 or not _cacheable(request):
        return serve()
    key = _page_key(request)
    entry = cache.get(key)
    if entry is None:
        setattr(request, PAGE_CACHE_FLAG, True)
        response = serve()
        if hasattr(response, "render"):
            response.render()
        setattr(request, PAGE_CACHE_FLAG, False)
        content = response.content.decode(response.charset or "utf-8")
        if response.status_code != 200 or response.cookies or response.has_header("Set-Cookie"):
            if CSRF_PLACEHOLDER in content:
                response.content = content.replace(CSRF_PLACEHOLDER, get_token(request))
            return response
        entry = (content, response["Content-Type"], page_id)
        cache.set(key, entry, timeout=timeout)
    setattr(request, PAGE_KEY_ATTR, key)
    return _respond(request, entry)
