"""A cache generation for the portal's public blocks: every publish, unpublish or moderation
bumps it, so cached home-page blocks and feeds are never older than the last change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

KEY = "dangjian:portal:generation"
T = TypeVar("T")


def generation() -> int:
    value = cache.get(KEY)
    if value is None:
        cache.add(KEY, 1, timeout=None)
        value = cache.get(KEY) or 1
    return int(value)


def bump() -> None:
    try:
        cache.incr(KEY)
    except ValueError:
        cache.set(KEY, 2, timeout=None)


def cached(name: str, build: Callable[[], T], *parts: Any) -> T:
    """``build()`` cached under ``name`` for the current generation."""
    timeout = int(getattr(settings, "PORTAL_CACHE_SECONDS", 300))
    if timeout <= 0:
        return build()
    key = "dangjian:portal:{}:{}:{}".format(generation(), name, ":".join(str(p) for p in parts))
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=timeout)
    return value
