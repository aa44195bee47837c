"""Opinion express lane (S5, S6, S8, S10): intake, tracking, routing to cases (issue 7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OpinionKind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")
    PRAISE = "praise", _("Praise")


class OpinionChannel(models.TextChoices):
    PORTAL = "portal", _("Web portal")
    PHONE_APP = "phone_app", _("Phone app")
    EMAIL = "email", _("E-mail")
    CHAT_GROUP = "chat_group", _("Chat group")
    STAFF_LOGGED = "staff_logged", _("Logged by staff")


class OpinionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


#: Allowed status changes: status -> statuses it may move to.
TRANSITIONS: dict[str, frozenset[str]] = {
    OpinionStatus.RECEIVED: frozenset({OpinionStatus.ACCEPTED, OpinionStatus.CLOSED}),
    OpinionStatus.ACCEPTED: frozenset({OpinionStatus.ANSWERED, OpinionStatus.CLOSED}),
    OpinionStatus.ANSWERED: frozenset({OpinionStatus.CLOSED, OpinionStatus.ACCEPTED}),
    OpinionStatus.CLOSED: frozenset(),
}


class EventKind(models.TextChoices):
    """Public timeline steps."""

    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    NOTE = "note", _("Progress note")


#: Channels a citizen uses directly (``do_submit_opinion``); staff use ``do_log_opinion_for_caller``.
CITIZEN_CHANNELS = frozenset({OpinionChannel.PORTAL, OpinionChannel.PHONE_APP})

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
