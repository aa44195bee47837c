"""E-mail through ``django.core.mail`` (the SMTP backend configured by settings ``EMAIL_*``).
A batch goes over one connection (``get_connection()``), opened again after a failed message; a
big batch over a few connections in parallel."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME

from dangjian.core.notifications.channels import DeliveryError, PermanentDeliveryError


def configured() -> bool:
    return bool(getattr(settings, "EMAIL_BACKEND", "")) and not getattr(settings, "NOTIFY_EMAIL_DISABLED", False)


def absolute_url(url: str) -> str:
    if not url or "://" in url:
        return url
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def message(delivery: Any, connection: Any = None) -> EmailMessage:
    item = delivery.notification
    address = delivery.address or item.recipient.email
    if not address:
        raise PermanentDeliveryError("recipient has no e-mail address")
    text = item.body
    link = absolute_url(item.url)
    if link:
        text = f"{text}\n\n{link}" if text else link
    return EmailMessage(
        subject=item.title,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            "Message-ID": make_msgid(domain=str(DNS_NAME)),
            "X-Dangjian-Notification": str(item.pk),
            "X-Dangjian-Delivery": str(delivery.pk),
        },
        connection=connection,
    )


def send(delivery: Any) -> str:
    result = send_batch([delivery])[0]
    if isinstance(result, Exception):
        raise result
    return result


#: Messages per SMTP connection before a batch is spread over more connections.
PER_CONNECTION = 25


def send_batch(deliveries: Sequence[Any]) -> list[str | Exception]:
    """Send a batch over one SMTP connection, or over up to ``NOTIFY_EMAIL_CONNECTIONS`` (4)
    connections in parallel for a big batch (at least ``PER_CONNECTION`` messages each), so the
    mail server's answers are waited for side by side. Results in the order of ``deliveries``."""
    count = min(max(1, int(getattr(settings, "NOTIFY_EMAIL_CONNECTIONS", 4))), -(-len(deliveries) // PER_CONNECTION))
    if count <= 1:
        return _over_one_connection(deliveries)
    shares = [deliveries[i::count] for i in range(count)]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="smtp") as pool:
        done = list(pool.map(_over_one_connection, shares))
    results: list[str | Exception] = [""] * len(deliveries)
    for i, share in enumerate(done):
        results[i::count] = share
    return results


def _over_one_connection(deliveries: Sequence[Any]) -> list[str | Exception]:
    """Send each delivery over one SMTP connection; a failure closes it (the next message opens
    a fresh one). If the server cannot be reached, the remaining messages fail with that error."""
    connection = get_connection(fail_silently=False)
    results: list[str | Exception] = []
    try:
        for delivery in deliveries:
            try:
                msg = message(delivery, connection)
            except Exception as e:
                results.append(e)
                continue
            try:
                connection.open()
            except Exception as e:  # unreachable: the rest of the batch fails the same way
                results.extend(e for _ in range(len(deliveries) - len(results)))
                break
            try:
                if not connection.send_messages([msg]):
                    raise DeliveryError("the mail backend sent nothing")
            except Exception as e:
                results.append(e)
                connection.close()
                continue
            results.append(str(msg.extra_headers["Message-ID"]))
    finally:
        connection.close()
    return results
