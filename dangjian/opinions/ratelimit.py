"""Fixed-window counters in Django's cache: intake per client address (``OPINION_RATE_LIMIT``)
and tracking attempts per address (stops guessing phone numbers for a tracking number)."""

from __future__ import annotations

import hashlib
import os

from dangjian.core.ratelimit import consume, parse_rate

DEFAULT_INTAKE_RATE = "20/m"
#: Tracking attempts (right or wrong) per address.
DEFAULT_TRACK_RATE = "20/10m"


def _rate(env_name: str, default: str) -> tuple[int, int] | None:
    """(limit, seconds) from the environment, read at call time; None when "off"."""
    raw = os.environ.get(env_name, default).strip()
    if raw.lower() in {"off", "none", "0", "false", "no"}:
        return None
    try:
        return parse_rate(raw)
    except ValueError:
        return parse_rate(default)


def _hit(bucket: str, ip: str, rate: tuple[int, int] | None) -> int | None:
    """Count one attempt; return the seconds to wait when the limit is exceeded, else None."""
    if rate is None:
        return None
    limit, period = rate
    key = f"dangjian:opinions-rate:{bucket}:{hashlib.sha256(ip.encode()).hexdigest()}"
    return consume(key, limit, period)


def intake_hit(ip: str) -> int | None:
    return _hit("intake", ip, _rate("OPINION_RATE_LIMIT", DEFAULT_INTAKE_RATE))


def track_hit(ip: str) -> int | None:
    return _hit("track", ip, _rate("OPINION_TRACK_RATE_LIMIT", DEFAULT_TRACK_RATE))
