"""The outbox end to end against the local WeChat and Weibo stand-ins: publish to every channel,
token refresh, retries with back-off, giving up without losing the error, manual retry, edits
and withdrawals propagated, idempotency."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.portal.channels import ChannelKind, Operation, OutboxStatus, conf
from dangjian.portal.channels.actions import do_enqueue_deliveries, do_retry_entry
from dangjian.portal.channels.delivery import deliver, due_entries, run_due_now
from dangjian.portal.channels.models import AppFeedItem, ChannelPost, OutboxEntry
from dangjian.portal.tests.conftest import make_image, published_article

pytestmark = pytest.mark.django_db


def publish(portal: Any, capture: Any, title: str = "甲镇召开党员大会", **data: Any) -> Any:
    cover = make_image("会场", portal.root)
    inline = make_image("合影", portal.root)
    body = [("text", "<p>甲镇召开全体党员大会，部署下半年工作。</p>"),
            ("image", {"image": inline, "caption": "大会合影"})]
    data.setdefault("summary", "甲镇召开全体党员大会。")
    with capture(execute=True):
        return published_article(portal.town_a, title, acting_user=portal.root, body=body, cover_image=cover,
                                 **data)


def entries(page: Any, channel: str | None = None) -> list[OutboxEntry]:
    qs = OutboxEntry.objects.filter(page=page).order_by("pk")
    return list(qs.filter(channel=channel) if channel else qs)


def test_publishing_once_reaches_every_channel(channels_on, stand_ins, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    assert {(e.channel, e.operation, e.status) for e in entries(article)} == {
        (ChannelKind.WECHAT, Operation.PUBLISH, OutboxStatus.DONE),
        (ChannelKind.WEIBO, Operation.PUBLISH, OutboxStatus.DONE),
        (ChannelKind.APP, Operation.PUBLISH, OutboxStatus.DONE),
    }
    assert all(e.revision_id == article.live_revision_id for e in entries(article))

    wechat = stand_ins.wechat
    (published,) = wechat.live_articles()
    item = published["news_item"][0]
    assert item["title"] == "甲镇召开党员大会"
    assert item["content_source_url"] == "http://testserver" + article.url
    assert item["digest"] == "甲镇召开全体党员大会。"
    assert wechat.materials[item["thumb_media_id"]]["type"] == "image"  # the cover, permanent material
    assert "大会合影" in item["content"] and "部署下半年工作" in item["content"]
    (img_src,) = [u for u in wechat.inline_urls if u in item["content"]]  # inline image via uploadimg
    assert img_src.startswith(wechat.base_url + "/mmbiz/")
    post = ChannelPost.objects.get(page=article, channel=ChannelKind.WECHAT)
    assert post.live and post.remote_url == f"{wechat.base_url}/s/{post.remote_id}"
    assert wechat.token_requests == 1

    (status,) = stand_ins.weibo.live_statuses()
    assert status["text"].startswith("【甲镇召开党员大会】") and status["text"].endswith("http://testserver" + article.url)
    assert status["original_pic"]  # the cover went up as pic
    assert ChannelPost.objects.get(page=article, channel=ChannelKind.WEIBO).remote_id == status["idstr"]

    feed_item = AppFeedItem.objects.get(page=article)
    assert feed_item.title == "甲镇召开党员大会" and feed_item.url == "http://testserver" + article.url


def test_section_without_channels_sends_nothing(portal, stand_ins, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        published_article(portal.town_b, "乙镇新闻", acting_user=portal.root)
    assert OutboxEntry.objects.count() == 0 and stand_ins.wechat.calls == []


@pytest.mark.parametrize("break_token", ["revoke_tokens", "expire_tokens"])
def test_invalid_or_expired_token_is_refreshed_and_the_call_repeated(
        channels_on, stand_ins, django_capture_on_commit_callbacks, break_token):
    publish(channels_on, django_capture_on_commit_callbacks, "第一篇")
    getattr(stand_ins.wechat, break_token)()  # the next call answers 40001 / 42001
    second = publish(channels_on, django_capture_on_commit_callbacks, "第二篇")
    (entry,) = entries(second, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.DONE and entry.attempts == 1 and entry.errors == []
    assert stand_ins.wechat.token_requests == 2
    assert len(stand_ins.wechat.live_articles()) == 2


def test_failures_back_off_exponentially_then_give_up_keeping_the_error(
        channels_on, stand_ins, django_capture_on_commit_callbacks):
    stand_ins.wechat.down = True
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (entry,) = entries(article, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.FAILED and entry.attempts == 1
    assert "HTTP 503" in entry.last_error
    first_at = dt.datetime.fromisoformat(entry.errors[0]["at"])
    # the back-off (60 s) plus up to 25 % jitter
    assert dt.timedelta(seconds=60) <= entry.next_attempt_at - first_at <= dt.timedelta(seconds=75)
    # not due before its time
    assert entry.pk not in due_entries(first_at + dt.timedelta(seconds=59))

    second_try = entry.next_attempt_at + dt.timedelta(seconds=1)
    assert entry.pk in due_entries(second_try)
    assert deliver(entry.pk, second_try) == OutboxStatus.FAILED
    entry.refresh_from_db()
    second_at = dt.datetime.fromisoformat(entry.errors[1]["at"])
    assert entry.attempts == 2
    assert dt.timedelta(seconds=120) <= entry.next_attempt_at - second_at <= dt.timedelta(seconds=150)

    assert deliver(entry.pk, entry.next_attempt_at + dt.timedelta(seconds=1)) == OutboxStatus.GAVE_UP
    entry.refresh_from_db()
    assert entry.attempts == 3 and entry.next_attempt_at is None
    assert "HTTP 503" in entry.last_error and [e["attempt"] for e in entry.errors] == [1, 2, 3]
    assert entry.pk not in due_entries(timezone.now() + dt.timedelta(days=1))
    # the other channels were not held up
    assert {e.status for e in entries(article) if e.channel != ChannelKind.WECHAT} == {OutboxStatus.DONE}

    # an editor retries by hand once WeChat is back: delivered, the old errors still on record
    stand_ins.wechat.down = False
    with django_capture_on_commit_callbacks(execute=True):
        do_retry_entry(entry, acting_user=channels_on.editor_a)
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.DONE and len(entry.errors) == 3
    assert len(stand_ins.wechat.live_articles()) == 1


def test_back_off_is_capped(settings):
    settings.CHANNELS_RETRY_BASE_SECONDS = 60
    settings.CHANNELS_RETRY_MAX_SECONDS = 3600
    assert [conf.backoff(n).total_seconds() for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_permanent_error_gives_up_at_once(channels_on, stand_ins, django_capture_on_commit_callbacks):
    stand_ins.weibo.expire_tokens()
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (entry,) = entries(article, ChannelKind.WEIBO)
    assert entry.status == OutboxStatus.GAVE_UP and entry.attempts == 1
    assert "21327" in entry.last_error and "authorized again" in entry.last_error


def test_system_busy_is_retried_and_resumes_without_repeating_steps(
        channels_on, stand_ins, django_capture_on_commit_callbacks):
    wechat = stand_ins.wechat
    wechat.fail("/cgi-bin/freepublish/submit", -1)  # 系统繁忙 after the draft was made
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (entry,) = entries(article, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.FAILED and "errcode -1" in entry.last_error
    assert entry.progress["draft_media_id"] in wechat.drafts
    assert run_due_now(entry.next_attempt_at) == [OutboxStatus.DONE]
    assert wechat.calls_to("/cgi-bin/draft/add") == 1  # resumed at the submit
    assert wechat.calls_to("/cgi-bin/material/add_material") == 1


def test_publish_status_polled_until_published(channels_on, stand_ins, django_capture_on_commit_callbacks):
    stand_ins.wechat.publishing_polls = 1
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (entry,) = entries(article, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.FAILED and "still publishing" in entry.last_error
    deliver(entry.pk, entry.next_attempt_at)
    entry.refresh_from_db()
    assert entry.status == OutboxStatus.DONE and entry.remote_id
    assert stand_ins.wechat.calls_to("/cgi-bin/freepublish/submit") == 1


def test_edit_after_publishing_is_propagated(channels_on, stand_ins, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    old_wechat = ChannelPost.objects.get(page=article, channel=ChannelKind.WECHAT).remote_id
    old_weibo = ChannelPost.objects.get(page=article, channel=ChannelKind.WEIBO).remote_id
    article.title = "甲镇召开党员大会（更正）"
    article.summary = "更正：会议时间为上午九点。"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision(user=channels_on.root).publish(user=channels_on.root)
    article.refresh_from_db()
    updates = [e for e in entries(article) if e.operation == Operation.UPDATE]
    assert {(e.channel, e.status) for e in updates} == {(c, OutboxStatus.DONE) for c in ChannelKind.values}
    # WeChat and Weibo cannot edit: the new version is published and the old one deleted
    (live,) = stand_ins.wechat.live_articles()
    assert live["news_item"][0]["title"] == "甲镇召开党员大会（更正）"
    assert stand_ins.wechat.articles[old_wechat]["deleted"]
    (status,) = stand_ins.weibo.live_statuses()
    assert "更正" in status["text"] and stand_ins.weibo.statuses[old_weibo]["deleted"]
    # the app's feed item is updated in place
    assert AppFeedItem.objects.get(page=article).title == "甲镇召开党员大会（更正）"
    assert ChannelPost.objects.get(page=article, channel=ChannelKind.APP).revision_id == article.live_revision_id


def test_withdrawal_is_propagated_and_republish_delivers_again(
        channels_on, stand_ins, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=channels_on.root)
    withdrawals = [e for e in entries(article) if e.operation == Operation.WITHDRAW]
    assert {(e.channel, e.status) for e in withdrawals} == {(c, OutboxStatus.DONE) for c in ChannelKind.values}
    assert stand_ins.wechat.live_articles() == [] and stand_ins.weibo.live_statuses() == []
    assert not AppFeedItem.objects.filter(page=article).exists()
    assert not ChannelPost.objects.filter(page=article, live=True).exists()

    # publishing the same revision again is a new publication: delivered again
    with django_capture_on_commit_callbacks(execute=True):
        article.get_latest_revision().publish(user=channels_on.root)
    assert len(stand_ins.wechat.live_articles()) == 1 and len(stand_ins.weibo.live_statuses()) == 1
    assert AppFeedItem.objects.filter(page=article).exists()


def test_withdrawal_supersedes_a_delivery_still_waiting(channels_on, stand_ins, django_capture_on_commit_callbacks):
    stand_ins.wechat.down = True
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (publish_entry,) = entries(article, ChannelKind.WECHAT)
    assert publish_entry.status == OutboxStatus.FAILED
    stand_ins.wechat.down = False
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=channels_on.root)
    publish_entry.refresh_from_db()
    assert publish_entry.status == OutboxStatus.SUPERSEDED
    assert run_due_now(timezone.now() + dt.timedelta(hours=2)) == []
    assert stand_ins.wechat.calls_to("/cgi-bin/draft/add") == 0


def test_same_revision_is_never_delivered_twice(channels_on, stand_ins, django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    before = len(stand_ins.wechat.calls)
    with django_capture_on_commit_callbacks(execute=True):
        again = do_enqueue_deliveries(article, Operation.PUBLISH, revision_id=article.live_revision_id)
    assert again == []  # the channels show this revision already
    for entry in entries(article):
        assert deliver(entry.pk) == OutboxStatus.DONE  # a task run twice does nothing
    assert len(stand_ins.wechat.calls) == before
    assert len(stand_ins.weibo.live_statuses()) == 1 and OutboxEntry.objects.filter(page=article).count() == 3


def test_an_entry_waits_for_an_older_one_in_flight(channels_on, stand_ins, django_capture_on_commit_callbacks):
    stand_ins.wechat.down = True
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (first,) = entries(article, ChannelKind.WECHAT)
    OutboxEntry.objects.filter(pk=first.pk).update(  # a worker is sending it right now
        status=OutboxStatus.SENDING, next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=channels_on.root)
    withdraw = OutboxEntry.objects.get(page=article, channel=ChannelKind.WECHAT, operation=Operation.WITHDRAW)
    assert withdraw.status == OutboxStatus.PENDING and withdraw.attempts == 0
    assert withdraw.next_attempt_at > timezone.now()


def test_wechat_needs_a_cover_image(channels_on, stand_ins, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = published_article(channels_on.town_a, "无图文章", acting_user=channels_on.root)
    (entry,) = entries(article, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.GAVE_UP and "cover image" in entry.last_error
    assert OutboxEntry.objects.get(page=article, channel=ChannelKind.APP).status == OutboxStatus.DONE


def test_missing_credentials_give_up_with_a_clear_error(channels_on, settings, django_capture_on_commit_callbacks):
    settings.CHANNELS_ACCOUNTS = {}
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (entry,) = entries(article, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.GAVE_UP and "CHANNELS_ACCOUNTS" in entry.last_error


def test_cover_deleted_on_wechat_is_uploaded_again(channels_on, stand_ins, django_capture_on_commit_callbacks):
    from dangjian.portal.channels.models import MediaAsset

    publish(channels_on, django_capture_on_commit_callbacks, "第一篇")
    stand_ins.wechat.materials.clear()  # someone deleted the account's images by hand
    cover = MediaAsset.objects.filter(kind="material").first().image
    with django_capture_on_commit_callbacks(execute=True):
        second = published_article(channels_on.town_a, "第二篇", acting_user=channels_on.root, cover_image=cover)
    (entry,) = entries(second, ChannelKind.WECHAT)
    assert entry.status == OutboxStatus.FAILED and "40007" in entry.last_error
    assert run_due_now(entry.next_attempt_at) == [OutboxStatus.DONE]
    assert len(stand_ins.wechat.materials) == 1 and len(stand_ins.wechat.live_articles()) == 2


def test_deleting_a_published_article_withdraws_it_everywhere(channels_on, stand_ins,
                                                              django_capture_on_commit_callbacks):
    article = publish(channels_on, django_capture_on_commit_callbacks)
    page_id = article.pk
    with django_capture_on_commit_callbacks(execute=True):
        article.delete()
    withdrawals = OutboxEntry.objects.filter(operation=Operation.WITHDRAW)
    assert {(e.channel, e.status, e.page_id) for e in withdrawals} == {
        (c, OutboxStatus.DONE, None) for c in ChannelKind.values}
    assert stand_ins.wechat.live_articles() == [] and stand_ins.weibo.live_statuses() == []
    assert not AppFeedItem.objects.filter(page_id=page_id).exists()


def test_an_entry_claimed_by_another_worker_is_not_sent_again_until_the_claim_expires(
        channels_on, stand_ins, django_capture_on_commit_callbacks):
    stand_ins.wechat.down = True
    article = publish(channels_on, django_capture_on_commit_callbacks)
    stand_ins.wechat.down = False
    (entry,) = entries(article, ChannelKind.WECHAT)
    claim_ends = timezone.now() + dt.timedelta(minutes=5)
    OutboxEntry.objects.filter(pk=entry.pk).update(status=OutboxStatus.SENDING, next_attempt_at=claim_ends)
    assert deliver(entry.pk) == OutboxStatus.SENDING  # another worker holds it: nothing sent
    assert stand_ins.wechat.calls_to("/cgi-bin/draft/add") == 0
    assert entry.pk not in due_entries()
    # that worker died: after the claim expires the entry is picked up and delivered once
    later = claim_ends + dt.timedelta(seconds=1)
    assert entry.pk in due_entries(later)
    assert run_due_now(later) == [OutboxStatus.DONE]
    assert len(stand_ins.wechat.live_articles()) == 1


def test_gallery_video_and_document_reach_wechat(channels_on, stand_ins, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    cover, a, b, poster = (make_image(t, channels_on.root) for t in ("封面", "甲", "乙", "海报"))
    video = Document.objects.create(title="视频", file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="v.mp4"))
    body = [
        ("text", '<p>见<a href="/portal/xinwen/">资讯</a>。</p>'),
        ("gallery", {"title": "活动剪影", "images": [{"image": a, "caption": "合影"}, {"image": b, "caption": ""}]}),
        ("video", {"file": video, "url": "", "poster": poster, "caption": "活动视频"}),
        ("document", {"document": video, "title": "附件下载"}),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        published_article(channels_on.town_a, "图集", acting_user=channels_on.root, body=body, cover_image=cover)
    (article,) = stand_ins.wechat.live_articles()
    content = article["news_item"][0]["content"]
    assert sum(1 for url in stand_ins.wechat.inline_urls if url in content) == 3  # two gallery images + poster
    assert '<a href="http://testserver/portal/xinwen/">' in content  # links made absolute
    assert "活动剪影" in content and "▶ 活动视频" in content and "附件下载" in content
    assert 'href="http://testserver/documents/' in content


def test_withdrawal_cleans_up_what_a_superseded_wechat_delivery_left(
        channels_on, stand_ins, django_capture_on_commit_callbacks):
    wechat = stand_ins.wechat
    wechat.publishing_polls = 1  # submitted, WeChat still publishing when the editor withdraws
    article = publish(channels_on, django_capture_on_commit_callbacks)
    (first,) = entries(article, ChannelKind.WECHAT)
    assert first.status == OutboxStatus.FAILED and first.progress["publish_id"]
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=channels_on.root)
    first.refresh_from_db()
    assert first.status == OutboxStatus.SUPERSEDED
    withdraw = OutboxEntry.objects.get(page=article, channel=ChannelKind.WECHAT, operation=Operation.WITHDRAW)
    # WeChat finished publishing meanwhile: the withdrawal found that article and deleted it
    assert withdraw.status == OutboxStatus.DONE and withdraw.progress["leftovers"] == []
    assert len(wechat.articles) == 1 and wechat.live_articles() == []


def test_withdrawal_deletes_an_unsent_draft(channels_on, stand_ins, django_capture_on_commit_callbacks):
    wechat = stand_ins.wechat
    wechat.fail("/cgi-bin/freepublish/submit", -1)
    article = publish(channels_on, django_capture_on_commit_callbacks)
    assert len(wechat.drafts) == 1
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=channels_on.root)
    assert wechat.drafts == {} and wechat.articles == {}


def test_edit_reaches_a_channel_switched_off_after_publishing(channels_on, stand_ins,
                                                              django_capture_on_commit_callbacks):
    from dangjian.portal.channels.actions import do_set_section_channel

    article = publish(channels_on, django_capture_on_commit_callbacks)
    do_set_section_channel(channels_on.town_a, ChannelKind.WEIBO, enabled=False, acting_user=channels_on.root)
    article.title = "更正后的标题"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision(user=channels_on.root).publish(user=channels_on.root)
    (status,) = stand_ins.weibo.live_statuses()
    assert "更正后的标题" in status["text"]
