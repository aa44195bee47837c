"""WeChat read counts into the portal's view statistics (issue 6: "views per article and channel").

Once a day (scheduler job ``channels.wechat_reads``, 09:30 Beijing time: WeChat asks to query the
previous day's data after 08:00) every WeChat account that published our articles is asked for
its daily article statistics of the last ``CHANNELS_WECHAT_STATS_DAYS`` days (default 3,
yesterday first: WeChat may still complete a day's figures later):

    POST /datacube/getarticlesummary?access_token=…   {"begin_date": "2026-12-02", "end_date": "2026-12-02"}
    → {"list": [{"ref_date", "msgid": "2247490098_1", "title", "int_page_read_count", …}]}

(图文群发每日数据, developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticlesummary;
one day per call, the end date at most yesterday.) ``msgid`` is ``<msg_data_id>_<index>``; the
``msg_data_id`` is what ``freepublish/submit`` answered when we published, kept on the
``ChannelPost`` (every one the article was published under, as an edit re-publishes it). Posts
delivered before that was kept are matched through the ``mid=`` of their article URL when it
has one. Each article's day total (``int_page_read_count``, summed over its versions) is stored
with ``portal.stats.do_set_channel_views(page, "wechat_mp", n, day=…)`` — absolute, so asking
again is harmless; unchanged figures are not written again (no audit noise). An expired or
revoked token is refreshed once by the client (40001/40014/42001); other errors of one account
are logged and reported, and the other accounts still run.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.parse
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.utils import timezone

from dangjian.portal import ViewChannel
from dangjian.portal.channels import ChannelKind, conf
from dangjian.portal.channels.adapters import ChannelError

log = logging.getLogger(__name__)
ALL_SOURCES = 99999999  # user_source "all" where WeChat splits a day's figures by source


def stats_days() -> int:
    return max(1, min(int(getattr(settings, "CHANNELS_WECHAT_STATS_DAYS", 3)), 30))


def _msg_ids(post: Any) -> list[str]:
    data = post.data or {}
    ids = [str(i) for i in data.get("msg_data_ids") or [] if i]
    if data.get("msg_data_id") and str(data["msg_data_id"]) not in ids:
        ids.append(str(data["msg_data_id"]))
    if not ids and post.remote_url:  # https://mp.weixin.qq.com/s?__biz=…&mid=2247483854&idx=1&sn=…
        mid = urllib.parse.parse_qs(urllib.parse.urlsplit(post.remote_url).query).get("mid")
        if mid and mid[0].isdigit():
            ids.append(mid[0])
    return ids


def wechat_posts_by_account() -> dict[str, dict[str, int]]:
    """``{account: {msg_data_id: page_id}}`` for every article ever published on WeChat."""
    from dangjian.portal.channels.models import ChannelPost

    found: dict[str, dict[str, int]] = defaultdict(dict)
    posts = ChannelPost.objects.filter(channel=ChannelKind.WECHAT, page__isnull=False).only(
        "page_id", "account", "data", "remote_url")
    for post in posts:
        for msg_id in _msg_ids(post):
            found[post.account][msg_id] = post.page_id  # type: ignore[assignment]
    return dict(found)


def reads_per_page(rows: list[dict[str, Any]], pages: dict[str, int]) -> dict[int, int]:
    """``{page_id: reads}`` from one day's ``getarticlesummary`` list: ``int_page_read_count`` per
    msgid (the "all sources" row where WeChat gives one), summed over an article's versions."""
    per_msg: dict[str, dict[int, int]] = defaultdict(dict)
    for row in rows:
        msg_id = str(row.get("msgid") or "").split("_", 1)[0]
        if msg_id not in pages:
            continue
        try:
            count = max(0, int(row.get("int_page_read_count") or 0))
            source = int(row.get("user_source") or 0)
        except (TypeError, ValueError):
            continue
        index = str(row.get("msgid") or "")
        per_msg[index][source] = per_msg[index].get(source, 0) + count
    reads: dict[int, int] = defaultdict(int)
    for index, by_source in per_msg.items():
        total = by_source[ALL_SOURCES] if ALL_SOURCES in by_source else sum(by_source.values())
        reads[pages[index.split("_", 1)[0]]] += total
    return dict(reads)


def do_fetch_wechat_read_counts(*, days: int | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Ask each WeChat account for the daily read counts of the last ``days`` days (yesterday
    back) and store them per article as channel ``wechat_mp``. Returns ``{"written": n,
    "unchanged": n, "errors": [...]}``."""
    from wagtail.models import Page

    from dangjian.portal.channels.adapters.wechat import WeChatClient
    from dangjian.portal.models import PageViewCount
    from dangjian.portal.stats import do_set_channel_views

    today = today or timezone.localdate()
    day_list = [today - dt.timedelta(days=i) for i in range(1, (days or stats_days()) + 1)]
    summary: dict[str, Any] = {"written": 0, "unchanged": 0, "errors": []}
    for account, pages in sorted(wechat_posts_by_account().items()):
        creds = conf.account(ChannelKind.WECHAT, account)
        if not creds or not creds.get("app_id") or not creds.get("app_secret"):
            summary["errors"].append(f"{account}: no credentials in CHANNELS_ACCOUNTS")
            continue
        client = WeChatClient(creds["app_id"], creds["app_secret"], base_url=creds.get("api_base"))
        for day in day_list:
            try:
                rows = client.article_summary(day)
            except ChannelError as e:
                log.warning("WeChat read counts of account %s for %s: %s", account, day, e)
                summary["errors"].append(f"{account} {day.isoformat()}: {e}")
                if e.code not in (61500, 61501):  # an account-wide problem: its other days would fail too
                    break
                continue
            reads = reads_per_page(rows, pages)
            if not reads:
                continue
            stored = dict(PageViewCount.objects.filter(channel=ViewChannel.WECHAT_MP, day=day, page_id__in=reads)
                          .values_list("page_id", "views"))
            changed = [pid for pid, n in reads.items() if stored.get(pid) != n]
            summary["unchanged"] += len(reads) - len(changed)
            for page in Page.objects.filter(pk__in=changed).order_by("pk"):
                do_set_channel_views(page, ViewChannel.WECHAT_MP, reads[page.pk], day=day)
                summary["written"] += 1
    return summary
