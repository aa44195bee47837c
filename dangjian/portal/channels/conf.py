"""Channel settings (``dangjian/settings.py``, env-driven). Credentials live only here, never in
the database: a section names an account, ``CHANNELS_ACCOUNTS[channel][account]`` holds it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings


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


def max_attempts() -> int:
    return max(1, int(getattr(settings, "CHANNELS_MAX_ATTEMPTS", 6)))


def backoff(attempts: int) -> dt.timedelta:
    """Exponential back-off after the ``attempts``-th failure: base × 2^(attempts−1), capped."""
    base = int(getattr(settings, "CHANNELS_RETRY_BASE_SECONDS", 60))
    cap = int(getattr(settings, "CHANNELS_RETRY_MAX_SECONDS", 6 * 3600))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def site_url() -> str:
    """Absolute base for links sent to channels (an article's canonical URL, image URLs)."""
    base = getattr(settings, "CHANNELS_SITE_URL", "") or getattr(settings, "WAGTAILADMIN_BASE_URL", "")
    return str(base or "http://127.0.0.1:8000").rstrip("/")
