"""Background sending of notification deliveries, in batches, through the outbox (``core.outbox``).

A worker *claims* a batch of due ``Delivery`` rows (``NOTIFY_BATCH_SIZE``, 100; see
``Outbox.claim``: each row goes to one worker only, on SQLite and PostgreSQL), sends them per
channel in one go (e-mail over one SMTP connection, web push over one HTTP session, SMS one by
one) and stores every outcome in one transaction, each only while the row is still claimed by
this attempt: a claimed row is sent once. A delivery already sent or given up is left alone.

On failure the attempt count and error are stored and, below ``NOTIFY_MAX_ATTEMPTS``, the row
waits an exponential back-off with jitter (``NOTIFY_RETRY_BASE_SECONDS`` × 2^(attempt−1), capped
by ``NOTIFY_RETRY_MAX_SECONDS``, plus up to 25 %); on a task backend that can defer, a retry task
is enqueued for that time. ``drain`` claims batch after batch until nothing is due or
``NOTIFY_DRAIN_SECONDS`` are spent: ``send_delivery`` runs it after its own rows (so a backlog is
sent in batches by whichever worker meets it first, and the tasks queued behind find their rows
sent), and the scheduler's minute job ``retry_due_deliveries`` runs it for retries that are due, workers
that died mid-send and first enqueues that were lost.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from dangjian.core.models import Delivery, WebPushSubscription
from dangjian.core.models.notifications import DeliveryStatus
from dangjian.core.outbox import Outbox, RetryPolicy, schedule

RETRY = RetryPolicy("NOTIFY", default_attempts=5)
OUTBOX = Outbox(Delivery, name="notification delivery", policy=RETRY,
                pending=DeliveryStatus.PENDING, sending=DeliveryStatus.SENDING, failed=DeliveryStatus.FAILED,
                gave_up=DeliveryStatus.GAVE_UP)
CLAIM_SECONDS = OUTBOX.claim_seconds


def max_attempts() -> int:
    return RETRY.max_attempts()


def backoff(attempts: int) -> dt.timedelta:
    """The least wait after the ``attempts``-th failure (the retry adds jitter to it)."""
    return RETRY.backoff(attempts)


def batch_size() -> int:
    return max(1, int(getattr(settings, "NOTIFY_BATCH_SIZE", 100)))


def drain_seconds() -> float:
    return float(getattr(settings, "NOTIFY_DRAIN_SECONDS", 20))


def _load(ids: Sequence[int]) -> list[Delivery]:
    from dangjian.core.notifications.channels import sms

    related = ["notification__recipient", "subscription"]
    if sms.person_relation():  # the phone lives on the person linked to the account (members app)
        related.append("notification__recipient__person")
    return list(Delivery.objects.select_related(*related).filter(pk__in=ids).order_by("pk"))


Outcome = tuple[Delivery, str | Exception]


def send(ids: Sequence[int]) -> list[Outcome]:
    """Send deliveries this worker has claimed, per channel in one batch; write nothing.
    Returns each delivery with its provider's message id or the exception it failed with."""
    from dangjian.core.notifications.channels import BATCH_SENDERS

    by_channel: dict[str, list[Delivery]] = {}
    for delivery in _load(ids):
        by_channel.setdefault(delivery.channel, []).append(delivery)
    outcomes: list[Outcome] = []
    for channel, deliveries in by_channel.items():
        try:
            results = BATCH_SENDERS[channel](deliveries)
        except Exception as e:  # the channel failed as a whole: every delivery of it failed
            results = [e] * len(deliveries)
        outcomes.extend(zip(deliveries, results, strict=True))
    return outcomes


def record(outcomes: Sequence[Outcome]) -> dict[int, str]:
    """Store the outcomes of ``send`` (in the caller's transaction, or one of its own), each only
    while its row is still claimed; schedule the retries. Returns each delivery's status."""
    from dangjian.core.notifications.channels import PermanentDeliveryError

    done = timezone.now()
    statuses: dict[int, str] = {}
    sent = {d.pk: {"provider_message_id": str(r or "")[:200]} for d, r in outcomes if not isinstance(r, Exception)}
    with transaction.atomic():
        OUTBOX.record_many(sent, status=DeliveryStatus.SENT, sent_at=done, next_attempt_at=None, last_error="")
        statuses.update(dict.fromkeys(sent, DeliveryStatus.SENT))
        for delivery, result in outcomes:
            if not isinstance(result, Exception):
                continue
            fields = OUTBOX.failure(delivery.attempts, result, now=done,
                                    permanent=isinstance(result, PermanentDeliveryError))
            OUTBOX.record(delivery.pk, fields)
            if delivery.subscription_id:
                WebPushSubscription.objects.filter(pk=delivery.subscription_id).update(last_error=fields["last_error"])
            OUTBOX.log_failure(delivery.pk, delivery.channel, delivery.attempts, fields)
            if fields["next_attempt_at"] is not None:
                schedule(send_delivery, delivery.pk, run_after=fields["next_attempt_at"])
            statuses[delivery.pk] = fields["status"]
    return statuses


def send_claimed(ids: Sequence[int]) -> dict[int, str]:
    """Send deliveries this worker has claimed and store each outcome; their statuses."""
    return record(send(ids))


def deliver_batch(ids: Iterable[int] | None = None, *, now: dt.datetime | None = None,
                  limit: int | None = None, due_only: bool | None = None) -> dict[int, str]:
    """Claim and send up to ``limit`` deliveries: those of ``ids`` that are not sent or given up
    (a failed one even before its retry is due, unless ``due_only``), or else any due at ``now``."""
    due_only = ids is None if due_only is None else due_only
    claimed = OUTBOX.claim(ids=ids, now=now, limit=limit or batch_size(), due_only=due_only)
    return send_claimed(claimed) if claimed else {}


def deliver(delivery_id: int) -> str:
    """Send one delivery now (if it is still to be sent); return its resulting status."""
    statuses = deliver_batch([delivery_id], limit=1)
    return statuses.get(delivery_id) or OUTBOX.current_status(delivery_id)


def record_and_claim(outcomes: Sequence[Outcome], *, now: dt.datetime | None = None, more: bool = True) -> list[int]:
    """Store a batch's outcomes and, if ``more``, claim the next batch, in one write transaction:
    on SQLite, where writers take turns at one lock, a drainer queues for it once a batch, not
    twice. Returns the ids claimed."""
    with transaction.atomic():
        record(outcomes)
        return OUTBOX.claim(now=now, limit=batch_size()) if more else []


def drain(*, seconds: float | None = None, now: dt.datetime | None = None) -> int:
    """Send due deliveries batch after batch until none is due or ``seconds`` (default
    ``NOTIFY_DRAIN_SECONDS``) are spent. Returns how many were attempted."""
    budget = drain_seconds() if seconds is None else seconds
    started = time.monotonic()
    count = 0
    claimed = record_and_claim((), now=now)
    while claimed:
        outcomes = send(claimed)
        count += len(claimed)
        claimed = record_and_claim(outcomes, now=now, more=time.monotonic() - started < budget)
    return count


@task()
def send_delivery(*delivery_ids: int) -> list[str]:
    """Send these deliveries (``notify`` enqueues one task for all the rows it wrote), then
    whatever else is due (in batches, within ``NOTIFY_DRAIN_SECONDS``)."""
    statuses: dict[int, str] = {}
    ids = list(delivery_ids)
    for start in range(0, len(ids), batch_size()):
        statuses.update(deliver_batch(ids[start:start + batch_size()]))
    drain()
    return [statuses.get(pk) or OUTBOX.current_status(pk) for pk in ids]


def enqueue_deliveries(ids: Sequence[int]) -> None:
    """The first enqueue of a ``notify``'s deliveries (from its on_commit callback): one task."""
    if ids:
        send_delivery.enqueue(*ids)


def due_deliveries(now: dt.datetime | None = None) -> list[int]:
    return OUTBOX.due(now)


@task()
def retry_due_deliveries() -> int:
    """Every minute (scheduler job ``notifications.retry_due``): send, in batches, every delivery
    whose retry is due, whose worker died mid-send, or whose first enqueue was lost."""
    return drain()


def run_due_now(now: Any = None) -> list[str]:
    """Send every delivery due at ``now`` in this process, once each (management commands,
    tests); their statuses."""
    ids = due_deliveries(now)
    statuses: dict[int, str] = {}
    for start in range(0, len(ids), batch_size()):
        statuses.update(deliver_batch(ids[start:start + batch_size()], now=now, due_only=True))
    return [statuses[pk] for pk in ids if pk in statuses]
