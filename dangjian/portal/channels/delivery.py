"""Running one outbox entry: claim it, call the channel's adapter, record the outcome.

Claims, attempts, back-off and giving up are the shared outbox's (``core/outbox.py``): a claim
is taken by one worker only (a task that runs twice, or on two workers at once, delivers at most
once). An entry waits, without using an attempt, while an older entry of the same article and
channel is still open (deliveries of one article to one channel happen in order), so entries run
one at a time here, not in batches. On failure the attempt count, the error (also appended to
``errors``) and the adapter's progress are stored; below ``CHANNELS_MAX_ATTEMPTS`` the entry is
retried after ``CHANNELS_RETRY_BASE_SECONDS`` × 2^(attempt−1) (capped by
``CHANNELS_RETRY_MAX_SECONDS``) plus up to 25 % jitter; a permanent error or the last attempt
gives up, keeping the error for the editor. Enqueuing the retry is the task's (``tasks.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dangjian.core.outbox import Outbox
from dangjian.portal.channels import OPEN_STATUSES, Operation, OutboxStatus, conf
from dangjian.portal.channels.adapters import PermanentChannelError, Result, WaitForOlderDelivery, get_adapter
from dangjian.portal.channels.models import ChannelPost, OutboxEntry

OUTBOX = Outbox(OutboxEntry, name="channel delivery", policy=conf.RETRY,
                pending=OutboxStatus.PENDING, sending=OutboxStatus.SENDING, failed=OutboxStatus.FAILED,
                gave_up=OutboxStatus.GAVE_UP)
CLAIM_SECONDS = OUTBOX.claim_seconds
WAIT_SECONDS = 30
MAX_ERRORS_KEPT = 50


def _run(entry: OutboxEntry, progress: dict[str, Any]) -> Result:
    from dangjian.portal.channels.adapters.content import article_content

    if entry.page is None:  # the article was deleted (Wagtail unpublishes it first)
        if entry.operation != Operation.WITHDRAW:
            raise PermanentChannelError("the article was deleted")
        target = progress.get("target") or {}
        gone = ChannelPost(channel=entry.channel, account=entry.account, remote_id=target.get("remote_id", ""))
        return get_adapter(entry.channel, entry.account).withdraw(gone, progress)
    older_open = OutboxEntry.objects.filter(
        page=entry.page, channel=entry.channel, status__in=OPEN_STATUSES, pk__lt=entry.pk).exists()
    if older_open:
        raise WaitForOlderDelivery()
    post = ChannelPost.objects.filter(page=entry.page, channel=entry.channel).first()
    if post is None:
        post = ChannelPost(page=entry.page, channel=entry.channel, account=entry.account)
    adapter = get_adapter(entry.channel, entry.account)
    if entry.operation == Operation.WITHDRAW:
        return adapter.withdraw(post, progress)
    article = article_content(entry.page, entry.revision_id)
    if entry.operation == Operation.UPDATE and post.live:
        return adapter.update(article, post, progress)
    return adapter.publish(article, progress)


def deliver(entry_id: int, now: dt.datetime | None = None) -> str:
    """Run one entry now if it is due (``now``: the clock, for tests); return its resulting status."""
    return attempt(entry_id, now)[0]


def attempt(entry_id: int, now: dt.datetime | None = None) -> tuple[str, dt.datetime | None]:
    """``deliver``, also returning when the entry should run again (a retry, or a wait for an
    older delivery), or None."""
    now = now or timezone.now()
    if not OUTBOX.claim(ids=[entry_id], now=now, limit=1):
        return OUTBOX.current_status(entry_id), None
    entry = OutboxEntry.objects.select_related("page").get(pk=entry_id)
    progress = dict(entry.progress or {})
    try:
        result = _run(entry, progress)
    except WaitForOlderDelivery:
        later = max(now, timezone.now()) + dt.timedelta(seconds=WAIT_SECONDS)
        OUTBOX.record(entry_id, {"status": OutboxStatus.PENDING, "attempts": F("attempts") - 1,
                                 "next_attempt_at": later})
        return OutboxStatus.PENDING, later
    except Exception as e:
        return _failed(entry, progress, e, now)
    _succeeded(entry, progress, result)
    return OutboxStatus.DONE, None


def _failed(entry: OutboxEntry, progress: dict[str, Any], exc: Exception,
            now: dt.datetime) -> tuple[str, dt.datetime | None]:
    done = max(now, timezone.now())
    fields = OUTBOX.failure(entry.attempts, exc, permanent=isinstance(exc, PermanentChannelError), now=done)
    error = {"attempt": entry.attempts, "at": done.isoformat(), "error": fields["last_error"]}
    errors = [*list(entry.errors or []), error]
    OUTBOX.record(entry.pk, {**fields, "errors": errors[-MAX_ERRORS_KEPT:], "progress": progress})
    OUTBOX.log_failure(entry.pk, entry.channel, entry.attempts, fields,
                       detail=f"{entry.operation} of page {entry.page_id}")
    return fields["status"], fields["next_attempt_at"]


def _succeeded(entry: OutboxEntry, progress: dict[str, Any], result: Result) -> None:
    done = timezone.now()
    with transaction.atomic():
        OutboxEntry.objects.filter(pk=entry.pk).update(
            status=OutboxStatus.DONE, done_at=done, next_attempt_at=None, progress=progress,
            remote_id=result.remote_id[:200], remote_url=result.remote_url[:1000])
        if entry.page_id is None:
            return
        post, _ = ChannelPost.objects.select_for_update().get_or_create(
            page=entry.page, channel=entry.channel, defaults={"account": entry.account})
        if entry.operation == Operation.WITHDRAW:
            post.live = False
            post.remote_id = post.remote_url = ""
            post.revision_id = None
        else:
            post.live = True
            post.account = entry.account
            post.remote_id, post.remote_url = result.remote_id[:200], result.remote_url[:1000]
            post.revision_id = entry.revision_id
            post.data = _keep_stats_ids(post.data, result.data)
        post.updated_at = done
        post.save()


def _keep_stats_ids(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The post's data from the newest delivery, keeping every WeChat ``msg_data_id`` the article
    was ever published under: a re-published edit is a new WeChat article, and the read counts
    of the earlier ones still belong to our article (``readcounts.py``)."""
    ids = [str(i) for i in (old or {}).get("msg_data_ids") or []]
    current = str(new.get("msg_data_id") or "")
    if current and current not in ids:
        ids.append(current)
    return {**new, "msg_data_ids": ids} if ids else dict(new)


def due_entries(now: dt.datetime | None = None) -> list[int]:
    """Entries due at ``now``: waiting, failed and due, or left claimed by a worker that died."""
    return OUTBOX.due(now, limit=2000)


def run_due_now(now: dt.datetime | None = None) -> list[str]:
    """Run every due entry in this process (tests, management commands)."""
    return [deliver(pk, now) for pk in due_entries(now)]
