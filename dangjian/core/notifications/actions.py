"""Writes on a user's own notifications: mark read, channel preferences, web-push subscriptions.

Each checks that the acting user is the owner, runs in one transaction and records an audit
event (DESIGN.md §4 rule 1). Sending itself is ``notify()`` plus the tasks in ``tasks.py``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.models import Notification, NotificationPreference, WebPushSubscription
from dangjian.core.models.notifications import ALL_KINDS, Channel

# Push services of the major browsers. An endpoint elsewhere is refused (the server POSTs to it,
# so accepting any URL would let a user make the server call internal addresses).
DEFAULT_PUSH_HOSTS = [
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    ".push.services.mozilla.com",
    ".notify.windows.com",
    "web.push.apple.com",
    ".push.apple.com",
]


def _own(user: Any, acting_user: ActingUser) -> None:
    if acting_user is None or getattr(acting_user, "pk", None) != getattr(user, "pk", None):
        raise PermissionDenied(_("You may only change your own notifications."))


def do_mark_read(notification: Notification, *, acting_user: ActingUser) -> Notification:
    _own(notification.recipient, acting_user)
    if notification.read_at is not None:
        return notification
    with transaction.atomic():
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit.record(acting_user, "notification.read", notification, target_label=notification.kind)
    return notification


def do_mark_all_read(user: Any, *, acting_user: ActingUser) -> int:
    _own(user, acting_user)
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            audit.record(acting_user, "notification.all_read", user, after={"count": count})
    return count


def _valid_kinds() -> set[str]:
    from dangjian.core.notifications import KINDS

    return {ALL_KINDS, *KINDS}


def do_update_notification_preferences(
    user: Any, choices: Mapping[str, Mapping[str, bool | None]], *, acting_user: ActingUser
) -> list[NotificationPreference]:
    """Set channel flags per kind: ``{"*": {"email": True, "sms": False}, "kind": {"sms": None}}``.

    None on a kind's row means "as for all notifications"; on the "*" row it means off.
    """
    _own(user, acting_user)
    kinds = _valid_kinds()
    for kind, flags in choices.items():
        if kind not in kinds:
            raise ValidationError({"kind": _("Unknown notification kind “%(kind)s”.") % {"kind": kind}})
        for channel, value in flags.items():
            if channel not in Channel.values:
                raise ValidationError({"channel": _("Unknown channel “%(channel)s”.") % {"channel": channel}})
            if value is not None and not isinstance(value, bool):
                raise ValidationError({channel: _("Choose on, off or inherit.")})
    rows = []
    with transaction.atomic():
        existing = {p.kind: p for p in NotificationPreference.objects.filter(user=user, kind__in=list(choices))}
        before = {k: audit.snapshot(p, Channel.values) for k, p in existing.items()}
        after: dict[str, dict] = {}
        for kind, flags in choices.items():
            pref = existing.get(kind) or NotificationPreference(user=user, kind=kind)
            for channel, value in flags.items():
                setattr(pref, channel, False if (kind == ALL_KINDS and value is None) else value)
            pref.save()
            rows.append(pref)
            after[kind] = audit.snapshot(pref, Channel.values)
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        if changed:
            audit.record(
                acting_user, "notification.preferences_changed", user,
                before={k: before.get(k) for k in changed}, after=changed,
            )
    return rows


def _b64url(value: Any, field: str, length: int) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError({field: _("This key is missing.")})
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("This key is not valid base64url.")}) from None
    if len(raw) != length:
        raise ValidationError({field: _("This key must be %(n)s bytes long.") % {"n": length}})
    return value


def _push_host_allowed(host: str) -> bool:
    allowed = getattr(settings, "WEBPUSH_ENDPOINT_HOSTS", None) or DEFAULT_PUSH_HOSTS
    for entry in allowed:
        if entry.startswith("."):
            if host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def clean_subscription(data: Any) -> dict[str, str]:
    """Validate the JSON of ``PushSubscription.toJSON()``: endpoint and keys.p256dh/auth."""
    if not isinstance(data, Mapping):
        raise ValidationError({"subscription": _("Expected a JSON object.")})
    endpoint = data.get("endpoint")
    raw_keys = data.get("keys")
    keys: Mapping[str, Any] = raw_keys if isinstance(raw_keys, Mapping) else {}
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        raise ValidationError({"endpoint": _("The endpoint is missing or too long.")})
    parts = urlsplit(endpoint)
    allow_http = getattr(settings, "WEBPUSH_ALLOW_HTTP", False)
    if parts.scheme not in ({"https", "http"} if allow_http else {"https"}) or not parts.hostname:
        raise ValidationError({"endpoint": _("The endpoint must be an https URL.")})
    if not _push_host_allowed(parts.hostname):
        raise ValidationError({"endpoint": _("This push service is not allowed.")})
    p256dh = _b64url(keys.get("p256dh"), "p256dh", 65)
    auth = _b64url(keys.get("auth"), "auth", 16)
    return {"endpoint": endpoint, "p256dh": p256dh, "auth": auth}


def do_subscribe_webpush(user: Any, data: Any, *, acting_user: ActingUser, user_agent: str = "") -> WebPushSubscription:
    """Store (or move to ``user``) the browser's push subscription."""
    _own(user, acting_user)
    from dangjian.core.notifications.channels import webpush

    if not webpush.configured():
        raise ValidationError({"subscription": _("Push notifications are not enabled on this site.")})
    clean = clean_subscription(data)
    with transaction.atomic():
        sub, created = WebPushSubscription.objects.update_or_create(
            endpoint=clean["endpoint"],
            defaults={"user": user, "p256dh": clean["p256dh"], "auth": clean["auth"],
                      "user_agent": user_agent[:300], "last_error": ""},
        )
        audit.record(
            acting_user, "notification.push_subscribed", user,
            after={"subscription": sub.pk, "host": urlsplit(sub.endpoint).hostname, "new": created},
        )
    return sub


def do_unsubscribe_webpush(user: Any, endpoint: str, *, acting_user: ActingUser) -> int:
    _own(user, acting_user)
    with transaction.atomic():
        subs = list(WebPushSubscription.objects.filter(user=user, endpoint=endpoint))
        for sub in subs:
            audit.record(acting_user, "notification.push_unsubscribed", user, before={"subscription": sub.pk})
            sub.delete()
    return len(subs)
