"""API authentication: bearer tokens (``Authorization: Bearer <token>``), browser sessions for
reads, and the API's door to the failed-login throttle."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, django_auth

from dangjian.core import login_throttle
from dangjian.core.apikit.actions import do_touch_api_token
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.selectors import active_token
from dangjian.core.login_throttle import LoginAttempt


class ApiTokenAuth(HttpBearer):
    """A bearer token issued by ``POST /api/v1/auth/login``; checked by digest, not revoked,
    not expired, and its user still active."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = active_token(token)
        if found is None or not found.user.is_active:
            return None
        do_touch_api_token(found)
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


token_auth = ApiTokenAuth()
#: Reads accept a bearer token or the browser session (GET only: no CSRF question arises).
read_auth = [token_auth, django_auth]


def api_user(request: HttpRequest) -> Any:
    """The authenticated user of this call (token or session), never a stray session user."""
    return request.auth  # type: ignore[attr-defined]


# --- Login throttle ------------------------------------------------------------------------------
def begin_login(ip: str, username: str) -> LoginAttempt:
    """Take a slot in the failed-login throttle (``core.login_throttle``, shared with the web
    login), or answer 429 with the seconds to wait; nothing is counted for a refused attempt."""
    try:
        return login_throttle.begin(ip, username)
    except login_throttle.LoginThrottled as refused:
        raise ApiError(
            429, "rate_limited",
            _("Too many failed logins. Try again in %(seconds)d seconds.") % {"seconds": refused.seconds},
            headers={"Retry-After": str(refused.seconds)},
        ) from None
