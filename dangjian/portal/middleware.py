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

import functools
import os
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
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
    return _mask(secret)


def _language(request: HttpRequest) -> str | None:
    """What ``core.middleware.LanguageMiddleware`` will pick for an anonymous visitor (the
    language cookie, else the default); None when ``?lang=`` asks to switch (sets a cookie)."""
    if "lang=" in request.META.get("QUERY_STRING", ""):
        return None
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return cookie if cookie in _supported() else settings.LANGUAGE_CODE


@functools.cache
def _supported() -> frozenset[str]:
    """The language codes of ``settings.LANGUAGES`` (read on every hit; forgotten on a settings change)."""
    return frozenset(code for code, _label in settings.LANGUAGES)


def _headers_key(request: HttpRequest, key: str) -> str:
    # HTTPS responses carry headers (HSTS) that plain HTTP ones do not
    return key.replace(":page:", ":headers:", 1) + (":s" if request.is_secure() else ":p")


def _stored(key: str, headers_key: str) -> tuple[Any, dict[str, str]] | None:
    """The page entry and the captured headers for ``key``: the per-process copy while it is
    fresh, else both from the shared cache (None unless both are there)."""
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
        from dangjian.portal.counting import record_view

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
        found = _stored(key, _headers_key(request, key))
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
    every configured database, the response's close signal, the middleware wrappers).

    The first request for a given host, path, query, scheme, language and font size goes through
    Django's own request object and the middleware's ``key_for`` (host validation, anonymity,
    eligibility); what it gives, the page key without the publish generation, is remembered per
    process for those raw values (``_KEYS``), so later hits build no request object. Every hit
    still reads the current generation, the visitor's cookies (a session or messages cookie, or
    ``?lang=``, go to Django), and gets its own CSRF token and cookie made by Django's rules
    (``_csrf_secret``, ``_csrf_cookie``). Anything that is not a hit goes to the application
    unchanged. ASGI and the test client are served by the middleware above."""

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
        from django.http.cookie import parse_cookie

        raw_cookie = environ.get("HTTP_COOKIE", "")
        cookies = parse_cookie(raw_cookie) if raw_cookie else {}
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        signature = _signature(environ, cookies)
        if signature is None:
            return None
        known = _KEYS.get(signature)
        if known is None:
            known = _learn(page, environ, signature)
            if known is None:
                return None
        rest, secure = known
        if page_cache.page_cache_seconds() <= 0:
            return None
        key = f"dangjian:portal:{page_cache.generation()}:page:{rest}"
        found = _stored(key, key.replace(":page:", ":headers:", 1) + (":s" if secure else ":p"))
        if found is None:
            return None
        entry, stored = found
        secret = _csrf_secret(cookies.get(settings.CSRF_COOKIE_NAME))
        token = _mask(secret)
        parts = _body_parts(entry)
        body = parts[0] + b"".join(token.encode("ascii") + part for part in parts[1:])
        headers = [*stored.items(), ("Content-Length", str(len(body))), ("Set-Cookie", _csrf_cookie(secret))]
        if len(entry) > 2 and entry[2]:
            from dangjian.portal.counting import record_view

            record_view(entry[2], _Visit(environ))
        return headers, body


#: Per process: the raw values of a request (``_signature``) → (the page key after the publish
#: generation, whether Django saw the request as secure). Only requests the middleware's
#: ``key_for`` accepted are remembered, so a host that is not allowed never gets here.
_KEYS: dict[tuple[Any, ...], tuple[str, bool]] = {}
_KEYS_MAX = 4096


def _signature(environ: dict[str, Any], cookies: dict[str, str]) -> tuple[Any, ...] | None:
    """Everything of the raw request that ``key_for`` and the page key depend on."""
    query = environ.get("QUERY_STRING", "")
    if "lang=" in query:
        return None
    language = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if language not in _supported():
        language = settings.LANGUAGE_CODE
    proxy = settings.SECURE_PROXY_SSL_HEADER
    forwarded_host = environ.get("HTTP_X_FORWARDED_HOST") if settings.USE_X_FORWARDED_HOST else None
    return (environ.get("HTTP_HOST"), environ.get("SERVER_NAME"), environ.get("SERVER_PORT"), forwarded_host,
            environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO"), query, environ.get("wsgi.url_scheme"),
            environ.get(proxy[0]) if proxy else None, language, cookies.get("large_font") == "1")


def _learn(page: PortalPageCacheMiddleware, environ: dict[str, Any], signature: tuple[Any, ...]) -> tuple[str, bool] | None:
    """The key of this kind of request, worked out by Django's request object and ``key_for``."""
    from django.core.exceptions import DisallowedHost
    from django.core.handlers.wsgi import WSGIRequest

    request = WSGIRequest(environ.copy())  # it rewrites PATH_INFO in its META (the environ)
    try:
        key = page.key_for(request)
    except DisallowedHost:  # the application answers it (400), as for any other page
        return None
    if key is None:
        return None
    known = (key.split(":page:", 1)[1], request.is_secure())
    if len(_KEYS) >= _KEYS_MAX:
        _KEYS.clear()
    _supported.cache_clear()
    _KEYS[signature] = known
    return known


def _csrf_secret(cookie: str | None) -> str:
    """The visitor's CSRF secret from their cookie by ``CsrfViewMiddleware``'s rules (a masked
    64-character value is unmasked; a malformed one is replaced), else a new one."""
    from django.middleware import csrf

    if cookie:
        try:
            csrf._check_token_format(cookie)  # type: ignore[attr-defined]
        except csrf.InvalidTokenFormat:
            cookie = None
        else:
            if len(cookie) == csrf.CSRF_TOKEN_LENGTH:
                cookie = csrf._unmask_cipher_token(cookie)  # type: ignore[attr-defined]
    return cookie or _random_string(csrf.CSRF_SECRET_LENGTH, csrf.CSRF_ALLOWED_CHARS)


def _mask(secret: str) -> str:
    """A masked token for ``secret``, as ``csrf.get_token`` gives (a new mask every time)."""
    from django.middleware import csrf

    chars, size = csrf.CSRF_ALLOWED_CHARS, csrf.CSRF_SECRET_LENGTH
    mask = _random_string(size, chars)
    index, n = _CHAR_INDEX, len(chars)
    return mask + "".join(chars[(index[x] + index[y]) % n] for x, y in zip(secret, mask, strict=True))


_COOKIE_VALUE = "0" * 32
_cookie_memo: tuple[int, str] = (-1, "")


def _csrf_cookie(secret: str) -> str:
    """The Set-Cookie value ``CsrfViewMiddleware`` sends for ``secret``: made by Django's own
    ``set_cookie`` with the CSRF settings once a second (the expiry date moves), the value put in."""
    global _cookie_memo
    second = int(time.time())
    if _cookie_memo[0] != second:
        from django.http.response import HttpResponseBase

        response = HttpResponseBase()
        response.set_cookie(settings.CSRF_COOKIE_NAME, _COOKIE_VALUE, max_age=settings.CSRF_COOKIE_AGE,
                            domain=settings.CSRF_COOKIE_DOMAIN, path=settings.CSRF_COOKIE_PATH,
                            secure=settings.CSRF_COOKIE_SECURE, httponly=settings.CSRF_COOKIE_HTTPONLY,
                            samesite=settings.CSRF_COOKIE_SAMESITE)
        _cookie_memo = (second, response.cookies[settings.CSRF_COOKIE_NAME].output(header=""))
    return _cookie_memo[1].replace(f"={_COOKIE_VALUE}", f"={secret}", 1)


class _Visit:
    """What view counting reads of a request (``counting.channel_of``): the query and the headers."""

    __slots__ = ("META", "_get")

    def __init__(self, environ: dict[str, Any]) -> None:
        self.META = environ
        self._get: Any = None

    @property
    def GET(self) -> Any:  # noqa: N802 - the name HttpRequest uses
        if self._get is None:
            from django.http import QueryDict

            self._get = QueryDict(self.META.get("QUERY_STRING", ""))
        return self._get


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


def _forget_keys(**kwargs: Any) -> None:
    """A settings change (tests) may change hosts, languages or cookie names and attributes: learn
    keys again, make the CSRF cookie again."""
    global _cookie_memo
    _KEYS.clear()
    _supported.cache_clear()
    _cookie_memo = (-1, "")


setting_changed.connect(_forget_keys)
