"""External channels. Each module exposes ``configured() -> bool`` and ``send(delivery) -> str``
(the provider's message id). ``send`` raises ``DeliveryError`` for a failure worth retrying
(or any other exception, also retried) and ``PermanentDeliveryError`` when retrying cannot help.

``send_batch(deliveries)`` sends several deliveries of one channel at once and returns, in order,
each one's message id or the exception it failed with: e-mail reuses one SMTP connection, web
push one HTTP session; SMS sends one by one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class DeliveryError(Exception):
    """A send failed; the task retries with back-off."""


class PermanentDeliveryError(DeliveryError):
    """A send failed for good (e.g. the push subscription is gone); no retry."""


from dangjian.core.notifications.channels import email, sms, webpush  # noqa: E402

SENDERS: dict[str, Callable[[Any], str]] = {
    "email": email.send,
    "sms": sms.send,
    "webpush": webpush.send,
}


def one_by_one(send: Callable[[Any], str]) -> Callable[[Sequence[Any]], list[str | Exception]]:
    """A ``send_batch`` for a channel without a cheaper way to send several messages."""

    def send_batch(deliveries: Sequence[Any]) -> list[str | Exception]:
        results: list[str | Exception] = []
        for delivery in deliveries:
            try:
                results.append(send(delivery))
            except Exception as e:  # recorded on the delivery by the outbox
                results.append(e)
        return results

    return send_batch


BATCH_SENDERS: dict[str, Callable[[Sequence[Any]], list[str | Exception]]] = {
    "email": email.send_batch,
    "sms": one_by_one(sms.send),
    "webpush": webpush.send_batch,
}


def enabled_channels() -> set[str]:
    """Channels this installation is configured for (settings), whatever users chose."""
    return {
        name
        for name, ok in (("email", email.configured()), ("sms", sms.configured()), ("webpush", webpush.configured()))
        if ok
    }


__all__ = ["BATCH_SENDERS", "SENDERS", "DeliveryError", "PermanentDeliveryError", "email", "enabled_channels", "sms", "webpush"]
