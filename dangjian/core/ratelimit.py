"""Fixed-window counters in Django's cache, shared by every throttle (API login, opinion intake
and tracking). Rates are written like ``"10/m"`` or ``"5/15m"``."""

from __future__ import annotations

import re

from django.core.cache import cache

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\w*\s*$")
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"`` → (10, 60); ``"5/15m"`` → (5, 900)."""
    m = _RATE_RE.match(rate or "")
    if not m:
        raise ValueError(f"Bad rate {rate!r}; expected e.g. '10/m'.")
    return int(m.group(1)), int(m.group(2) or 1) * _PERIODS[m.group(3)]


def hit(key: str, period: int) -> int:
    """Count one event in the window of ``period`` seconds; return the count so far."""
    cache.add(key, 0, timeout=period)
    try:
        return int(cache.incr(key))
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=period)
        return 1


def reset(key: str) -> None:
    """Forget a counter (e.g. after a successful login)."""
    cache.delete(key)
