"""Reports, their staff keys, wrapped keys, messages and identity requests.

At rest a report is envelope data in clear — id, number, state, the organization (level) and its
path, kind, the real-name flag, dates (days only, never a time of day) — and ciphertext: the
parts (content, accused, place, identity) are SealedBoxes; the report's private key exists only
wrapped (``ReportAccess``, ``receipt_box``). No IP address, user agent or time of day is stored.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.reports.choices import Author, Disposal, MessageKind, ReportKind, RequestState, State


class StaffKey(models.Model):
    """A staff member's key pair: the public key, the private key locked under their passphrase."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_key")
    public_key = models.BinaryField(max_length=32)
    locked_private = models.BinaryField()
    kdf_ops = models.PositiveIntegerField()
    kdf_mem = models.PositiveBigIntegerField()
    created_on = models.DateField()

    class Meta:
        verbose_name = _("report staff key")


class Custodian(models.Model):
    """An identity custodian of an organization's reports (covers its subtree)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="reports_custodian_once")]


class Report(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("number"), max_length=20, unique=True)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("handling organization"))
    org_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices, default=ReportKind.OTHER)
    real_name = models.BooleanField(_("real name"), default=False)
    phone_verified = models.BooleanField(default=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.RECEIVED)
    disposal = models.CharField(_("disposal"), max_length=20, choices=Disposal.choices, blank=True)
    # Days only: a time of day could be matched against an outside record of who was where.
    received_on = models.DateField(_("received on"))
    forward_due = models.DateField(_("forward by"))
    accepted_on = models.DateField(null=True, blank=True)
    accept_feedback_due = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    close_feedback_due = models.DateField(null=True, blank=True)
    feedback_given_on = models.DateField(null=True, blank=True)  # last feedback to a real-name reporter
    forwarded_to = models.CharField(max_length=200, blank=True)  # the other level's name (envelope)
    # keys and ciphertext
    public_key = models.BinaryField(max_length=32)
    identity_public_key = models.BinaryField(max_length=32)
    content_box = models.BinaryField()
    accused_box = models.BinaryField(default=b"")
    place_box = models.BinaryField(default=b"")
    identity_box = models.BinaryField(default=b"")
    receipt_lookup = models.BinaryField(max_length=32, unique=True)
    receipt_box = models.BinaryField()

    class Meta:
        verbose_name = _("report")
        indexes = [
            # the handler's list: open reports of a subtree, real-name first, oldest first. On
            # PostgreSQL the subtree is ``LIKE 'p%'``, which a plain text index serves only under the
            # C collation: ``varchar_pattern_ops`` makes it an index range whatever the database's
            # collation (an index-only scan; SQLite ignores the operator classes).
            models.Index(fields=["org_path", "state", "-real_name", "received_on", "id"], name="reports_list_idx",
                         opclasses=["varchar_pattern_ops", "varchar_ops", "bool_ops", "date_ops", "int8_ops"]),
            # the same list in its own order: a page is the first rows of this index that fall in
            # the subtree (and state) — a county's page 20 reads ≈ 1,000 entries, not the 60,000
            # it would otherwise sort (org_path and state make it an index-only scan)
            models.Index(fields=["-real_name", "received_on", "id", "org_path", "state"], name="reports_order_idx"),
            models.Index(fields=["state", "forward_due"], name="reports_due_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class ReportAccess(models.Model):
    """The report's private key sealed to one staff member's public key."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    wrapped_key = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_access_once")]
        indexes = [models.Index(fields=["user", "report"], name="reports_access_user_idx")]


class IdentityAccess(models.Model):
    """The report's identity private key sealed to a custodian (or to a handler a custodian let in)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="identity_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    wrapped_key = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_identity_access_once")]


class Exclusion(models.Model):
    """A staff member who may not see a report (named in it: conflict of interest)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="exclusions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_exclusion_once")]


class Message(models.Model):
    """A message between handler and reporter, sealed to the report's public key."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(max_length=10, choices=Author.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    box = models.BinaryField()
    sent_on = models.DateField()

    class Meta:
        ordering = ["id"]


class Attachment(models.Model):
    """An evidence photo or document (PDF, docx, xlsx, pptx): the metadata-stripped copy and, if the
    reporter chose, the original — each a SealedBox to the report's public key in a file with a
    random name."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    content_type = models.CharField(max_length=100)  # of the stripped copy (Office types are long)
    stripped_file = models.CharField(max_length=100)
    original_file = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def extension(self) -> str:
        from dangjian.reports.attachments import EXTENSIONS

        return EXTENSIONS.get(self.content_type, "bin")


class IdentityRequest(models.Model):
    """A handler's request to a custodian to open a real-name reporter's identity."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="identity_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("reason"))
    state = models.CharField(max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
