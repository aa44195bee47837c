"""allauth's own rate limits (``ACCOUNT_RATE_LIMITS``: ``login`` 30/m/ip, ``signup``,
``reset_password`` 20/m/ip and 5/m per address, ``reset_password_from_key``, ``change_password``,
``manage_email``, ``reauthenticate``…, and the MFA app's) counted by :mod:`dangjian.core.ratelimit`.

allauth keeps each limit as a list of timestamps in the cache, read and written back under a lock
made of ``cache.add``: on the file cache two processes can both take the last slot, a lock that
times out lets the attempt through, and a refused tier leaves the tiers before it counted. It
offers no setting to replace that store, so :func:`install` (``CoreConfig.ready``) puts
:func:`consume` and :func:`clear` in place of ``allauth.core.internal.ratelimit.consume``/``clear``,
through which every allauth view, form, decorator and flow asks (``consume_or_429`` and the
``rate_limit`` decorator look ``consume`` up there at call time). The budgets stay allauth's own
(its defaults with ``ACCOUNT_RATE_LIMITS`` over them, e.g. ``"20/m/ip,5/m/key"``); each tier
becomes an exact fixed window of the same length, taken for all tiers or none, atomic on every
cache backend, and a refused attempt is not counted. A refusal answers 429 with our page and a
``Retry-After`` (``views_errors.too_many_requests``, ``handler429`` in ``dangjian.urls``), or
allauth's form error where allauth asks from a form.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from dangjian.core import ratelimit

#: The request attribute that carries the seconds until a refused limit lets the next attempt in.
RETRY_AFTER_ATTR = "_dj_rate_limit_wait"


@dataclass
class Usage:
    """The slots one allowed attempt took; allauth calls :meth:`rollback` when the attempt turns
    out not to count (e.g. a login that succeeded). Always true, like allauth's own usage."""

    counters: list[tuple[str, int, int]]
    now: float

    def rollback(self) -> None:
        for key, _limit, period in self.counters:
            ratelimit.give_back(key, period, now=self.now)


def _counters(request: Any, *, app: str, action: str, config: Any, key: Any, user: Any) -> list[tuple[str, int, int]]:
    from allauth.core.internal import ratelimit as allauth_rl

    counters = []
    for rate in allauth_rl.get_rates(app=app, action=action, config=config):
        # allauth's key names the client's address, the user or the e-mail: hashed, so no
        # personal data is a cache key or a RateCounter row.
        source = allauth_rl.get_cache_key(request, app=app, action=action, rate=rate, key=key, user=user)
        digest = hashlib.sha256(source.encode()).hexdigest()
        counters.append((f"dangjian:allauth:{action}:{digest}", rate.amount, max(1, int(rate.duration))))
    return counters


def consume(request: Any, *, app: str, action: str, config: Any = None, key: Any = None, user: Any = None,
            dry_run: bool = False, limit_get: bool = False, raise_exception: bool = False) -> Usage | None:
    """allauth's ``consume`` with the same arguments and answers: a usage when allowed (GETs are
    not limited unless ``limit_get``), None (or ``RateLimited`` raised) when refused."""
    from allauth.core.exceptions import RateLimited

    now = time.time()
    if not limit_get and request.method == "GET":
        return Usage([], now)
    counters = _counters(request, app=app, action=action, config=config, key=key, user=user)
    if not counters:
        return Usage([], now)
    wait = ratelimit.consume_all(counters, now=now)
    if wait is not None:
        setattr(request, RETRY_AFTER_ATTR, max(wait, getattr(request, RETRY_AFTER_ATTR, 0)))
        if raise_exception:
            raise RateLimited
        return None
    usage = Usage(counters, now)
    if dry_run:  # only asked whether it would be allowed: nothing stays counted
        usage.rollback()
    return usage


def clear(request: Any, *, app: str, action: str, config: Any = None, key: Any = None, user: Any = None) -> None:
    """allauth's ``clear``: forget the current windows of ``action`` for this client/user/key."""
    now = time.time()
    for counter_key, _limit, period in _counters(request, app=app, action=action, config=config, key=key, user=user):
        ratelimit.reset(counter_key, period, now=now)


def install() -> None:
    """Put :func:`consume` and :func:`clear` in place of allauth's. An allauth whose internals no
    longer have them stops start-up (its limits would silently fall back to the cache lists)."""
    from allauth.core.internal import ratelimit as allauth_rl

    for name in ("consume", "clear", "consume_or_429", "get_rates", "get_cache_key"):
        if not callable(getattr(allauth_rl, name, None)):
            raise ImproperlyConfigured(
                f"allauth.core.internal.ratelimit.{name} is missing: this allauth cannot have its rate limits "
                "counted by dangjian.core.ratelimit; check dangjian/core/allauth_ratelimit.py against it."
            )
    allauth_rl.consume = consume  # type: ignore[assignment]
    allauth_rl.clear = clear  # type: ignore[assignment]


def installed() -> bool:
    from allauth.core.internal import ratelimit as allauth_rl

    return allauth_rl.consume is consume and allauth_rl.clear is clear
