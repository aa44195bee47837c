"""View statistics: hits (also those answered from the whole-page cache) are counted per page and
channel without a database write in the request, flushed by the periodic job, shown to editors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.portal import counting
from dangjian.portal.models import PageViewCount
from dangjian.portal.stats import do_flush_view_counts, do_set_channel_views
from dangjian.portal.tests.conftest import published_article
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_buffer() -> None:
    with counting._lock:
        counting._buffer.clear()


def views(page: Any) -> dict[str, int]:
    return {r.channel: r.views for r in PageViewCount.objects.filter(page_id=page.pk)}


def writes(ctx: Any) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


def test_views_are_counted_also_from_the_page_cache_without_writes_in_the_request(
        portal: Any, client: Any, django_capture_on_commit_callbacks: Any) -> None:
    article = published_article(portal.news, "浏览统计", acting_user=portal.root)
    client.get(article.url)  # a miss: rendered and stored
    with CaptureQueriesContext(connection) as hits:
        for _ in range(3):
            assert client.get(article.url).status_code == 200
    assert not writes(hits) and not any("portal_publiccomment" in q["sql"] for q in hits.captured_queries)
    assert views(article) == {}  # nothing in the database until the job runs
    with django_capture_on_commit_callbacks(execute=True):  # the job commits; then the counters go down
        assert do_flush_view_counts() == 4
    assert views(article) == {"web": 4}
    assert do_flush_view_counts() == 0  # moved once
    client.get(article.url)
    do_flush_view_counts()
    assert views(article) == {"web": 5}


@pytest.fixture(params=["locmem", "file"])
def counter_cache(request: Any, settings: Any, tmp_path: Any) -> str:
    """The job on the in-process cache and on the default file cache (no atomic incr/decr)."""
    if request.param == "file":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                       "LOCATION": str(tmp_path / "cache")}}
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": f"stats-{tmp_path.name}"}}
    return str(request.param)


class WorkerDied(BaseException):
    """Stands for the worker being killed at that point (not an error the job could handle)."""


def _hit(client: Any, article: Any, times: int) -> None:
    for _ in range(times):
        assert client.get(article.url).status_code == 200
    counting.flush_buffer()


def test_a_worker_that_dies_right_after_its_commit_does_not_count_the_batch_twice(
        portal: Any, client: Any, counter_cache: str) -> None:
    # The crash point of the old job: rows committed, cache counters not yet decreased (an
    # on-commit callback that never ran). Here no on-commit callback is run at all, as if the
    # worker died at the commit; the task is then run again (re-queued as stale).
    article = published_article(portal.news, "崩溃统计", acting_user=portal.root)
    _hit(client, article, 4)
    assert do_flush_view_counts() == 4
    assert views(article) == {"web": 4}
    assert do_flush_view_counts() == 0  # the re-run finds nothing left to move
    assert views(article) == {"web": 4}
    _hit(client, article, 2)
    assert do_flush_view_counts() == 2
    assert views(article) == {"web": 6}


def test_a_write_that_fails_before_its_commit_gives_the_batch_back(
        portal: Any, client: Any, counter_cache: str, monkeypatch: Any) -> None:
    article = published_article(portal.news, "失败统计", acting_user=portal.root)
    _hit(client, article, 3)

    def failing_bulk_create(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(PageViewCount.objects, "bulk_create", failing_bulk_create)
        with pytest.raises(RuntimeError):
            do_flush_view_counts()
    assert views(article) == {}
    assert do_flush_view_counts() == 3  # the next run moves the batch, once
    assert views(article) == {"web": 3}
    assert do_flush_view_counts() == 0


def test_a_worker_killed_between_the_take_and_the_commit_loses_the_batch_never_doubles_it(
        portal: Any, client: Any, counter_cache: str, monkeypatch: Any) -> None:
    from dangjian.portal import stats

    article = published_article(portal.news, "中断统计", acting_user=portal.root)
    _hit(client, article, 3)

    def killed(*args: Any, **kwargs: Any) -> Any:
        raise WorkerDied

    with monkeypatch.context() as patched:
        patched.setattr(PageViewCount.objects, "bulk_create", killed)
        patched.setattr(stats, "_give_back", lambda taken: None)  # a killed process runs no cleanup
        with pytest.raises(WorkerDied):
            do_flush_view_counts()
    assert do_flush_view_counts() == 0  # the counts left the cache before the write
    assert views(article) == {}
    _hit(client, article, 1)
    assert do_flush_view_counts() == 1
    assert views(article) == {"web": 1}


def test_channels_from_the_tag_and_the_wechat_browser(portal: Any, client: Any) -> None:
    article = published_article(portal.news, "渠道统计", acting_user=portal.root)
    client.get(article.url)
    with CaptureQueriesContext(connection) as tagged:
        client.get(article.url + "?ch=app")  # the tag does not split the page cache
    assert not any("portal_publiccomment" in q["sql"] for q in tagged.captured_queries)
    client.get(article.url + "?ch=feed")
    client.get(article.url + "?ch=bogus")
    client.get(article.url + "?ch=wechat_mp")  # the official account's reads come from WeChat only
    client.get(article.url, HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger/8.0.50")
    client.get(article.url, HTTP_REFERER="https://weibo.com/u/123")
    do_flush_view_counts()
    assert views(article) == {"web": 3, "app": 1, "feed": 1, "wechat": 1, "weibo": 1}


def test_feed_links_carry_the_feed_tag(portal: Any, client: Any) -> None:
    article = published_article(portal.news, "订阅统计", acting_user=portal.root)
    data = client.get("/feeds/news.json").json()
    assert data["items"][0]["url"].endswith(article.url + "?ch=feed")
    assert data["items"][0]["id"] == f"urn:dangjian:page:{article.pk}"


def test_signed_in_and_uncached_views_count_too(portal: Any, client: Any, settings: Any) -> None:
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    article = published_article(portal.news, "不缓存", acting_user=portal.root)
    client.get(article.url)
    client.login(username=portal.editor_a.username, password=PASSWORD)
    client.get(article.url)
    client.get(article.url + "not-there/")  # a 404 is not a view
    do_flush_view_counts()
    assert views(article) == {"web": 2}


def test_channel_adapter_sets_its_own_read_count(portal: Any) -> None:
    article = published_article(portal.news, "微信阅读", acting_user=portal.root)
    day = timezone.localdate() - dt.timedelta(days=1)
    do_set_channel_views(article, "wechat_mp", 120, day=day)
    do_set_channel_views(article, "wechat_mp", 150, day=day)  # totals, not increments
    assert views(article) == {"wechat_mp": 150}
    with pytest.raises(Exception, match="channel"):
        do_set_channel_views(article, "tiktok", 1, day=day)


def test_editors_see_the_statistics_of_their_sections_in_wagtail_admin(portal: Any, client: Any) -> None:
    county = published_article(portal.news, "县里的文章", acting_user=portal.root)
    town_a = published_article(portal.town_a, "甲镇的文章", acting_user=portal.root)
    for _ in range(3):
        client.get(town_a.url)
    client.get(county.url + "?ch=app")
    do_flush_view_counts()
    client.login(username=portal.editor_a.username, password=PASSWORD)
    html = client.get(reverse("portal_view_stats")).content.decode()
    assert "甲镇的文章" in html and "县里的文章" not in html and '<td class="views-total">3</td>' in html
    client.login(username=portal.county_editor.username, password=PASSWORD)
    html = client.get(reverse("portal_view_stats") + "?days=7").content.decode()
    assert "甲镇的文章" in html and "县里的文章" in html
    client.logout()
    assert client.get(reverse("portal_view_stats")).status_code in (302, 403)
