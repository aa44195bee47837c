"""View statistics (S1/S2: "views per article and channel, shown to editors"), counted cheaply.

A view costs the request one dict increment: counts collect in a per-process buffer, which is
added to shared cache counters (one ``incr`` per page and channel, not per hit) at most every
``PORTAL_VIEW_BUFFER_SECONDS`` (default 5); the periodic job ``portal.flush_views`` (every five
minutes) moves the cache counters into ``PageViewCount`` rows, one row per page, channel and day.
Hits answered from the whole-page cache count the same (``cache.cached_page``). No database
write ever happens in a visitor's request.

Loss bounds, documented rather than hidden: a worker that dies loses at most its last buffer
(≤ 5 s of its hits); with the default file cache two processes adding to one counter at the same
instant can lose one of the two additions (its ``incr`` is read-modify-write); Redis and the
per-process cache add atomically.

The channel is the ``?ch=`` tag (``app`` for the app's news feed, ``feed`` for feed readers; see
``feeds.py`` and ``api.py``), else the referrer or the WeChat in-app browser. The WeChat official
account's own read counts (channel ``wechat_mp``, never a visit's tag) are written by the
channels' read-count job with ``do_set_channel_views``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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


def _counter_key(day: str, page_id: int, channel: str) -> str:
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


def _add(key: str, n: int) -> None:
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
        _add(_counter_key(day, page_id, channel), n)
    return sum(pending.values())


def do_flush_view_counts(*, days: int = 2) -> int:
    """Move the cache counters of the last ``days`` days (every page, every channel) into
    ``PageViewCount``. The counters are decreased by what was moved once the rows are committed,
    so views counted meanwhile stay for the next run. Returns the number of views moved."""
    from wagtail.models import Page

    from dangjian.portal.models import PageViewCount

    flush_buffer()
    today = timezone.localdate()
    day_list = [today - dt.timedelta(days=i) for i in range(days)]
    page_ids = list(Page.objects.filter(depth__gte=2).values_list("pk", flat=True))
    wanted = {_counter_key(d.strftime("%Y%m%d"), pid, ch): (d, pid, ch)
              for d in day_list for pid in page_ids for ch in COUNTED}
    found: dict[str, int] = {}
    keys = list(wanted)
    for i in range(0, len(keys), 1000):
        found.update({k: int(v) for k, v in cache.get_many(keys[i:i + 1000]).items() if v and int(v) > 0})
    if not found:
        return 0
    add: dict[tuple[dt.date, int, str], int] = {}
    for key, n in found.items():
        add[wanted[key]] = add.get(wanted[key], 0) + n
    with transaction.atomic():
        existing = {(r.day, r.page_id, r.channel): r for r in PageViewCount.objects.select_for_update().filter(
            day__in=day_list, page_id__in={pid for _d, pid, _c in add})}
        new, changed = [], []
        for (day, pid, ch), n in add.items():
            row = existing.get((day, pid, ch))
            if row is None:
                new.append(PageViewCount(page_id=pid, channel=ch, day=day, views=n))
            else:
                row.views += n
                changed.append(row)
        PageViewCount.objects.bulk_create(new)
        PageViewCount.objects.bulk_update(changed, ["views"])

        def taken() -> None:
            for key, n in found.items():
                with contextlib.suppress(ValueError):  # expired meanwhile
                    cache.decr(key, n)

        transaction.on_commit(taken)
    return sum(found.values())


def do_set_channel_views(page: Any, channel: str, views: int, *, day: dt.date, acting_user: Any = None) -> Any:
    """A channel's own read count for ``page`` on ``day`` (e.g. the WeChat official account's
    article statistics), stored as given (the platform reports totals, not increments)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from dangjian.core import audit
    from dangjian.portal.models import PageViewCount

    if channel not in CHANNELS:
        raise ValidationError({"channel": _("Unknown channel.")})
    if views < 0:
        raise ValidationError({"views": _("The number of views cannot be negative.")})
    with transaction.atomic():
        row, _created = PageViewCount.objects.update_or_create(page_id=page.pk, channel=channel, day=day,
                                                               defaults={"views": views})
        audit.record(acting_user, "portal.channel_views_set", row, after={"views": views, "channel": channel,
                                                                        "day": day.isoformat()})
    return row


def totals_for(page_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{page_id: {"total": n, "web": n, "app": n, …}}`` over all days, one aggregate query."""
    from django.db.models import Q, Sum

    from dangjian.portal.models import PageViewCount

    sums = {ch: Sum("views", filter=Q(channel=ch)) for ch in ViewChannel.values}
    rows = (PageViewCount.objects.filter(page_id__in=page_ids).values("page_id")
            .annotate(total=Sum("views"), **sums))
    return {r["page_id"]: {k: int(r[k] or 0) for k in ("total", *ViewChannel.values)}  # type: ignore[literal-required]
            for r in rows}
