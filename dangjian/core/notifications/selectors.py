"""Reads for the inbox. A notification is only ever visible to its recipient; any other id is
"not found" (no existence leak)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.models import Notification, NotificationPreference, WebPushSubscription
from dangjian.core.models.notifications import ALL_KINDS, Channel
from dangjian.core.notifications import ACCOUNT_MAIL


def inbox_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user).exclude(kind=ACCOUNT_MAIL).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.only("id", "recipient_id", "kind", "title", "body", "url", "created_at", "read_at")


def access_notification(user: Any, notification_id: Any) -> Notification:
    try:
        return inbox_for(user).get(pk=int(notification_id))
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404(_("Not found.")) from None


def preference_rows(user: Any) -> list[dict[str, Any]]:
    """The preferences page's rows: "*" first, then each registered kind, with stored flags."""
    from dangjian.core.notifications import KINDS

    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    rows = []
    for kind, label in [(ALL_KINDS, None), *sorted(KINDS.items(), key=lambda kv: str(kv[1]))]:
        pref = stored.get(kind)
        rows.append({
            "kind": kind,
            "label": label,
            "flags": {ch: (getattr(pref, ch) if pref is not None else None) for ch in Channel.values},
        })
    return rows


def push_subscription_count(user: Any) -> int:
    return WebPushSubscription.objects.filter(user=user).count()
