"""The failed-login throttle shared by the web login (the allauth adapter) and the API login.

Failures are counted the way django-axes does by default — by account *and* source address
together — so guessing a password from one address never locks the owner out from another.
Three kinds of counter (``settings.LOGIN_RATE_LIMITS``, each a list of fixed-window tiers):

* ``pair``: one account from one address. Its tiers (default 5 per 15 minutes, 10 per hour,
  20 per day) make the wait grow: after 5 failures up to 15 minutes, after 10 up to an hour,
  after 20 until the day's window ends;
* ``source``: one address, any account — stops credential stuffing and password spraying;
* ``account``: one account from addresses it never logged in from — a generous cap on guessing
  from many addresses. An address the owner logged in from successfully (remembered 90 days)
  is not held by it, so even a distributed guess leaves the owner their usual address.

A slot is taken *before* the password is checked (so concurrent guesses cannot overrun a limit)
and given back when the login succeeds; refused attempts are not counted (``core.ratelimit``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import ratelimit

DEFAULT_RATES = {"pair": "5/15m,10/h,20/d", "source": "30/10m,300/d", "account": "50/h,200/d"}
KNOWN_SOURCE_SECONDS = 90 * 86400


class LoginThrottled(Exception):
    """Too many failed logins; ``seconds`` until the next attempt is accepted."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(seconds)


def _ident(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def normalize(username: str) -> str:
    return (username or "").strip().lower()


#: The environment variable that sets each kind (dangjian/settings.py), named in start-up errors.
ENV_NAMES = {"pair": "LOGIN_PAIR_RATE_LIMIT", "source": "LOGIN_SOURCE_RATE_LIMIT", "account": "LOGIN_ACCOUNT_RATE_LIMIT"}


def _raw(kind: str) -> str:
    configured = getattr(settings, "LOGIN_RATE_LIMITS", {}) or {}
    return str(configured.get(kind, DEFAULT_RATES[kind]))


def rates(kind: str) -> list[tuple[int, int]]:
    return ratelimit.parse_rates(_raw(kind))


def check_settings() -> None:
    """Parse every login limit once, at start-up (``CoreConfig.ready``): a malformed value raises
    ImproperlyConfigured naming the setting, instead of a 500 at the first login attempt."""
    for kind in DEFAULT_RATES:
        try:
            rates(kind)
        except ValueError:
            raise ImproperlyConfigured(
                f"LOGIN_RATE_LIMITS[{kind!r}] (environment {ENV_NAMES[kind]})={_raw(kind)!r} is not a list of "
                "rates: write e.g. '5/15m,10/h' (limit/period with s, m, h or d, comma-separated) or 'off'."
            ) from None


def _known_key(ip: str, account: str) -> str:
    return f"dangjian:login-known:{_ident(ip, account)}"


@dataclass
class LoginAttempt:
    """The slots one login attempt took; settled by :meth:`succeeded` or :meth:`cancel`."""

    ip: str
    account: str
    now: float
    counters: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)

    def cancel(self) -> None:
        """The attempt was no guess (e.g. the right password, second factor still to come)."""
        for counters in self.counters.values():
            for key, _limit, period in counters:
                ratelimit.give_back(key, period, now=self.now)

    def succeeded(self) -> None:
        """The owner logged in: not a failure; this pair starts afresh and this address is
        remembered as one the owner uses. The address's and account's other failures stay."""
        self.cancel()
        for key, _limit, period in self.counters.get("pair", []):
            ratelimit.reset(key, period, now=self.now)
        cache.set(_known_key(self.ip, self.account), True, timeout=KNOWN_SOURCE_SECONDS)


def begin(ip: str, username: str, *, now: float | None = None) -> LoginAttempt:
    """Take a slot for one login attempt from ``ip`` for ``username``; raise
    :class:`LoginThrottled` (nothing counted) when a limit is reached."""
    account = normalize(username)
    attempt = LoginAttempt(ip=ip, account=account, now=time.time() if now is None else now)
    attempt.counters["pair"] = [(f"dangjian:login-pair:{_ident(ip, account)}", limit, period)
                                for limit, period in rates("pair")]
    attempt.counters["source"] = [(f"dangjian:login-source:{_ident(ip)}", limit, period)
                                  for limit, period in rates("source")]
    if not cache.get(_known_key(ip, account)):
        attempt.counters["account"] = [(f"dangjian:login-account:{_ident(account)}", limit, period)
                                       for limit, period in rates("account")]
    every = [counter for counters in attempt.counters.values() for counter in counters]
    wait = ratelimit.consume_all(every, now=attempt.now)
    if wait is not None:
        raise LoginThrottled(wait)
    return attempt
