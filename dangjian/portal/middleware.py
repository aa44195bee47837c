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

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from dangjian.portal import cache as page_cache

_SKIP_HEADERS = {"content-length", "set-cookie"}


def _language(request: HttpRequest) -> str | None:
    """What ``core.middleware.LanguageMiddleware`` will pick for an anonymous visitor (the
    language cookie, else the default); None when ``?lang=`` asks to switch (sets a cookie)."""
    if "lang=" in request.META.get("QUERY_STRING", ""):
        return None
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    supported = {code for code, _label in settings.LANGUAGES}
    return cookie if cookie in supported else settings.LANGUAGE_CODE


def _headers_key(request: HttpRequest, key: str) -> str:
    # HTTPS responses carry headers (HSTS) that plain HTTP ones do not
    return key.replace(":page:", ":headers:", 1) + (":s" if request.is_secure() else ":p")


class PortalPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        prefix = getattr(settings, "PORTAL_PAGE_PREFIX", "/portal/")
        self.prefix = prefix
        self.excluded = (prefix + "_util/", prefix + "matters/", prefix + "corrections/")

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
        from django.middleware.csrf import CsrfViewMiddleware, get_token

        headers_key = _headers_key(request, key)
        found = cache.get_many([key, headers_key])
        entry, headers = found.get(key), found.get(headers_key)
        if entry is None or headers is None:
            return None
        csrf = CsrfViewMiddleware(self.get_response)
        csrf.process_request(request)  # the visitor's CSRF secret from their cookie (or a new one)
        response = HttpResponse(entry[0].replace(page_cache.CSRF_PLACEHOLDER, get_token(request)))
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
