"""Channel settings (``dangjian/settings.py``, env-driven). Credentials live only here, never in
the database: a section names an account, ``CHANNELS_ACCOUNTS[channel][account]`` holds it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from dangjian.core.outbox import RetryPolicy


def account(channel: str, name: str) -> dict[str, Any] | None:
    accounts = getattr(settings, "CHANNELS_ACCOUNTS", {}) or {}
    found = (accounts.get(channel) or {}).get(name)
    return dict(found) if found else None


def wechat_api_base() -> str:
    return str(getattr(settings, "CHANNELS_WECHAT_API_BASE", "https://api.weixin.qq.com")).rstrip("/")


def weibo_api_base() -> str:
    return str(getattr(settings, "CHANNELS_WEIBO_API_BASE", "https://api.weibo.com")).rstrip("/")


def timeout() -> float:
    return float(getattr(settings, "CHANNELS_HTTP_TIMEOUT", 10))


#: Attempts and back-off of the outbox (``CHANNELS_MAX_ATTEMPTS``, 6; ``CHANNELS_RETRY_BASE_SECONDS``
#: × 2^(attempt−1), capped by ``CHANNELS_RETRY_MAX_SECONDS``; the shared rules of ``core.outbox``).
RETRY = RetryPolicy("CHANNELS", default_attempts=6)


def max_attempts() -> int:
    return RETRY.max_attempts()


def backoff(attempts: int) -> dt.timedelta:
    """The least wait after the ``attempts``-th failure (the retry adds up to 25 % jitter)."""
    return RETRY.backoff(attempts)


def site_url() -> str:
    """Absolute base for links sent to channels (an article's canonical URL, image URLs)."""
    base = getattr(settings, "CHANNELS_SITE_URL", "") or getattr(settings, "WAGTAILADMIN_BASE_URL", "")
    return str(base or "http://127.0.0.1:8000").rstrip("/")
