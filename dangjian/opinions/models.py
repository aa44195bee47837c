from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.cases import Rating
from dangjian.core import crypto
from dangjian.opinions import TRANSITIONS, EventKind, OpinionChannel, OpinionKind, OpinionStatus


def mask_name(name: str) -> str:
    """张三丰 → 张**: the first character, then one star per further character (at least two)."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 2)


def normalize_text(*parts: str) -> str:
    """Text for duplicate detection: NFKC, lower case, without spaces, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", "".join(parts)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def text_digest(title: str, body: str) -> str:
    return hashlib.sha256(normalize_text(title, body).encode()).hexdigest()


class Opinion(models.Model):
    """One opinion (民意) sent by a citizen or logged by staff, followed by its tracking number."""

    tracking_no = models.CharField(_("tracking number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OpinionKind.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("content"))
    place = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="opinions",
        verbose_name=_("place"),
    )
    place_text = models.CharField(_("place details"), max_length=200, blank=True)
    # Copy of place.path ("" without a place), for scoping staff lists to a subtree.
    org_path = models.CharField(max_length=255, blank=True, default="", db_index=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=OpinionChannel.choices)
    is_public = models.BooleanField(_("public"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=OpinionStatus.choices, default=OpinionStatus.RECEIVED)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions",
        verbose_name=_("sender account"),
    )
    sender_name = models.CharField(_("sender name"), max_length=64, blank=True)
    sender_phone = crypto.EncryptedCharField(_("sender phone"), blank=True, digest_field="sender_phone_digest",
                                             digest_purpose="opinion_phone")
    sender_phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    sender_phone_masked = models.CharField(_("sender phone"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Hash of the normalized title + body: exact and normalized-text duplicates share it.
    text_digest = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    # The case handling this opinion (several duplicate opinions may share one case).
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions",
        verbose_name=_("case"),
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, blank=True, choices=Rating.choices)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        indexes = [
            models.Index(fields=["is_public", "-created_at"], name="opinion_public_idx"),
            models.Index(fields=["sender", "-created_at"], name="opinion_sender_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_no} {self.title}"

    @property
    def rating_choices(self) -> list[tuple[str, Any]]:
        return list(Rating.choices)

    def set_text_digest(self) -> None:
        self.text_digest = text_digest(self.title, self.body)

    def set_sender_phone(self, value: str) -> None:
        self.sender_phone = value
        self.sender_phone_digest = crypto.digest(value, purpose="opinion_phone") if value else ""
        self.sender_phone_masked = crypto.mask_phone(value)

    @property
    def public_sender(self) -> str:
        """The sender's name as shown in public: masked, or "Anonymous"."""
        return mask_name(self.sender_name) or gettext("Anonymous")

    def check_transition(self, new_status: str) -> None:
        if new_status not in OpinionStatus.values:
            raise ValidationError({"status": gettext("Unknown status.")})
        if new_status not in TRANSITIONS[self.status]:
            raise ValidationError(
                {"status": gettext("An opinion cannot go from “%(old)s” to “%(new)s”.") % {
                    "old": OpinionStatus(self.status).label, "new": OpinionStatus(new_status).label}}
            )




def photo_upload_to(instance: OpinionPhoto, filename: str) -> str:
    now = timezone.localtime()
    return f"opinions/{now:%Y}/{now:%m}/{filename}"


class OpinionPhoto(models.Model):
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="photos", verbose_name=_("opinion"))
    image = models.FileField(_("photo"), upload_to=photo_upload_to, max_length=200)
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("opinion photo")
        verbose_name_plural = _("opinion photos")

    def __str__(self) -> str:
        return str(self.image.name)


class OpinionEvent(models.Model):
    """A public step of an opinion's timeline (what the sender sees when tracking)."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="events", verbose_name=_("opinion"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("opinion timeline step")
        verbose_name_plural = _("opinion timeline steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.opinion_id} {self.kind}"


class InboundMessage(models.Model):
    """One message that arrived by e-mail or from a chat group, keyed by its id at the source.
    The unique key is what makes intake exactly-once: a poller that runs twice, or crashes
    after saving and before marking the mail as read, finds the row and creates nothing new."""

    channel = models.CharField(_("channel"), max_length=20, choices=OpinionChannel.choices)
    external_id = models.CharField(_("message id"), max_length=255)
    opinion = models.ForeignKey(Opinion, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound")
    accepted = models.BooleanField(_("accepted"), default=False)
    error = models.TextField(_("why it was not accepted"), blank=True)
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    # the start of the message, so staff can see what a rejected message said
    excerpt = models.CharField(_("excerpt"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="opinions_inbound_once")]
        indexes = [models.Index(fields=["accepted", "-received_at"], name="opinions_inbound_rejected_idx")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"
