"""E-mail through ``django.core.mail`` (the SMTP backend configured by settings ``EMAIL_*``).
A batch goes over one connection (``get_connection()``), opened again after a failed message; a
big batch over a few connections in parallel.

With Django's SMTP backend, a batch renders each distinct message (subject, text, link) once:
the MIME headers and body are built by ``EmailMessage.message()`` for the first delivery of that
content, and every other delivery reuses those bytes with its own ``To``, ``Message-ID`` and
``X-Dangjian-*`` headers, sent with ``sendmail`` on the backend's SMTP connection (what the
backend's own ``send_messages`` does, without building and folding the same headers again).
An address that is not plain ASCII ``local@domain`` takes the backend's ordinary path."""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.core.mail.utils import DNS_NAME

from dangjian.core.notifications.channels import DeliveryError, PermanentDeliveryError


def configured() -> bool:
    return bool(getattr(settings, "EMAIL_BACKEND", "")) and not getattr(settings, "NOTIFY_EMAIL_DISABLED", False)


def absolute_url(url: str) -> str:
    if not url or "://" in url:
        return url
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def address_of(delivery: Any) -> str:
    address = delivery.address or delivery.notification.recipient.email
    if not address:
        raise PermanentDeliveryError("recipient has no e-mail address")
    return str(address)


def text_of(item: Any) -> str:
    text = item.body
    link = absolute_url(item.url)
    if link:
        text = f"{text}\n\n{link}" if text else link
    return str(text)


def own_headers(delivery: Any) -> dict[str, str]:
    """The headers that differ between the deliveries of one message."""
    return {
        "Message-ID": make_msgid(domain=str(DNS_NAME)),
        "X-Dangjian-Notification": str(delivery.notification.pk),
        "X-Dangjian-Delivery": str(delivery.pk),
    }


def message(delivery: Any, connection: Any = None) -> EmailMessage:
    item = delivery.notification
    return EmailMessage(
        subject=item.title,
        body=text_of(item),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address_of(delivery)],
        headers=own_headers(delivery),
        connection=connection,
    )


_DJANGO_SEND = getattr(SMTPBackend, "_send", None)  # noqa: B009 - not in the type stubs

#: An address whose header and envelope forms are the address itself (no encoding needed).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


class _Rendered:
    """Bytes of the messages of one batch, each distinct content rendered once by Django."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str, str], tuple[bytes, bytes]] = {}

    def data(self, delivery: Any, address: str, headers: dict[str, str]) -> bytes:
        item = delivery.notification
        key = (str(item.title), text_of(item), str(settings.DEFAULT_FROM_EMAIL))
        parts = self._parts.get(key)
        if parts is None:
            msg: Any = message(delivery).message()
            for name in ("To", *headers):
                del msg[name]
            head, _sep, body = msg.as_bytes(linesep="\r\n").partition(b"\r\n\r\n")
            parts = self._parts[key] = (head, body)
        own = "".join(f"\r\n{name}: {value}" for name, value in [("To", address), *headers.items()])
        return parts[0] + own.encode("ascii") + b"\r\n\r\n" + parts[1]


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
    connection: Any = get_connection(fail_silently=False)
    # Django's own SMTP backend (not a subclass that sends differently): render once per content
    raw = isinstance(connection, SMTPBackend) and getattr(type(connection), "_send", None) is _DJANGO_SEND
    rendered = _Rendered()
    sender = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET) if raw else ""
    results: list[str | Exception] = []
    try:
        for delivery in deliveries:
            try:
                address = address_of(delivery)
                headers = own_headers(delivery)
                plain = raw and _PLAIN_ADDRESS.fullmatch(address) is not None
                msg = None if plain else message(delivery, connection)
            except Exception as e:
                results.append(e)
                continue
            try:
                connection.open()
            except Exception as e:  # unreachable: the rest of the batch fails the same way
                results.extend(e for _ in range(len(deliveries) - len(results)))
                break
            try:
                if msg is None:
                    connection.connection.sendmail(sender, [address], rendered.data(delivery, address, headers))
                elif not connection.send_messages([msg]):
                    raise DeliveryError("the mail backend sent nothing")
            except Exception as e:
                results.append(e)
                connection.close()
                continue
            results.append(headers["Message-ID"])
    finally:
        connection.close()
    return results
