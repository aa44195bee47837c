"""API authentication: bearer tokens (``Authorization: Bearer <token>``), browser sessions for
reads, and the throttle on failed logins."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, django_auth

from dangjian.core import ratelimit
from dangjian.core.apikit.actions import do_touch_api_token
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.selectors import active_token
from dangjian.core.ratelimit import parse_rate


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
#: Defaults for the wider counters; each can be overridden in settings without editing them.
DEFAULT_IP_RATE_LIMIT = "30/m"
DEFAULT_USER_RATE_LIMIT = "20/h"


def _ident(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _user_norm(username: str) -> str:
    return (username or "").strip().lower()


def _counters(ip: str, username: str) -> list[tuple[str, int, int]]:
    """(cache key, limit, period) for each failure counter a login attempt falls under.

    * per address and username — the original throttle (``API_LOGIN_RATE_LIMIT``);
    * per address, any username — stops password spraying (``API_LOGIN_IP_RATE_LIMIT``);
    * per username, any address — stops guessing one account from many addresses
      (``API_LOGIN_USER_RATE_LIMIT``).
    """
    user = _user_norm(username)
    pair_limit, pair_period = parse_rate(settings.API_LOGIN_RATE_LIMIT)
    ip_limit, ip_period = parse_rate(getattr(settings, "API_LOGIN_IP_RATE_LIMIT", DEFAULT_IP_RATE_LIMIT))
    user_limit, user_period = parse_rate(getattr(settings, "API_LOGIN_USER_RATE_LIMIT", DEFAULT_USER_RATE_LIMIT))
    return [
        (_key(ip, username), pair_limit, pair_period),
        (f"dangjian:api-login-fail-ip:{_ident(ip)}", ip_limit, ip_period),
        (f"dangjian:api-login-fail-user:{_ident(user)}", user_limit, user_period),
    ]


def _key(ip: str, username: str) -> str:
    ident = _ident(ip, _user_norm(username))
    return f"dangjian:api-login-fail:{ident}"


def check_login_allowed(ip: str, username: str) -> None:
    """Raise 429 once too many logins failed within a window: for this address and username,
    for this address whatever the username, or for this username whatever the address."""
    counters = _counters(ip, username)
    counts = cache.get_many([key for key, _limit, _period in counters])
    blocked = [period for key, limit, period in counters if (counts.get(key) or 0) >= limit]
    if blocked:
        period = max(blocked)
        raise ApiError(
            429, "rate_limited",
            _("Too many failed logins. Try again in %(seconds)d seconds.") % {"seconds": period},
            headers={"Retry-After": str(period)},
        )


def record_login_failure(ip: str, username: str) -> None:
    for key, _limit, period in _counters(ip, username):
        ratelimit.hit(key, period)


def clear_login_failures(ip: str, username: str) -> None:
    """After a successful login: forget this address-and-username's failures only. The wider
    per-address and per-username counters keep running, so one good account cannot be used to
    reset a spraying or distributed-guessing budget."""
    ratelimit.reset(_key(ip, username))
