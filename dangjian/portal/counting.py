"""Counting views in a visitor's request: one dict increment, added to shared cache counters at
most every ``PORTAL_VIEW_BUFFER_SECONDS``. ``stats`` moves the counters into ``PageViewCount`` rows
and explains the loss bounds. This module imports no model: the page models count their own
views through it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from dangjian.portal import SITE_CHANNELS, ViewChannel

CHANNELS = frozenset(ViewChannel.values)
COUNTED = frozenset(str(c) for c in SITE_CHANNELS)  # what a visit can be counted under (not wechat_mp)
COUNTER_TTL = 3 * 24 * 3600
_lock = threading.Lock()
_buffer: Counter[tuple[str, int, str]] = Counter()
_last_flush = time.monotonic()


def channel_of(request: Any) -> str:
    tag = request.GET.get("ch", "") if request.META.get("QUERY_STRING") else ""
    if tag in COUNTED:
        return str(tag)
    referrer = request.META.get("HTTP_REFERER", "").lower()
    agent = request.META.get("HTTP_USER_AGENT", "")
    if "micromessenger" in agent.lower() or "weixin.qq.com" in referrer:
        return ViewChannel.WECHAT
    if "weibo." in referrer:
        return ViewChannel.WEIBO
    return ViewChannel.WEB


_day_memo: tuple[int, str] = (-1, "")


def _today() -> str:
    """Today's date (local time) as YYYYMMDD, worked out once a second at most."""
    global _day_memo
    second = int(time.time())
    if _day_memo[0] != second:
        _day_memo = (second, timezone.localdate().strftime("%Y%m%d"))
    return _day_memo[1]


def counter_key(day: str, page_id: int, channel: str) -> str:
    return f"dangjian:portal:views:{day}:{page_id}:{channel}"


def _buffer_seconds() -> float:
    return float(getattr(settings, "PORTAL_VIEW_BUFFER_SECONDS", 5))


def record_view(page_id: int, request: Any, channel: str | None = None) -> None:
    """Count one view of ``page_id``: in memory now, in the shared cache within a few seconds."""
    if not getattr(settings, "PORTAL_VIEW_STATS", True):
        return
    day = _today()
    with _lock:
        _buffer[(day, page_id, channel or channel_of(request))] += 1
    if time.monotonic() - _last_flush >= _buffer_seconds():
        flush_buffer()


def add_to_counter(key: str, n: int) -> None:
    """Add ``n`` to a shared cache counter, creating it when missing."""
    try:
        cache.incr(key, n)
    except ValueError:  # no counter yet
        if not cache.add(key, n, timeout=COUNTER_TTL):
            cache.incr(key, n)


def flush_buffer() -> int:
    """This process's buffered views into the shared cache counters."""
    global _last_flush
    with _lock:
        pending = dict(_buffer)
        _buffer.clear()
        _last_flush = time.monotonic()
    for (day, page_id, channel), n in pending.items():
        add_to_counter(counter_key(day, page_id, channel), n)
    return sum(pending.values())
