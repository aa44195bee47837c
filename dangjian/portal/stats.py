"""View statistics (S1/S2: "views per article and channel, shown to editors"), counted cheaply.

A view costs the request one dict increment: counts collect in a per-process buffer, which is
added to shared cache counters (one ``incr`` per page and channel, not per hit) at most every
``PORTAL_VIEW_BUFFER_SECONDS`` (default 5); the periodic job ``portal.flush_views`` (every five
minutes) moves the cache counters into ``PageViewCount`` rows, one row per page, channel and day.
Hits answered from the whole-page cache count the same (``cache.cached_page``). No database
write ever happens in a visitor's request.

Loss bounds, documented rather than hidden: a worker that dies loses at most its last buffer
(≤ 5 s of its hits); with the default file cache two processes adding to (or the job taking from)
one counter at the same instant can lose one of the two changes (its ``incr``/``decr`` is
read-modify-write); Redis and the per-process cache add atomically. The job takes the counts out
of the cache before it writes them, so it never counts a batch twice, even when its worker dies
and the task is run again (a worker killed between the take and the commit loses that batch).

The channel is the ``?ch=`` tag (``app`` for the app's news feed, ``feed`` for feed readers; see
``feeds.py`` and ``api.py``), else the referrer or the WeChat in-app browser. The WeChat official
account's own read counts (channel ``wechat_mp``, never a visit's tag) are written by the
channels' read-count job with ``do_set_channel_views``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from dangjian.core.actors import ActingUser
from dangjian.portal import ViewChannel
from dangjian.portal.counting import CHANNELS, COUNTED, add_to_counter, counter_key, flush_buffer


def _take(found: dict[str, int]) -> dict[str, int]:
    """Move ``found`` out of the cache counters (decrease each by what was read; views counted
    meanwhile stay). Returns what was taken: a counter that expired meanwhile gives nothing."""
    taken: dict[str, int] = {}
    for key, n in found.items():
        try:
            cache.decr(key, n)
        except ValueError:  # expired between the read and the take
            continue
        taken[key] = n
    return taken


def _give_back(taken: dict[str, int]) -> None:
    """The write failed before its commit: put what was taken back for the next run."""
    for key, n in taken.items():
        add_to_counter(key, n)


def do_flush_view_counts(*, days: int = 2) -> int:
    """Move the cache counters of the last ``days`` days (every page, every channel) into
    ``PageViewCount``. Returns the number of views moved.

    Safe to run again after its worker died at any point (the task may be re-queued): the counts
    are first *taken* out of the cache (each counter decreased by what was read), then written in
    one transaction. Nothing is left to do after the commit, so a batch is never added twice. A
    write that fails before its commit gives the batch back; a worker killed between the take
    and the commit loses that batch (at most one run's views), it never counts it twice."""
    from wagtail.models import Page

    from dangjian.portal.models import PageViewCount

    flush_buffer()
    today = timezone.localdate()
    day_list = [today - dt.timedelta(days=i) for i in range(days)]
    page_ids = list(Page.objects.filter(depth__gte=2).values_list("pk", flat=True))
    wanted = {counter_key(d.strftime("%Y%m%d"), pid, ch): (d, pid, ch)
              for d in day_list for pid in page_ids for ch in COUNTED}
    found: dict[str, int] = {}
    keys = list(wanted)
    for i in range(0, len(keys), 1000):
        found.update({k: int(v) for k, v in cache.get_many(keys[i:i + 1000]).items() if v and int(v) > 0})
    if not found:
        return 0
    taken = _take(found)
    add: dict[tuple[dt.date, int, str], int] = {}
    for key, n in taken.items():
        add[wanted[key]] = add.get(wanted[key], 0) + n
    written = False
    try:
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
            written = True
    except BaseException:
        # Given back only when the failure came before the commit was asked for: a failed
        # COMMIT may still have committed, and giving back then could count the batch twice.
        if not written:
            _give_back(taken)
        raise
    return sum(taken.values())


def do_set_channel_views(page: Any, channel: str, views: int, *, day: dt.date, acting_user: ActingUser | None = None) -> Any:
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
