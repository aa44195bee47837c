"""Web push (RFC 8030/8291/8292) with pywebpush and VAPID keys from settings.

``WEBPUSH_VAPID_PRIVATE_KEY`` (base64url raw key, DER or PEM, as py_vapid reads it),
``WEBPUSH_VAPID_PUBLIC_KEY`` (base64url uncompressed point, the browser's
``applicationServerKey``) and ``WEBPUSH_VAPID_SUBJECT`` (mailto: or https: contact). Without keys,
web push is off and the subscribe button is hidden.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from dangjian.core import audit
from dangjian.core.models import WebPushSubscription
from dangjian.core.notifications.channels import DeliveryError, PermanentDeliveryError

# Push-service answers meaning the subscription no longer exists (RFC 8030 §7.3).
GONE = {404, 410}
# Answers that retrying the same message cannot fix.
PERMANENT = GONE | {400, 413}


def configured() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY)


def payload(item: Any) -> str:
    return json.dumps(
        {"title": item.title, "body": item.body[:500], "url": item.url, "tag": f"notification-{item.pk}"},
        ensure_ascii=False,
    )


def drop_webpush_subscription(sub: WebPushSubscription, *, reason: str) -> None:
    """The push service said the subscription is gone (404/410): forget it. System action."""
    with transaction.atomic():
        if not WebPushSubscription.objects.filter(pk=sub.pk).exists():
            return
        audit.record(None, "notification.push_subscription_gone", sub.user, before={"subscription": sub.pk},
                     reason=reason[:500])
        WebPushSubscription.objects.filter(pk=sub.pk).delete()


def send_batch(deliveries: Sequence[Any]) -> list[str | Exception]:
    """One message per subscription (each is encrypted for its browser), over one HTTP session
    (kept-alive connections to the push services)."""
    import requests

    results: list[str | Exception] = []
    with requests.Session() as session:
        for delivery in deliveries:
            try:
                results.append(send(delivery, session=session))
            except Exception as e:  # recorded on the delivery by the outbox
                results.append(e)
    return results


def send(delivery: Any, session: Any = None) -> str:
    from pywebpush import WebPushException, webpush

    sub = delivery.subscription
    if sub is None:
        raise PermanentDeliveryError("push subscription was removed")
    try:
        response = webpush(
            subscription_info=sub.subscription_info(),
            data=payload(delivery.notification),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
            timeout=float(getattr(settings, "WEBPUSH_TIMEOUT", 10)),
            ttl=int(getattr(settings, "WEBPUSH_TTL", 24 * 3600)),
            requests_session=session,
        )
    except WebPushException as e:
        code = e.status_code
        message = f"push service answered {code}: {e.message.splitlines()[0] if e.message else ''}".strip()
        if code in GONE:
            drop_webpush_subscription(sub, reason=message)
        if code in PERMANENT:
            raise PermanentDeliveryError(message) from e
        raise DeliveryError(message) from e
    # The push service names the message in Location (RFC 8030 §5).
    return str(getattr(response, "headers", {}).get("Location", "") or getattr(response, "status_code", ""))
