"""WeChat read counts into the portal's statistics: the daily job asks the stand-in's
``/datacube/getarticlesummary`` (real request/response format and error codes), maps each
``msgid`` to our article through the ``msg_data_id`` kept at publishing, and stores the counts as
channel ``wechat_mp``; editors see them beside the site's views."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.portal.channels import ChannelKind
from dangjian.portal.channels.adapters import ChannelError
from dangjian.portal.channels.adapters.wechat import WeChatClient
from dangjian.portal.channels.models import ChannelPost
from dangjian.portal.channels.readcounts import do_fetch_wechat_read_counts, reads_per_page
from dangjian.portal.channels.tests.test_delivery import publish
from dangjian.portal.models import PageViewCount
from dangjian.portal.stats import do_set_channel_views
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)
BEFORE = TODAY - dt.timedelta(days=2)


def wechat_views(page: Any) -> dict[dt.date, int]:
    return dict(PageViewCount.objects.filter(page=page, channel="wechat_mp").values_list("day", "views"))


def post_of(page: Any) -> ChannelPost:
    return ChannelPost.objects.get(page=page, channel=ChannelKind.WECHAT)


def test_read_counts_are_fetched_per_article_and_day(channels_on: Any, stand_ins: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    article = publish(channels_on, django_capture_on_commit_callbacks)
    other = publish(channels_on, django_capture_on_commit_callbacks, title="乙篇文章")
    wechat = stand_ins.wechat
    post = post_of(article)
    assert post.data["msg_data_id"] and post.data["msg_data_ids"] == [post.data["msg_data_id"]]
    msgid = wechat.set_reads(post.remote_id, YESTERDAY, 120)
    assert msgid == f"{post.data['msg_data_id']}_1"
    wechat.set_reads(post.remote_id, BEFORE, 80)
    wechat.set_reads(post_of(other).remote_id, YESTERDAY, 7)
    result = do_fetch_wechat_read_counts(days=3)
    assert result == {"written": 3, "unchanged": 0, "errors": []}
    assert wechat_views(article) == {YESTERDAY: 120, BEFORE: 80}
    assert wechat_views(other) == {YESTERDAY: 7}
    assert wechat.calls_to("/datacube/getarticlesummary") == 3  # one call per day (range ≤ 1 day)

    # asked again: absolute figures; unchanged ones are not written (nor audited) again
    audits = AuditEvent.objects.count()
    wechat.set_reads(post.remote_id, YESTERDAY, 150)
    assert do_fetch_wechat_read_counts(days=3) == {"written": 1, "unchanged": 2, "errors": []}
    assert wechat_views(article) == {YESTERDAY: 150, BEFORE: 80}
    assert AuditEvent.objects.count() == audits + 1


def test_an_edited_article_keeps_the_reads_of_its_earlier_wechat_versions(
        channels_on: Any, stand_ins: Any, django_capture_on_commit_callbacks: Any) -> None:
    article = publish(channels_on, django_capture_on_commit_callbacks)
    first = post_of(article)
    article.title = "甲镇召开党员大会（更正）"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision(user=channels_on.root).publish(user=channels_on.root)
    second = post_of(article)
    assert second.remote_id != first.remote_id  # WeChat cannot edit: a new article was published
    assert second.data["msg_data_ids"] == [first.data["msg_data_id"], second.data["msg_data_id"]]
    stand_ins.wechat.set_reads(first.remote_id, YESTERDAY, 30)  # read before the old one was deleted
    stand_ins.wechat.set_reads(second.remote_id, YESTERDAY, 12)
    do_fetch_wechat_read_counts(days=1)
    assert wechat_views(article) == {YESTERDAY: 42}


def test_a_revoked_token_is_refreshed_once(channels_on: Any, stand_ins: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    article = publish(channels_on, django_capture_on_commit_callbacks)
    wechat = stand_ins.wechat
    wechat.set_reads(post_of(article).remote_id, YESTERDAY, 5)
    wechat.revoke_tokens()  # the cached token now answers 40001
    before = wechat.token_requests
    assert do_fetch_wechat_read_counts(days=1)["errors"] == []
    assert wechat.token_requests == before + 1 and wechat_views(article) == {YESTERDAY: 5}


def test_errors_of_one_account_are_reported_and_others_still_run(
        channels_on: Any, stand_ins: Any, settings: Any, django_capture_on_commit_callbacks: Any) -> None:
    article = publish(channels_on, django_capture_on_commit_callbacks)
    stand_ins.wechat.set_reads(post_of(article).remote_id, YESTERDAY, 9)
    other = publish(channels_on, django_capture_on_commit_callbacks, title="另一账号的文章")
    ChannelPost.objects.filter(page=other, channel=ChannelKind.WECHAT).update(account="gone")
    result = do_fetch_wechat_read_counts(days=1)
    assert result["written"] == 1 and result["errors"] == ["gone: no credentials in CHANNELS_ACCOUNTS"]
    stand_ins.wechat.fail("/datacube/getarticlesummary", -1)  # system busy: reported, asked again tomorrow
    result = do_fetch_wechat_read_counts(days=3)
    assert len(result["errors"]) == 2 and "errcode -1" in result["errors"][0]
    assert stand_ins.wechat.calls_to("/datacube/getarticlesummary") == 2  # the account's other days skipped
    assert wechat_views(article) == {YESTERDAY: 9}


def test_posts_without_a_kept_msg_data_id_are_matched_by_the_mid_of_their_url(
        channels_on: Any, stand_ins: Any, django_capture_on_commit_callbacks: Any) -> None:
    article = publish(channels_on, django_capture_on_commit_callbacks)
    ChannelPost.objects.filter(page=article, channel=ChannelKind.WECHAT).update(
        data={}, remote_url="https://mp.weixin.qq.com/s?__biz=MzU0NDA2MDYwMQ==&mid=2247483854&idx=1&sn=abc")
    stand_ins.wechat.reads[("2247483854_1", YESTERDAY.isoformat())] = 17
    do_fetch_wechat_read_counts(days=1)
    assert wechat_views(article) == {YESTERDAY: 17}


def test_the_stand_in_speaks_the_datacube_protocol(stand_ins: Any) -> None:
    wechat = stand_ins.wechat
    client = WeChatClient(wechat.app_id, wechat.app_secret, base_url=wechat.base_url)
    assert client.article_summary(YESTERDAY) == []
    for payload, code in (({"begin_date": "2026/12/01", "end_date": "2026/12/01"}, 61500),
                          ({"begin_date": "2026-02-30", "end_date": "2026-02-30"}, 61500),
                          ({"begin_date": BEFORE.isoformat(), "end_date": YESTERDAY.isoformat()}, 61501),
                          ({"begin_date": YESTERDAY.isoformat(), "end_date": BEFORE.isoformat()}, 61501),
                          ({"begin_date": TODAY.isoformat(), "end_date": TODAY.isoformat()}, 61501)):
        with pytest.raises(ChannelError) as err:
            client.call("/datacube/getarticlesummary", payload=payload)
        assert err.value.code == code


def test_reads_per_page_prefers_the_all_sources_row() -> None:
    rows: list[dict[str, Any]] = [{"msgid": "100_1", "user_source": 0, "int_page_read_count": 3},
            {"msgid": "100_1", "user_source": 99999999, "int_page_read_count": 10},
            {"msgid": "100_1", "user_source": 2, "int_page_read_count": 7},
            {"msgid": "200_1", "int_page_read_count": 4}, {"msgid": "999_1", "int_page_read_count": 50},
            {"msgid": "300_1", "int_page_read_count": "bad"}]
    assert reads_per_page(rows, {"100": 1, "200": 1, "300": 2}) == {1: 14}


def test_editors_see_the_wechat_count_beside_the_sites(channels_on: Any, stand_ins: Any, client: Any,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    article = publish(channels_on, django_capture_on_commit_callbacks)
    stand_ins.wechat.set_reads(post_of(article).remote_id, YESTERDAY, 120)
    do_fetch_wechat_read_counts(days=1)
    do_set_channel_views(article, "web", 2, day=YESTERDAY)  # the site's own views of that day
    client.logout()
    client.login(username=channels_on.editor_a.username, password=PASSWORD)
    html = client.get(reverse("portal_view_stats")).content.decode()  # the admin speaks the user's zh-hans
    assert "<th>网页</th><th>公众号阅读数</th>" in html.replace("\n", "")
    row = html.split("甲镇召开党员大会", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("<", 1)[0] for c in row.split("<td")[1:]]
    # total, then the site's own views and right beside them the official account's reads
    assert cells[0].endswith(">122") and cells[1].endswith(">2") and cells[2].endswith(">120")


def test_the_daily_job_runs_the_fetch(channels_on: Any, stand_ins: Any,
                                      django_capture_on_commit_callbacks: Any) -> None:
    from django.utils.module_loading import import_string

    from dangjian.core.scheduler import JOBS

    article = publish(channels_on, django_capture_on_commit_callbacks)
    stand_ins.wechat.set_reads(post_of(article).remote_id, YESTERDAY, 33)
    job = JOBS["channels.wechat_reads"]
    assert job.cron == "30 9 * * *"
    assert import_string(job.task_path).call()["written"] == 1
    assert wechat_views(article)[YESTERDAY] == 33
