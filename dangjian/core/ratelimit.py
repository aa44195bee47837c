"""Fixed-window counters shared by every throttle (logins, opinion intake and tracking, forum
posts, portal comments). Rates are written like ``"10/m"`` or ``"5/15m"``; several tiers are
separated by commas (``"5/15m,10/h"``).

A window is exact: its key holds the window number ``floor(now / period)`` and it ends at the
next multiple of ``period`` whatever happens inside it (no hit extends it). Only attempts that
are let through are counted: a refused one leaves the count at the limit, so a client that keeps
trying is let back in when the window ends. Taking a slot is atomic on every supported cache:

* Redis (django-redis or Django's own), memcached and the in-process cache have an atomic
  ``incr``: ``add`` + ``incr`` takes a slot, an over-limit ``incr`` is given back with ``decr``;
* the file and database caches have no atomic ``incr`` (read, add one, write back), so their
  counters live in a small table (:class:`~dangjian.core.models.RateCounter`) and a slot is one
  ``UPDATE … SET count = count + 1 WHERE count < limit``.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: Cache backends whose ``add`` and ``incr`` are atomic (checked by class path).
ATOMIC_CACHES = (
    "django.core.cache.backends.locmem.",
    "django.core.cache.backends.redis.",
    "django.core.cache.backends.memcached.",
    "django_redis.",
)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"`` → (10, 60); ``"5/15m"`` → (5, 900)."""
    m = _RATE_RE.match(rate or "")
    if not m:
        raise ValueError(f"Bad rate {rate!r}; expected e.g. '10/m'.")
    return int(m.group(1)), int(m.group(2) or 1) * _PERIODS[m.group(3)]



_OFF = {"off", "none", "0", "false", "no"}


@functools.lru_cache(maxsize=64)
def _setting_rate(name: str, raw: str) -> tuple[int, int] | None:
    if raw.strip().lower() in _OFF:
        return None
    try:
        return parse_rate(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: write e.g. '5/10m' (5 per 10 minutes; s, m, h or d) or 'off'."
        ) from None


def rate_setting(name: str, default: str) -> tuple[int, int] | None:
    """The (limit, seconds) of the rate in setting ``name`` (``"5/10m"``), None for "off"; parsed
    once per value. A malformed value raises ImproperlyConfigured naming the setting: call it from
    the app's ``ready()`` so a typo stops start-up instead of answering 500 at the first hit."""
    return _setting_rate(name, str(getattr(settings, name, default)))


def parse_rates(rates: str) -> list[tuple[int, int]]:
    """``"5/15m,10/h"`` → [(5, 900), (10, 3600)]; an empty string or "off" gives no tier."""
    if (rates or "").strip().lower() in _OFF:
        return []
    return [parse_rate(part) for part in (rates or "").split(",") if part.strip()]


def window(period: int, now: float) -> tuple[int, float]:
    """(number, end) of the fixed window of ``period`` seconds that ``now`` falls in."""
    number = math.floor(now / period)
    return number, (number + 1) * period


def _atomic_cache() -> bool:
    backend = caches["default"]
    path = f"{type(backend).__module__}.{type(backend).__qualname__}"
    return path.startswith(ATOMIC_CACHES)


def _cache_take(wkey: str, limit: int, timeout: int) -> bool:
    cache = caches["default"]
    for _attempt in range(3):
        cache.add(wkey, 0, timeout=timeout)
        try:
            count = int(cache.incr(wkey))
        except ValueError:  # evicted between add and incr: add it again
            continue
        if count <= limit:
            return True
        with contextlib.suppress(ValueError):  # the window is gone: nothing to give back
            cache.decr(wkey)  # refused: not counted
        return False
    return False


def _cache_give_back(wkey: str) -> None:
    cache = caches["default"]
    try:
        if int(cache.decr(wkey)) < 0:
            cache.incr(wkey)
    except ValueError:  # the window is gone
        pass


#: Threads of one process take database slots one at a time (SQLite, in a shared in-memory
#: database, refuses concurrent writers instead of queueing them); across processes the
#: conditional UPDATE alone is what keeps the count exact.
_db_lock = threading.Lock()


def _db_take(wkey: str, limit: int, end: float, now: float) -> bool:
    with _db_lock:
        return _db_take_locked(wkey, limit, end, now)


def _db_take_locked(wkey: str, limit: int, end: float, now: float) -> bool:
    from dangjian.core.models import RateCounter

    rows = RateCounter.objects.filter(key=wkey, count__lt=limit)
    if rows.update(count=F("count") + 1):
        return True
    if RateCounter.objects.filter(key=wkey).exists():
        return False
    # First hit of this window: forget finished windows, then create this one (a concurrent
    # creator wins the same row) and take the slot with the same conditional update.
    RateCounter.objects.filter(expires_at__lt=now).delete()
    RateCounter.objects.bulk_create([RateCounter(key=wkey, count=0, expires_at=end)], ignore_conflicts=True)
    return bool(rows.update(count=F("count") + 1))


def _db_give_back(wkey: str) -> None:
    from dangjian.core.models import RateCounter

    with _db_lock:
        RateCounter.objects.filter(key=wkey, count__gt=0).update(count=F("count") - 1)


def consume(key: str, limit: int, period: int, *, now: float | None = None) -> int | None:
    """Take one of ``limit`` slots in the current window of ``period`` seconds.

    Returns None when taken; otherwise the whole seconds until the window ends (the
    ``Retry-After``), and the attempt is not counted."""
    now = time.time() if now is None else now
    number, end = window(period, now)
    wkey = f"{key}:{period}:{number}"
    if _atomic_cache():
        taken = _cache_take(wkey, limit, max(1, math.ceil(end - now)) + 1)
    else:
        taken = _db_take(wkey, limit, end, now)
    return None if taken else max(1, math.ceil(end - now))


def give_back(key: str, period: int, *, now: float | None = None) -> None:
    """Return a slot taken by :func:`consume` in the current window (e.g. the attempt proved
    to be a successful login, which is not a failure to count)."""
    now = time.time() if now is None else now
    number, _end = window(period, now)
    wkey = f"{key}:{period}:{number}"
    if _atomic_cache():
        _cache_give_back(wkey)
    else:
        _db_give_back(wkey)


def reset(key: str, period: int, *, now: float | None = None) -> None:
    """Forget the current window of a counter."""
    now = time.time() if now is None else now
    number, _end = window(period, now)
    wkey = f"{key}:{period}:{number}"
    if _atomic_cache():
        caches["default"].delete(wkey)
    else:
        from dangjian.core.models import RateCounter

        RateCounter.objects.filter(key=wkey).delete()


def consume_all(counters: list[tuple[str, int, int]], *, now: float | None = None) -> int | None:
    """Take a slot in every ``(key, limit, period)`` counter, or in none: when one refuses, the
    slots already taken are given back and its wait is returned (longest windows are asked
    first, so the wait named is the longest that applies)."""
    now = time.time() if now is None else now
    taken: list[tuple[str, int]] = []
    for key, limit, period in sorted(counters, key=lambda c: -c[2]):
        wait = consume(key, limit, period, now=now)
        if wait is not None:
            for taken_key, taken_period in taken:
                give_back(taken_key, taken_period, now=now)
            return wait
        taken.append((key, period))
    return None


def peek(key: str, period: int, *, now: float | None = None) -> int:
    """How many slots of the current window of ``key`` are taken (0 when none): read only."""
    now = time.time() if now is None else now
    number, _end = window(period, now)
    wkey = f"{key}:{period}:{number}"
    if _atomic_cache():
        return int(caches["default"].get(wkey) or 0)
    from dangjian.core.models import RateCounter

    return int(RateCounter.objects.filter(key=wkey).values_list("count", flat=True).first() or 0)


def take_once(key: str, seconds: int, *, now: float | None = None) -> bool:
    """True the first time ``key`` is taken within ``seconds`` (a one-time token), False after,
    on every cache: an atomic ``add`` where the cache has one, else a conditional UPDATE of a
    counter row. The row's end is rounded up to a multiple of ``seconds`` (it says no exact time)."""
    now = time.time() if now is None else now
    wkey = f"once:{key}"
    if _atomic_cache():
        return bool(caches["default"].add(wkey, 1, timeout=seconds))
    end = (math.floor(now / seconds) + 2) * seconds
    with _db_lock:
        from dangjian.core.models import RateCounter

        RateCounter.objects.filter(expires_at__lt=now).delete()
        RateCounter.objects.bulk_create([RateCounter(key=wkey, count=0, expires_at=end)], ignore_conflicts=True)
        return bool(RateCounter.objects.filter(key=wkey, count=0).update(count=1))
