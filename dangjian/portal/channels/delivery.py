"""Running one outbox entry: claim it, call the channel's adapter, record the outcome.

The claim is a conditional UPDATE (pending/failed and due, or a claim that expired because a
worker died), so a task that runs twice, or on two workers at once, delivers at most once. An
entry waits while an older entry of the same article and channel is still open (deliveries of
one article to one channel happen in order). On failure the attempt count, the error (also
appended to ``errors``) and the adapter's progress are stored; below
``CHANNELS_MAX_ATTEMPTS`` the entry is retried after ``CHANNELS_RETRY_BASE_SECONDS`` ×
2^(attempt−1) (capped by ``CHANNELS_RETRY_MAX_SECONDS``); a permanent error or the last attempt
gives up, keeping the error for the editor."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from dangjian.portal.channels import OPEN_STATUSES, Operation, OutboxStatus, conf
from dangjian.portal.channels.adapters import PermanentChannelError, Result, WaitForOlderDelivery, get_adapter
from dangjian.portal.channels.models import ChannelPost, OutboxEntry

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 300
WAIT_SECONDS = 30
MAX_ERRORS_KEPT = 50


def claimable(now: dt.datetime) -> Q:
    return (Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            | Q(status=OutboxStatus.FAILED, next_attempt_at__lte=now)
            | Q(status=OutboxStatus.SENDING, next_attempt_at__lt=now))


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


#: ``retry(entry_id, run_after)``: how the caller runs an entry again later (the task queue's
#: deferred enqueue, ``tasks.schedule``); without one the periodic ``retry_due_entries`` does.
Retry = Callable[[int, dt.datetime], object]


def deliver(entry_id: int, now: dt.datetime | None = None, *, retry: Retry | None = None) -> str:
    """Run one entry now if it is due (``now``: the clock, for tests); return its resulting status.
    A wait or a failure to be retried is handed to ``retry`` with the time of the next attempt."""
    now = now or timezone.now()
    claimed = OutboxEntry.objects.filter(claimable(now), pk=entry_id).update(
        status=OutboxStatus.SENDING, attempts=F("attempts") + 1,
        next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return OutboxEntry.objects.filter(pk=entry_id).values_list("status", flat=True).first() or "missing"
    entry = OutboxEntry.objects.select_related("page").get(pk=entry_id)
    progress = dict(entry.progress or {})
    try:
        result = _run(entry, progress)
    except WaitForOlderDelivery:
        later = max(now, timezone.now()) + dt.timedelta(seconds=WAIT_SECONDS)
        OutboxEntry.objects.filter(pk=entry_id, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING, attempts=F("attempts") - 1, next_attempt_at=later)
        if retry is not None:
            retry(entry_id, later)
        return OutboxStatus.PENDING
    except Exception as e:
        return _failed(entry, progress, e, now, retry)
    _succeeded(entry, progress, result)
    return OutboxStatus.DONE


def _failed(entry: OutboxEntry, progress: dict[str, Any], exc: Exception, now: dt.datetime,
            retry: Retry | None) -> str:
    done = max(now, timezone.now())
    error = f"{type(exc).__name__}: {exc}"[:2000]
    permanent = isinstance(exc, PermanentChannelError)
    give_up = permanent or entry.attempts >= conf.max_attempts()
    next_at = None if give_up else done + conf.backoff(entry.attempts)
    errors = [*list(entry.errors or []), {"attempt": entry.attempts, "at": done.isoformat(), "error": error}]
    status = OutboxStatus.GAVE_UP if give_up else OutboxStatus.FAILED
    OutboxEntry.objects.filter(pk=entry.pk, status=OutboxStatus.SENDING).update(
        status=status, last_error=error, errors=errors[-MAX_ERRORS_KEPT:], next_attempt_at=next_at,
        progress=progress)
    log = logger.error if give_up else logger.warning
    log("channel delivery %s (%s %s of page %s) attempt %s failed%s: %s", entry.pk, entry.channel,
        entry.operation, entry.page_id, entry.attempts, " — giving up" if give_up else "", error)
    if next_at is not None and retry is not None:
        retry(entry.pk, next_at)
    return status


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
    now = now or timezone.now()
    qs = OutboxEntry.objects.filter(
        Q(status=OutboxStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=OutboxStatus.SENDING, next_attempt_at__lt=now)
        | Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        # enqueued after commit; if that enqueue was lost (process died), pick the entry up here
        | Q(status=OutboxStatus.PENDING, next_attempt_at__isnull=True,
            created_at__lt=now - dt.timedelta(seconds=CLAIM_SECONDS))
    )
    return list(qs.order_by("pk").values_list("pk", flat=True)[:2000])


def run_due_now(now: dt.datetime | None = None) -> list[str]:
    """Run every due entry in this process (tests, management commands)."""
    return [deliver(pk, now) for pk in due_entries(now)]
