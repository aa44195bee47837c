"""API authentication: bearer tokens (``Authorization: Bearer <token>``), browser sessions for
reads, and the throttle on failed logins."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, django_auth

from dangjian.api.errors import ApiError
from dangjian.api.selectors import active_token
from dangjian.core.api_actions import do_touch_api_token


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
_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"`` → (10, 60); ``"5/15m"`` → (5, 900)."""
    m = _RATE_RE.match(rate or "")
    if not m:
        raise ValueError(f"Bad rate {rate!r}; expected e.g. '10/m'.")
    return int(m.group(1)), int(m.group(2) or 1) * _PERIODS[m.group(3)]


def _key(ip: str, username: str) -> str:
    ident = hashlib.sha256(f"{ip}\x00{username.strip().lower()}".encode()).hexdigest()
    return f"dangjian:api-login-fail:{ident}"


def check_login_allowed(ip: str, username: str) -> None:
    """Raise 429 once too many logins for this IP and username failed within the window."""
    limit, period = parse_rate(settings.API_LOGIN_RATE_LIMIT)
    if (cache.get(_key(ip, username)) or 0) >= limit:
        raise ApiError(
            429, "rate_limited",
            _("Too many failed logins. Try again in %(seconds)d seconds.") % {"seconds": period},
            headers={"Retry-After": str(period)},
        )


def record_login_failure(ip: str, username: str) -> None:
    _limit, period = parse_rate(settings.API_LOGIN_RATE_LIMIT)
    key = _key(ip, username)
    cache.add(key, 0, timeout=period)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period)


def clear_login_failures(ip: str, username: str) -> None:
    cache.delete(_key(ip, username))
