"""PortalFront's CSRF pieces against Django's own, on the Django installed (decision 0005).

PortalFront (``portal/middleware.py``) answers cached portal pages before Django's handler and so
makes the visitor's CSRF secret, masked token and cookie itself. Each test below compares one of
those pieces with what Django's ``CsrfViewMiddleware`` / ``get_token`` produce for the same input;
the day a Django upgrade changes the token format, the masking, the cookie or the names PortalFront
reads, one of them fails — then follow Django or drop PortalFront (see the decision record).
"""

from __future__ import annotations

import string
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.http import HttpResponse
from django.middleware import csrf
from django.test import RequestFactory

from dangjian.portal import middleware as front

SECRET = "AbCdEfGhIjKlMnOpQrStUvWxYz012345"


def _view(request: Any) -> HttpResponse:
    return HttpResponse("ok")


def _django_secret(cookie: str | None) -> str | None:
    """The secret Django's middleware takes from a request carrying ``cookie``."""
    factory = RequestFactory()
    request = factory.get("/portal/")
    if cookie is not None:
        request.COOKIES["csrftoken"] = cookie
    csrf.CsrfViewMiddleware(_view).process_request(request)
    return request.META.get("CSRF_COOKIE")


def test_the_private_names_portalfront_reads_still_exist_in_django() -> None:
    for name in ["CSRF_ALLOWED_CHARS", "CSRF_SECRET_LENGTH", "CSRF_TOKEN_LENGTH", "InvalidTokenFormat",
                 "_check_token_format", "_unmask_cipher_token", "_does_token_match", "get_token"]:
        assert hasattr(csrf, name), name
    assert string.ascii_letters + string.digits == csrf.CSRF_ALLOWED_CHARS
    assert (csrf.CSRF_SECRET_LENGTH, csrf.CSRF_TOKEN_LENGTH) == (32, 64)


@pytest.mark.parametrize(("cookie", "kept"), [
    (SECRET, True),  # a plain secret, as Django sets it
    ("x" * 64, True),  # a masked (64-character) cookie, which Django unmasks
    ("not-a-token!", False),  # malformed: Django makes a new secret
    ("short", False),  # wrong length: the same
])
def test_the_secret_taken_from_the_cookie_follows_django(cookie: str, kept: bool) -> None:
    ours, django = front._csrf_secret(cookie), _django_secret(cookie)
    assert django is not None
    if kept:
        assert ours == django
        return
    for secret in (ours, django):  # both new, random, well formed
        assert secret != cookie and len(secret) == csrf.CSRF_SECRET_LENGTH
        csrf._check_token_format(secret)  # type: ignore[attr-defined]
    assert ours != django


def test_a_visitor_without_a_cookie_gets_a_new_well_formed_secret() -> None:
    assert _django_secret(None) is None
    secrets = {front._csrf_secret(None) for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        csrf._check_token_format(secret)  # type: ignore[attr-defined]
        assert len(secret) == csrf.CSRF_SECRET_LENGTH


def test_the_masked_token_is_what_django_unmasks_and_accepts() -> None:
    for _ in range(200):
        secret = front._csrf_secret(None)
        token = front._mask(secret)
        csrf._check_token_format(token)  # type: ignore[attr-defined]
        assert len(token) == csrf.CSRF_TOKEN_LENGTH
        assert csrf._unmask_cipher_token(token) == secret  # type: ignore[attr-defined]
        assert csrf._does_token_match(token, secret)  # type: ignore[attr-defined]
    assert front._mask(SECRET) != front._mask(SECRET)  # a new mask each time, as get_token


def test_get_token_marks_the_request_as_djangos_get_token_does() -> None:
    factory = RequestFactory()
    ours, django = factory.get("/portal/"), factory.get("/portal/")
    for request in (ours, django):
        request.COOKIES["csrftoken"] = SECRET
        csrf.CsrfViewMiddleware(_view).process_request(request)
    front._get_token(ours)
    csrf.get_token(django)
    keys = ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE")
    assert {k: ours.META.get(k) for k in keys} == {k: django.META.get(k) for k in keys}
    fresh_ours, fresh_django = factory.get("/portal/"), factory.get("/portal/")
    front._get_token(fresh_ours)
    csrf.get_token(fresh_django)
    assert fresh_ours.META["CSRF_COOKIE_NEEDS_UPDATE"] is fresh_django.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert len(fresh_ours.META["CSRF_COOKIE"]) == len(fresh_django.META["CSRF_COOKIE"])


def _morsel(header: str) -> dict[str, str]:
    morsel = next(iter(SimpleCookie(header.strip()).values()))
    return {"value": morsel.value, **{k: str(v) for k, v in morsel.items() if v and k != "expires"}}


@pytest.mark.parametrize("overrides", [
    {},
    {"CSRF_COOKIE_SECURE": True, "CSRF_COOKIE_HTTPONLY": True, "CSRF_COOKIE_SAMESITE": "Strict",
     "CSRF_COOKIE_DOMAIN": ".example.cn", "CSRF_COOKIE_PATH": "/portal/", "CSRF_COOKIE_AGE": 3600},
])
def test_the_cookie_is_the_one_djangos_middleware_sets(settings: Any, overrides: dict[str, Any]) -> None:
    for name, value in overrides.items():
        setattr(settings, name, value)
    request = RequestFactory().get("/portal/")
    request.META.update(CSRF_COOKIE=SECRET, CSRF_COOKIE_NEEDS_UPDATE=True)
    response = csrf.CsrfViewMiddleware(_view).process_response(request, HttpResponse())
    django = response.cookies[settings.CSRF_COOKIE_NAME].output(header="")
    assert _morsel(front._csrf_cookie(SECRET)) == _morsel(django)


def test_django_accepts_a_post_with_portalfronts_cookie_and_token() -> None:
    secret = front._csrf_secret(None)
    cookie = _morsel(front._csrf_cookie(secret))["value"]
    request = RequestFactory().post("/portal/x/", {"csrfmiddlewaretoken": front._mask(secret)})
    request.COOKIES["csrftoken"] = cookie
    middleware = csrf.CsrfViewMiddleware(_view)
    middleware.process_request(request)
    assert middleware.process_view(request, _view, (), {}) is None  # None: the check passed
    # and refuses one whose token was made for another secret
    forged = RequestFactory().post("/portal/x/", {"csrfmiddlewaretoken": front._mask(front._csrf_secret(None))})
    forged.COOKIES["csrftoken"] = cookie
    middleware.process_request(forged)
    refused = middleware.process_view(forged, _view, (), {})
    assert refused is not None and refused.status_code == 403
