"""E-mail through ``django.core.mail`` (the SMTP backend configured by settings ``EMAIL_*``)."""

from __future__ import annotations

from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME

from dangjian.core.notifications.channels import PermanentDeliveryError


def configured() -> bool:
    return bool(getattr(settings, "EMAIL_BACKEND", "")) and not getattr(settings, "NOTIFY_EMAIL_DISABLED", False)


def absolute_url(url: str) -> str:
    if not url or "://" in url:
        return url
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{url}" if base else url


def send(delivery: Any) -> str:
    item = delivery.notification
    address = delivery.address or item.recipient.email
    if not address:
        raise PermanentDeliveryError("recipient has no e-mail address")
    text = item.body
    link = absolute_url(item.url)
    if link:
        text = f"{text}\n\n{link}" if text else link
    message_id = make_msgid(domain=str(DNS_NAME))
    message = EmailMessage(
        subject=item.title,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            "Message-ID": message_id,
            "X-Dangjian-Notification": str(item.pk),
            "X-Dangjian-Delivery": str(delivery.pk),
        },
    )
    message.send(fail_silently=False)
    return str(message_id)
