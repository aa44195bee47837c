"""Organizational-relationship transfers (组织关系转接): routing, introduction letters, hop approvals, ledgers."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TransferStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    RETURNED = "returned", _("Returned")
    LETTER_ISSUED = "letter_issued", _("Letter issued, awaiting receipt")
    COMPLETED = "completed", _("Received")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Letter expired")


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("Within the platform")
    OUTGOING_EXTERNAL = "outgoing_external", _("Out of the platform")
    INCOMING_EXTERNAL = "incoming_external", _("Into the platform from outside")


class HopState(models.TextChoices):
    # A step waiting for its organization's decision (it read 待发送, the msgid core's outbox uses).
    PENDING = "pending", pgettext_lazy("transfer step", "Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class LedgerDirection(models.TextChoices):
    OUT = "out", _("Transferred out")
    IN = "in", _("Transferred in")


#: Transfers that still hold the member (one at a time per member).
ACTIVE_STATUSES = frozenset({TransferStatus.IN_PROGRESS, TransferStatus.RETURNED, TransferStatus.LETTER_ISSUED})

#: The legal status changes; anything else is refused (DESIGN.md §4 rule 5).
TRANSITIONS: dict[str, frozenset[str]] = {
    TransferStatus.IN_PROGRESS: frozenset({
        TransferStatus.RETURNED, TransferStatus.LETTER_ISSUED, TransferStatus.COMPLETED,
        TransferStatus.CANCELLED, TransferStatus.EXPIRED,
    }),
    TransferStatus.RETURNED: frozenset({TransferStatus.IN_PROGRESS, TransferStatus.CANCELLED, TransferStatus.EXPIRED}),
    TransferStatus.LETTER_ISSUED: frozenset({TransferStatus.COMPLETED, TransferStatus.CANCELLED, TransferStatus.EXPIRED}),
    TransferStatus.COMPLETED: frozenset(),
    TransferStatus.CANCELLED: frozenset(),
    TransferStatus.EXPIRED: frozenset(),
}
