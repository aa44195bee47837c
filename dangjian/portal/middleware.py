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

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._eligible(request):
            return self.get_response(request)
        language = _language(request)
        if language is not None and page_cache.page_cache_seconds() > 0 and page_cache._cacheable(request):
            response = self._hit(request, page_cache._page_key(request, language))
            if response is not None:
                return response
        response = self.get_response(request)
        self._capture(request, response)
        return response

    def _hit(self, request: HttpRequest, key: str) -> HttpResponse | None:
        headers_key = _headers_key(request, key)
        local = _LOCAL.get(headers_key)
        if local is None or local[2] < time.monotonic():
            found = cache.get_many([key, headers_key])
            entry, headers = found.get(key), found.get(headers_key)
            if entry is None or headers is None:
                return None
            if len(_LOCAL) >= _LOCAL_MAX:
                _LOCAL.clear()
            _LOCAL[headers_key] = (entry, headers, time.monotonic() + min(60, page_cache.page_cache_seconds()))
        else:
            entry, headers = local[0], local[1]
        csrf = self.csrf
        csrf.process_request(request)  # the visitor's CSRF secret from their cookie (or a new one)
        response = HttpResponse(entry[0].replace(page_cache.CSRF_PLACEHOLDER, _get_token(request)))
        for name, value in headers.items():
            response[name] = value
        csrf.process_response(request, response)  # sets/refreshes the CSRF cookie, Vary: Cookie
        if len(entry) > 2 and entry[2]:
            from dangjian.portal.stats import record_view

            record_view(entry[2], request)
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
