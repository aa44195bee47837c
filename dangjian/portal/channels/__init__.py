"""Multi-channel publishing (三微一端, issue 6 part A, S2): one published article goes out to every
channel its section has — WeChat official account, Weibo, the app's news feed (+ web push) —
through an outbox of deliveries with retries. RSS/Atom/JSON Feed stay the portal's own."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WECHAT = "wechat", _("WeChat official account")
    WEIBO = "weibo", _("Weibo")
    APP = "app", _("App news feed")


class Operation(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    UPDATE = "update", _("Update")
    WITHDRAW = "withdraw", _("Withdraw")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    FAILED = "failed", _("Failed, will retry")
    DONE = "done", _("Delivered")
    GAVE_UP = "gave_up", _("Gave up")
    SUPERSEDED = "superseded", _("Superseded by a newer version")


#: Allowed outbox transitions. The worker's claim (→ sending) and its outcome are conditional
#: UPDATEs in ``delivery.py``; sending → pending is "wait for an older delivery"; pending → done is
#: a withdrawal with nothing on the channel; failed/gave up → pending is the editor's retry.
OUTBOX_TRANSITIONS: dict[str, set[str]] = {
    OutboxStatus.PENDING: {OutboxStatus.SENDING, OutboxStatus.SUPERSEDED, OutboxStatus.DONE},
    OutboxStatus.SENDING: {OutboxStatus.DONE, OutboxStatus.FAILED, OutboxStatus.GAVE_UP, OutboxStatus.SENDING,
                           OutboxStatus.PENDING},
    OutboxStatus.FAILED: {OutboxStatus.SENDING, OutboxStatus.SUPERSEDED, OutboxStatus.PENDING},
    OutboxStatus.GAVE_UP: {OutboxStatus.PENDING, OutboxStatus.SUPERSEDED},
    OutboxStatus.DONE: set(),
    OutboxStatus.SUPERSEDED: set(),
}

OPEN_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
