"""E-mail through ``django.core.mail`` (the SMTP backend configured by settings ``EMAIL_*``).
A batch goes over one connection (``get_connection()``), opened again after a failed message; a
big batch over a few connections in parallel.

With Django's SMTP backend, a batch renders each distinct message (subject, text, link) once:
the MIME headers and body are built by ``EmailMessage.message()`` for the first delivery of that
content, and every other delivery reuses those bytes with its own ``To``, ``Message-ID`` and
``X-Dangjian-*`` headers, sent with ``sendmail`` on the backend's SMTP connection (what the
backend's own ``send_messages`` does, without building and folding the same headers again).
An address that is not plain ASCII ``local@domain`` takes the backend's ordinary path.

When the server offers ``PIPELINING`` (RFC 2920; Postfix, Exim and most servers do), those raw
messages are pipelined: ``MAIL``, ``RCPT`` and ``DATA`` go in one write, and each message's
content goes out together with the next message's commands, so a message costs one round trip
instead of four (``smtplib`` waits for every answer). ``NOTIFY_EMAIL_PIPELINING = False`` turns
it off."""

from __future__ import annotations

import re
import smtplib
import socket
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


def _content(data: bytes) -> bytes:
    """A message's content as DATA sends it: CRLF line ends, leading dots doubled, the final dot."""
    data = re.sub(rb"(?:\r\n|\n|\r(?!\n))", b"\r\n", data)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _refusal(sender: str, address: str, mail: tuple[int, bytes], rcpt: tuple[int, bytes],
             go: tuple[int, bytes]) -> Exception:
    """The error ``smtplib.sendmail`` would have raised for a refused transaction."""
    if mail[0] != 250:
        return smtplib.SMTPSenderRefused(mail[0], mail[1], sender)
    if rcpt[0] not in (250, 251):
        return smtplib.SMTPRecipientsRefused({address: rcpt})
    return smtplib.SMTPDataError(*go)


_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


def _pipeline(smtp: smtplib.SMTP, sender: str, jobs: Sequence[tuple[str, bytes]],
              done: list[Exception | None]) -> None:
    """Send ``jobs`` (plain ASCII address, message bytes) pipelined over ``smtp``, appending to ``done`` one
    entry per job as its last answer arrives: ``None`` (queued by the server) or the refusal.
    A broken connection raises; ``done`` then holds the jobs that were answered."""
    options = " SIZE={}" if smtp.has_extn("size") else ""
    mail_from = smtplib.quoteaddr(sender)  # once: the addresses are plain (``_PLAIN_ADDRESS``), ``<address>``
    ahead = b""  # the previous message's content (or an RSET), sent in front of the next commands
    waiting: str | None = None  # what the first answer of the next read is for: "content" or "rset"

    def quick_ack() -> None:
        # Acknowledge the server's answers at once: a server that writes its answers to pipelined
        # commands one by one (Nagle's algorithm on) would otherwise wait for our delayed ACK
        # (40 ms on Linux) before each next answer. Linux only; elsewhere the delayed ACK stands.
        if _QUICKACK is not None and smtp.sock is not None:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    def take_ahead() -> None:
        answer = smtp.getreply()
        if waiting == "content":
            done.append(None if answer[0] == 250 else smtplib.SMTPDataError(*answer))

    for address, data in jobs:
        content = _content(data)
        commands = f"MAIL FROM:{mail_from}{options.format(len(content))}\r\nRCPT TO:<{address}>\r\nDATA\r\n"
        smtp.send(ahead + commands.encode("ascii"))
        quick_ack()
        if waiting:
            take_ahead()
        mail, rcpt, go = smtp.getreply(), smtp.getreply(), smtp.getreply()
        if go[0] == 354:
            ahead, waiting = content, "content"
        else:  # refused: the transaction is reset in front of the next message
            done.append(_refusal(sender, address, mail, rcpt, go))
            ahead, waiting = b"RSET\r\n", "rset"
    if waiting:
        smtp.send(ahead)
        quick_ack()
        take_ahead()


def _pipelining(connection: Any) -> smtplib.SMTP | None:
    """The open SMTP connection if the server takes pipelined commands, else None."""
    if not getattr(settings, "NOTIFY_EMAIL_PIPELINING", True):
        return None
    smtp: smtplib.SMTP = connection.connection
    smtp.ehlo_or_helo_if_needed()
    return smtp if smtp.does_esmtp and smtp.has_extn("pipelining") else None


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
    prepared: list[tuple[str, dict[str, str], EmailMessage | None] | Exception] = []
    for delivery in deliveries:
        try:
            address = address_of(delivery)
            headers = own_headers(delivery)
            plain = raw and _PLAIN_ADDRESS.fullmatch(address) is not None
            prepared.append((address, headers, None if plain else message(delivery, connection)))
        except Exception as e:
            prepared.append(e)
    results: list[str | Exception | None] = [None] * len(deliveries)
    try:
        pipelined = _send_pipelined(connection, sender, deliveries, prepared, rendered, results) if raw else set()
        for index, (delivery, item) in enumerate(zip(deliveries, prepared, strict=True)):
            if index in pipelined:
                continue
            if isinstance(item, Exception):
                results[index] = item
                continue
            address, headers, msg = item
            try:
                connection.open()
            except Exception as e:  # unreachable: the rest of the batch fails the same way
                for rest in range(index, len(deliveries)):
                    if rest not in pipelined:
                        results[rest] = e
                break
            try:
                if msg is None:
                    connection.connection.sendmail(sender, [address], rendered.data(delivery, address, headers))
                elif not connection.send_messages([msg]):
                    raise DeliveryError("the mail backend sent nothing")
            except Exception as e:
                results[index] = e
                connection.close()
                continue
            results[index] = headers["Message-ID"]
    finally:
        connection.close()
    return [DeliveryError("not sent") if result is None else result for result in results]


def _send_pipelined(connection: Any, sender: str, deliveries: Sequence[Any],
                    prepared: Sequence[tuple[str, dict[str, str], EmailMessage | None] | Exception],
                    rendered: _Rendered, results: list[str | Exception | None]) -> set[int]:
    """Send the plain messages of a batch pipelined, if the server allows it; returns the indexes
    it dealt with (their results filled in). A broken connection fails the message in flight; the
    rest go on over a fresh connection."""
    todo = [i for i, item in enumerate(prepared) if not isinstance(item, Exception) and item[2] is None]
    handled: set[int] = set()
    while todo:
        try:
            connection.open()
            smtp = _pipelining(connection)
        except Exception as e:
            for index in todo:
                results[index] = e
            return handled | set(todo)
        if smtp is None:
            return handled
        jobs = []
        for index in todo:
            address, headers, _msg = prepared[index]  # type: ignore[misc]
            jobs.append((address, rendered.data(deliveries[index], address, headers)))
        done: list[Exception | None] = []
        try:
            _pipeline(smtp, sender, jobs, done)
        except Exception as e:
            done.append(e)
            connection.close()
        for index, outcome in zip(todo, done, strict=False):
            prepared_headers = prepared[index][1]  # type: ignore[index]
            results[index] = prepared_headers["Message-ID"] if outcome is None else outcome
            handled.add(index)
        todo = todo[len(done):]
    return handled
