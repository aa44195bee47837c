"""Background sending of notification deliveries, with retries and back-off.

``send_delivery`` runs one ``Delivery``. It first *claims* the row with a conditional UPDATE
(pending/failed, or a claim that expired because a worker died) so that a task run twice, or by
two workers at once, sends at most once; a delivery already sent or given up is left alone.

On failure the attempt count and error are stored and, below ``settings.NOTIFY_MAX_ATTEMPTS``,
the task is enqueued again to run after an exponential back-off
(``NOTIFY_RETRY_BASE_SECONDS`` × 2^(attempt−1), capped by ``NOTIFY_RETRY_MAX_SECONDS``). Backends
that cannot defer a task (``ImmediateBackend`` in tests) get no re-enqueue: the row stays
``failed`` with ``next_attempt_at`` set, and ``retry_due_deliveries`` (run it periodically from
the scheduler) picks up every due row on any backend.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from dangjian.core.models import Delivery, WebPushSubscription
from dangjian.core.models.notifications import Channel, DeliveryStatus

logger = logging.getLogger(__name__)

# How long a claimed row stays claimed before another run may take it over.
CLAIM_SECONDS = 300


def max_attempts() -> int:
    return max(1, int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5)))


def backoff(attempts: int) -> dt.timedelta:
    base = int(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 60))
    cap = int(getattr(settings, "NOTIFY_RETRY_MAX_SECONDS", 6 * 3600))
    return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claimable(now: dt.datetime) -> Q:
    return Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) | Q(
        status=DeliveryStatus.SENDING, next_attempt_at__lt=now
    )


def deliver(delivery_id: int) -> str:
    """Send one delivery now (if it is still due to be sent); return its resulting status."""
    from dangjian.core.notifications.channels import SENDERS, PermanentDeliveryError

    now = timezone.now()
    claimed = (
        Delivery.objects.filter(_claimable(now), pk=delivery_id)
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1,
                next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        status = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        return status or "missing"

    delivery = Delivery.objects.select_related("notification__recipient", "subscription").get(pk=delivery_id)
    if delivery.channel == Channel.SMS:
        # the phone lives on the person linked to the account (members app)
        from dangjian.core.notifications.channels import sms

        if sms.person_relation():
            delivery = (
                Delivery.objects.select_related("notification__recipient__person", "subscription").get(pk=delivery_id)
            )
    done = timezone.now()
    try:
        provider_id = SENDERS[delivery.channel](delivery)
    except Exception as e:
        error = f"{type(e).__name__}: {e}"[:2000]
        permanent = isinstance(e, PermanentDeliveryError)
        give_up = permanent or delivery.attempts >= max_attempts()
        next_at = None if give_up else done + backoff(delivery.attempts)
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.GAVE_UP if give_up else DeliveryStatus.FAILED,
            last_error=error,
            next_attempt_at=next_at,
        )
        if delivery.subscription_id:
            WebPushSubscription.objects.filter(pk=delivery.subscription_id).update(last_error=error)
        logger.warning(
            "notification delivery %s (%s) attempt %s failed%s: %s",
            delivery_id, delivery.channel, delivery.attempts, " — giving up" if give_up else "", error,
        )
        if next_at is not None:
            schedule(delivery_id, run_after=next_at)
        return DeliveryStatus.GAVE_UP if give_up else DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.SENT, sent_at=done, next_attempt_at=None,
        provider_message_id=str(provider_id or "")[:200], last_error="",
    )
    return DeliveryStatus.SENT


@task()
def send_delivery(delivery_id: int) -> str:
    return deliver(delivery_id)


def schedule(delivery_id: int, *, run_after: dt.datetime) -> bool:
    """Enqueue a retry of ``send_delivery`` to run after ``run_after`` (once any surrounding
    transaction commits). False if the backend cannot defer tasks; the retry is then left to
    ``retry_due_deliveries``."""
    if not send_delivery.get_backend().supports_defer:
        return False
    transaction.on_commit(lambda: send_delivery.using(run_after=run_after).enqueue(delivery_id))
    return True


def enqueue_delivery(delivery_id: int) -> None:
    """First enqueue of a delivery; ``notify`` calls it from its on_commit callback."""
    send_delivery.enqueue(delivery_id)


def due_deliveries(now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    qs = Delivery.objects.filter(
        Q(status=DeliveryStatus.FAILED, next_attempt_at__lte=now)
        | Q(status=DeliveryStatus.SENDING, next_attempt_at__lt=now)
        # enqueued after commit; if that enqueue was lost (process died), pick the row up here
        | Q(status=DeliveryStatus.PENDING, created_at__lt=now - dt.timedelta(seconds=CLAIM_SECONDS))
    )
    return list(qs.order_by("next_attempt_at").values_list("pk", flat=True)[:5000])


@task()
def retry_due_deliveries() -> int:
    """Enqueue every delivery whose retry is due, whose worker died mid-send, or whose first
    enqueue was lost. Schedule it every minute or so."""
    ids = due_deliveries()
    for pk in ids:
        send_delivery.enqueue(pk)
    return len(ids)


def run_due_now(now: Any = None) -> list[str]:
    """Send every due delivery in this process (management commands, tests)."""
    return [deliver(pk) for pk in due_deliveries(now)]

