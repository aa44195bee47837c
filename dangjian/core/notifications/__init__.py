"""The notifications core: one ``notify(...)`` for every module.

    from dangjian.core.notifications import notify
    notify(member.user, "member.status_changed", title=..., body=..., url=...)

Each recipient gets an in-app inbox item. For each external channel the recipient has switched
on (e-mail, SMS, web push; see ``NotificationPreference``) and that is configured on this
installation, one ``Delivery`` row is written; one background task for all of them is enqueued
after the surrounding transaction commits. The task sends them in batches through the outbox,
records each provider's message id, and on failure retries with back-off up to
``settings.NOTIFY_MAX_ATTEMPTS`` (see ``tasks.py`` and ``core/outbox.py``).

Call ``notify`` from an action, inside or outside its ``transaction.atomic()`` block: nothing is
sent unless the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise

from dangjian.core.models import Delivery, Notification, NotificationPreference, User, WebPushSubscription
from dangjian.core.models.notifications import ALL_KINDS, Channel, DeliveryStatus
from dangjian.core.notifications import channels

__all__ = ["ACCOUNT_MAIL", "KINDS", "Message", "channel_flags", "notify", "notify_each", "queue_email", "redact_sent",
           "register_kind", "unread_count"]

#: The kind of the carrier item of an account e-mail (``queue_email``); never shown in the inbox.
ACCOUNT_MAIL = "account.mail"

# kind -> human label (lazy translation); modules register theirs so the preferences page can
# offer a row per kind. Unregistered kinds still work (they follow the "*" row).
KINDS: dict[str, Any] = {}


def register_kind(kind: str, label: str | Promise) -> None:
    if kind == ALL_KINDS or not kind:
        raise ValueError("invalid notification kind")
    KINDS[kind] = label


def _recipient_list(recipients: Any) -> list[Any]:
    if recipients is None:
        return []
    if isinstance(recipients, User) or not isinstance(recipients, Iterable):
        recipients = [recipients]
    seen: set[int] = set()
    result = []
    for r in recipients:
        pk = r if isinstance(r, int) else r.pk
        if pk not in seen:
            seen.add(pk)
            result.append(pk)
    return result


def _resolve(rows: Sequence[NotificationPreference], kind: str) -> dict[str, bool]:
    """Channel flags for ``kind`` from a user's preference rows: the kind's row, then "*", then off."""
    specific = next((r for r in rows if r.kind == kind), None)
    default = next((r for r in rows if r.kind == ALL_KINDS), None)
    flags = {}
    for ch in Channel.values:
        value = getattr(specific, ch) if specific is not None else None
        if value is None and default is not None:
            value = getattr(default, ch)
        flags[ch] = bool(value)
    return flags


def channel_flags(user: Any, kind: str) -> dict[str, bool]:
    """Which external channels ``user`` wants for ``kind`` (the inbox is always on)."""
    rows = list(NotificationPreference.objects.filter(user=user, kind__in=[kind, ALL_KINDS]))
    return _resolve(rows, kind)


@dataclass(frozen=True)
class Message:
    """One recipient's own inbox item, for ``notify_each`` (a code, a personal figure …)."""

    recipient: Any
    title: str
    body: str = ""
    url: str = ""
    sms_params: Sequence[str] | None = None


def notify(
    recipients: Any,
    kind: str,
    *,
    title: str,
    body: str = "",
    url: str = "",
    sms_params: Sequence[str] | None = None,
) -> list[Notification]:
    """Notify one user or many (users or user ids). Returns the inbox items created.

    ``title``/``body`` are stored as given: translate them (in the recipient's language if it
    matters) before calling. ``sms_params`` fills the SMS template's parameters (Tencent Cloud
    SMS sends only pre-approved templates); without it the title is the single parameter.
    """
    return notify_each(kind, [Message(pk, title, body, url, sms_params) for pk in _recipient_list(recipients)])


def notify_each(kind: str, messages: Sequence[Message]) -> list[Notification]:
    """Like ``notify``, but every recipient gets their own text: a fixed number of queries for
    any number of messages (a county-wide ballot sends tens of thousands of voting codes at
    once). A recipient listed twice gets the first message only."""
    seen: set[int] = set()
    wanted: list[tuple[int, Message]] = []
    for m in messages:
        pk = m.recipient if isinstance(m.recipient, int) else m.recipient.pk
        if pk not in seen:
            seen.add(pk)
            wanted.append((pk, m))
    if not wanted:
        return []
    enabled = channels.enabled_channels()

    with transaction.atomic():
        users = {u.pk: u for u in _users_with_contact([pk for pk, _m in wanted], enabled)}
        prefs: dict[int, list[NotificationPreference]] = {}
        if enabled:
            for row in NotificationPreference.objects.filter(user_id__in=users, kind__in=[kind, ALL_KINDS]):
                prefs.setdefault(row.user_id, []).append(row)
        subs: dict[int, list[WebPushSubscription]] = {}
        if Channel.WEBPUSH in enabled:
            for sub in WebPushSubscription.objects.filter(user_id__in=users).order_by("pk"):
                subs.setdefault(sub.user_id, []).append(sub)

        rows = []
        for pk, m in wanted:
            if pk in users:
                title = str(m.title)[:200]
                params = [str(p) for p in m.sms_params] if m.sms_params is not None else [title]
                rows.append(Notification(recipient_id=pk, kind=kind, title=title, body=str(m.body), url=m.url,
                                         sms_params=params))
        items = Notification.objects.bulk_create(rows, batch_size=1000)
        deliveries: list[Delivery] = []
        for item in items:
            user = users[item.recipient_id]
            flags = _resolve(prefs.get(user.pk, []), kind)
            if flags[Channel.EMAIL] and Channel.EMAIL in enabled and user.email:
                deliveries.append(Delivery(notification=item, channel=Channel.EMAIL))
            if flags[Channel.SMS] and Channel.SMS in enabled and channels.sms.has_phone(user):
                deliveries.append(Delivery(notification=item, channel=Channel.SMS))
            if flags[Channel.WEBPUSH] and Channel.WEBPUSH in enabled:
                deliveries.extend(
                    Delivery(notification=item, channel=Channel.WEBPUSH, subscription=sub)
                    for sub in subs.get(user.pk, [])
                )
        if deliveries:
            Delivery.objects.bulk_create(deliveries, batch_size=1000)
            ids = [d.pk for d in deliveries]
            transaction.on_commit(lambda: _enqueue_all(ids))
    return items


def redact_sent(kind: str, *, url_prefix: str, body: str, url: str = "", recipients: Any = None) -> int:
    """Take back what messages of ``kind`` carried once it must not outlive its use (a voting
    code, after the vote): every inbox item of ``kind`` whose link starts with ``url_prefix``
    (and, when ``recipients`` is given — user ids or a query of them — only theirs) keeps its
    title but gets ``body`` as its text and ``url`` as its link, and no SMS parameters; its
    e-mail/SMS/push copies not sent yet are not sent any more (given up). Copies already sent
    are out of reach. Two UPDATEs; returns the number of inbox items changed."""
    if not kind or not url_prefix:
        raise ValueError("redact_sent needs a kind and a link prefix")
    items = Notification.objects.filter(kind=kind, url__startswith=url_prefix)
    if recipients is not None:
        items = items.filter(recipient_id__in=recipients)
    with transaction.atomic():
        Delivery.objects.filter(notification__in=items.values("pk"),
                                status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]).update(
            status=DeliveryStatus.GAVE_UP, next_attempt_at=None, last_error="withdrawn")
        return items.update(body=str(body), url=str(url), sms_params=[])


def queue_email(user: Any, address: str, *, subject: str, body: str) -> Delivery:
    """Put one account e-mail (a password reset, an address confirmation) in the outbox for
    ``user`` at ``address``: the task worker sends it with the outbox's retries, so a mail
    server that is down delays the message instead of failing the page that asked for it.
    Its carrier item is already read and stays out of the inbox."""
    with transaction.atomic():
        item = Notification.objects.create(recipient=user, kind=ACCOUNT_MAIL, title=str(subject)[:200],
                                           body=str(body), read_at=timezone.now())
        delivery = Delivery.objects.create(notification=item, channel=Channel.EMAIL, address=address)
        transaction.on_commit(lambda: _enqueue_all([delivery.pk]))
    return delivery


def _users_with_contact(user_ids: list[int], enabled: set[str]) -> list[Any]:
    qs = User.objects.filter(pk__in=user_ids, is_active=True)
    if Channel.SMS in enabled and channels.sms.person_relation():
        qs = qs.select_related("person")
    return list(qs)


def _enqueue_all(ids: list[int]) -> None:
    from dangjian.core.notifications.tasks import enqueue_deliveries

    enqueue_deliveries(ids)


def unread_count(user: Any) -> int:
    """Unread inbox items of ``user`` (0 for anonymous users); one indexed COUNT query."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(Q(recipient=user) & Q(read_at__isnull=True)).count()
