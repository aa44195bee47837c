"""The whole-page cache answered in front of the middleware chain (speed, issue 6).

``PortalPageCacheMiddleware`` goes FIRST in ``settings.MIDDLEWARE``. For an anonymous GET of a
portal page (no session or messages cookie, no ``?lang=``) it looks up the page that
``cache.serve_page`` stored for this host, path, language and font size, together with the
response headers the full chain produced the first time that page was answered (security
headers, CSP, X-Frame-Options, Content-Language, Vary …, captured here on the way out). With
both found, it answers at once: the body with the visitor's own CSRF token (Django's own
``CsrfViewMiddleware`` code reads the CSRF cookie and sets it on the response), the stored
headers, and the view counted. Anything else (a miss, headers not captured yet, a signed-in
visitor, a POST) goes down the chain unchanged, where the page is served and stored as before.

Why it is safe: only what ``serve_page`` stored is ever found — portal pages an anonymous
visitor was served after Wagtail's routing and view-restriction hooks — keyed by the publish
generation, so a publish/unpublish/move/restriction change drops body and headers together.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from dangjian.portal import cache as page_cache

_SKIP_HEADERS = {"content-length", "set-cookie"}
#: Per-process copies of (page entry, headers) by their full key. The key holds the publish
#: generation, which is read from the shared cache on every request, so a publish in any process
#: still reaches this one at once; the copies only save the two shared-cache reads of the body.
_LOCAL: dict[str, tuple[Any, dict[str, str], float]] = {}
_LOCAL_MAX = 256


def _random_string(length: int, chars: str) -> str:
    """``get_random_string`` from the same CSPRNG (``os.urandom``), mapped in C: bytes at or above
    the largest multiple of ``len(chars)`` are dropped, so every character is uniform."""
    table, drop = _tables(chars)
    out = b""
    while len(out) < length:
        out += os.urandom(length + 8).translate(table, drop)
    return out[:length].decode("ascii")


_TABLES: dict[str, tuple[bytes, bytes]] = {}


def _tables(chars: str) -> tuple[bytes, bytes]:
    if chars not in _TABLES:
        n = len(chars)
        limit = 256 - 256 % n
        _TABLES[chars] = (bytes(ord(chars[b % n]) for b in range(256)), bytes(range(limit, 256)))
    return _TABLES[chars]


def _char_index() -> dict[str, int]:
    from django.middleware.csrf import CSRF_ALLOWED_CHARS

    return {c: i for i, c in enumerate(CSRF_ALLOWED_CHARS)}


_CHAR_INDEX = _char_index()


def _get_token(request: HttpRequest) -> str:
    """Django's ``csrf.get_token`` (same secret handling, same masking) with the faster random
    strings above: on this path it is a third of the time of a hit."""
    from django.middleware import csrf

    chars, size = csrf.CSRF_ALLOWED_CHARS, csrf.CSRF_SECRET_LENGTH
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = _random_string(size, chars)
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_string(size, chars)
    index, n = _CHAR_INDEX, len(chars)
    return mask + "".join(chars[(index[x] + index[y]) % n] for x, y in zip(secret, mask, strict=True))


def _language(request: HttpRequest) -> str | None:
    """What ``core.middleware.LanguageMiddleware`` will pick for an anonymous visitor (the
    language cookie, else the default); None when ``?lang=`` asks to switch (sets a cookie)."""
    if "lang=" in request.META.get("QUERY_STRING", ""):
        return None
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in _supported() else settings.LANGUAGE_CODE


def _supported() -> set[str]:
    return {code for code, _label in settings.LANGUAGES}


def _headers_key(request: HttpRequest, key: str) -> str:
    # HTTPS responses carry headers (HSTS) that plain HTTP ones do not
    return key.replace(":page:", ":headers:", 1) + (":s" if request.is_secure() else ":p")


def _stored(request: HttpRequest, key: str) -> tuple[Any, dict[str, str]] | None:
    """The page entry and the captured headers for ``key``: the per-process copy while it is
    fresh, else both from the shared cache (None unless both are there)."""
    headers_key = _headers_key(request, key)
    local = _LOCAL.get(headers_key)
    if local is not None and local[2] >= time.monotonic():
        return local[0], local[1]
    found = cache.get_many([key, headers_key])
    entry, headers = found.get(key), found.get(headers_key)
    if entry is None or headers is None:
        return None
    if len(_LOCAL) >= _LOCAL_MAX:
        _LOCAL.clear()
    _LOCAL[headers_key] = (entry, headers, time.monotonic() + min(60, page_cache.page_cache_seconds()))
    return entry, headers


def _count(entry: Any, request: HttpRequest) -> None:
    if len(entry) > 2 and entry[2]:
        from dangjian.portal.stats import record_view

        record_view(entry[2], request)


class PortalPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        prefix = getattr(settings, "PORTAL_PAGE_PREFIX", "/portal/")
        self.prefix = prefix
        self.excluded = (prefix + "_util/", prefix + "matters/", prefix + "corrections/")
        from django.middleware.csrf import CsrfViewMiddleware

        self.csrf = CsrfViewMiddleware(get_response)

    def _eligible(self, request: HttpRequest) -> bool:
        path = request.path
        return (request.method == "GET" and path.startswith(self.prefix) and not path.startswith(self.excluded)
                and not (settings.SECURE_SSL_REDIRECT and not request.is_secure()))

    def key_for(self, request: HttpRequest) -> str | None:
        """The page-cache key an anonymous GET of a portal page may be answered from, else None."""
        if not self._eligible(request):
            return None
        language = _language(request)
        if language is None or page_cache.page_cache_seconds() <= 0 or not page_cache._cacheable(request):
            return None
        return page_cache._page_key(request, language)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._eligible(request):
            return self.get_response(request)
        key = self.key_for(request)
        if key is not None:
            response = self._hit(request, key)
            if response is not None:
                return response
        response = self.get_response(request)
        self._capture(request, response)
        return response

    def _hit(self, request: HttpRequest, key: str) -> HttpResponse | None:
        found = _stored(request, key)
        if found is None:
            return None
        entry, headers = found
        csrf = self.csrf
        csrf.process_request(request)  # the visitor's CSRF secret from their cookie (or a new one)
        response = HttpResponse(entry[0].replace(page_cache.CSRF_PLACEHOLDER, _get_token(request)))
        for name, value in headers.items():
            response[name] = value
        csrf.process_response(request, response)  # sets/refreshes the CSRF cookie, Vary: Cookie
        _count(entry, request)
        return response

    def _capture(self, request: HttpRequest, response: HttpResponse) -> None:
        """Store the headers the chain gave a page-cached response, for the next hits."""
        key = getattr(request, page_cache.PAGE_KEY_ATTR, None)
        if key is None or response.status_code != 200 or getattr(response, "streaming", False):
            return
        if isinstance(getattr(request, "_csp_nonce", None), str):  # a per-response nonce: never shared
            return
        headers = {k: v for k, v in response.items() if k.lower() not in _SKIP_HEADERS}
        cache.set(_headers_key(request, key), headers, timeout=page_cache.page_cache_seconds())


class PortalFront:
    """The same hits, answered in front of Django's request handler (``dangjian/wsgi.py`` wraps the
    WSGI application in it). A hit needs no database, URL routing or middleware, so it skips the
    handler's work around a request too (the request signals closing old database connections on
    every configured database, the response's close signal, the middleware wrappers): what is
    left is the key, the stored body and headers, the visitor's CSRF token and cookie (Django's
    own ``CsrfViewMiddleware`` code) and the view count. Anything that is not a hit goes to the
    application unchanged. ASGI and the test client are served by the middleware above."""

    def __init__(self, application: Callable[..., Any]) -> None:
        self.application = application
        self._page: PortalPageCacheMiddleware | None = None

    def _middleware(self) -> PortalPageCacheMiddleware:
        if self._page is None:  # after Django's setup (settings may be read only then)
            self._page = PortalPageCacheMiddleware(lambda request: HttpResponse())
        return self._page

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        page = self._middleware()
        if (environ.get("REQUEST_METHOD") != "GET" or not environ.get("PATH_INFO", "").startswith(page.prefix)
                or settings.CSRF_USE_SESSIONS):
            return self.application(environ, start_response)
        answer = self._answer(page, environ)
        if answer is None:
            return self.application(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]

    def _answer(self, page: PortalPageCacheMiddleware, environ: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes] | None:
        from django.core.exceptions import DisallowedHost
        from django.core.handlers.wsgi import WSGIRequest
        from django.http.response import HttpResponseBase

        request = WSGIRequest(environ.copy())  # it rewrites PATH_INFO in its META (the environ)
        try:
            key = page.key_for(request)
        except DisallowedHost:  # the application answers it (400), as for any other page
            return None
        found = _stored(request, key) if key is not None else None
        if found is None:
            return None
        entry, stored = found
        page.csrf.process_request(request)
        token = _get_token(request)
        parts = _body_parts(entry)
        body = parts[0] + b"".join(token.encode("ascii") + part for part in parts[1:])
        cookies = HttpResponseBase()
        page.csrf.process_response(request, cookies)  # Django's CSRF cookie, as the middleware sets it
        headers = [*stored.items(), ("Content-Length", str(len(body))),
                   *(("Set-Cookie", c.output(header="")) for c in cookies.cookies.values())]
        _count(entry, request)
        return headers, body


_PARTS: dict[int, tuple[Any, list[bytes]]] = {}


def _body_parts(entry: Any) -> list[bytes]:
    """The stored body encoded once per process and split where the CSRF token goes."""
    found = _PARTS.get(id(entry))
    if found is not None and found[0] is entry:
        return found[1]
    parts = entry[0].encode("utf-8").split(page_cache.CSRF_PLACEHOLDER.encode("ascii"))
    if len(_PARTS) >= _LOCAL_MAX:
        _PARTS.clear()
    _PARTS[id(entry)] = (entry, parts)
    return parts
