"""Fixed-window counters in Django's cache, shared by every throttle (API login, opinion intake
and tracking). Rates are written like ``"10/m"`` or ``"5/15m"``."""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

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
