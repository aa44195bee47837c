from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers

LANG_COOKIE = settings.LANGUAGE_COOKIE_NAME
_SUPPORTED = {code for code, _ in settings.LANGUAGES}


def _pick(request: HttpRequest) -> tuple[str | None, bool]:
    """Language from ?lang= (remembered in a cookie), else the cookie; the profile is applied
    after authentication by ``ProfileLanguageMiddleware``."""
    asked = request.GET.get("lang")
    if asked in _SUPPORTED:
        return asked, True
    cookie = request.COOKIES.get(LANG_COOKIE)
    if cookie in _SUPPORTED:
        return cookie, False
    return None, False


class LanguageMiddleware:
    """Simplified Chinese by default; ``?lang=en`` switches and is remembered in a cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lang, remember = _pick(request)
        lang = lang or settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        if remember:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax")
        translation.deactivate()
        return response


class ProfileLanguageMiddleware:
    """After authentication: a logged-in user's saved language applies where the browser has made
    no choice of its own (no ``?lang=`` and no language cookie), e.g. on a new device. An explicit
    switch (the cookie) wins, and saving preferences sets the cookie too, so the two agree."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "lang" not in request.GET and request.COOKIES.get(LANG_COOKIE) not in _SUPPORTED:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.language in _SUPPORTED:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on pages and exports with personal data (issue 13 §4): every
    view of the URL namespaces in ``settings.NO_STORE_URL_NAMESPACES`` (the member registry, its
    exports and reveal endpoints, dues, cases…) and every API answer, so neither a shared
    browser's cache nor a proxy keeps a copy. Single views elsewhere use Django's ``never_cache``.
    Public portal pages are not in these namespaces and keep their caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.namespaces = frozenset(getattr(settings, "NO_STORE_URL_NAMESPACES", ()))
        self.prefixes = tuple(getattr(settings, "NO_STORE_PATH_PREFIXES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "no-store" in response.get("Cache-Control", ""):
            return response
        match = getattr(request, "resolver_match", None)
        if (match is not None and self.namespaces.intersection(match.namespaces)) or (
            self.prefixes and request.path_info.startswith(self.prefixes)
        ):
            add_never_cache_headers(response)
        return response


class PasswordChangeRequiredMiddleware:
    """An account whose password an administrator set (a one-time password) reaches nothing but
    the password-change page, until it has changed it: every other page redirects there (the
    API answers 403 ``password_change_required``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "must_change_password", False) and not self._allowed(request.path):
            if request.path.startswith("/api/"):
                from dangjian.core.apikit.errors import error_body

                return JsonResponse(error_body("password_change_required", _password_change_message()),
                                    status=403)
            messages.warning(request, _password_change_message())
            return redirect(f"{reverse('account_change_password')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _allowed(path: str) -> bool:
        allowed = (reverse("account_change_password"), reverse("account_logout"),
                   settings.STATIC_URL or "/static/", "/i18n/", "/jsi18n/")
        return path.startswith(allowed)


def _password_change_message() -> str:
    from django.utils.translation import gettext

    return gettext("Your password was set by an administrator: change it before going on.")
