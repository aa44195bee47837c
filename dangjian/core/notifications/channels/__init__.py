"""External channels. Each module exposes ``configured() -> bool`` and ``send(delivery) -> str``
(the provider's message id). ``send`` raises ``DeliveryError`` for a failure worth retrying
(or any other exception, also retried) and ``PermanentDeliveryError`` when retrying cannot help."""

from __future__ import annotations

from collections.abc import Callable
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


def enabled_channels() -> set[str]:
    """Channels this installation is configured for (settings), whatever users chose."""
    return {
        name
        for name, ok in (("email", email.configured()), ("sms", sms.configured()), ("webpush", webpush.configured()))
        if ok
    }


__all__ = ["SENDERS", "DeliveryError", "PermanentDeliveryError", "email", "enabled_channels", "sms", "webpush"]
