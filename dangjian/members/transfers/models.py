from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.core import crypto
from dangjian.members import MemberStatus, Sex
from dangjian.members.transfers import (
    ACTIVE_STATUSES,
    TRANSITIONS,
    HopState,
    LedgerDirection,
    TransferKind,
    TransferStatus,
)


class Transfer(models.Model):
    """One transfer of a member's organizational relationship, with its introduction letter.

    The letter fields (DOMAIN.md §7) are a snapshot taken when the transfer starts, so a printed
    letter and the record agree even if the member's file changes later."""

    number = models.CharField(_("letter number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=TransferKind.choices, default=TransferKind.INTERNAL)
    status = models.CharField(_("status"), max_length=20, choices=TransferStatus.choices,
                              default=TransferStatus.IN_PROGRESS)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="transfers",
                               verbose_name=_("member"))
    from_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="transfers_out", verbose_name=_("from organization"))
    from_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    to_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="transfers_in", verbose_name=_("to organization"))
    to_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    sending_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("sending committee"))
    receiving_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("receiving committee"))
    from_org_name = models.CharField(_("from organization"), max_length=200)
    to_org_name = models.CharField(_("to organization"), max_length=200)
    external_address = models.CharField(_("address of the organization outside the platform"), max_length=200,
                                        blank=True)
    route = models.JSONField(_("route"), default=list, blank=True)
    reason = models.TextField(_("reason"))
    validity_days = models.PositiveSmallIntegerField(_("validity (days)"), default=30)
    issued_on = models.DateField(_("letter issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # --- the letter (snapshot) ---
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    membership = models.CharField(_("full or probationary"), max_length=20, choices=[
        (MemberStatus.FULL.value, MemberStatus.FULL.label),
        (MemberStatus.PROBATIONARY.value, MemberStatus.PROBATIONARY.label),
    ])
    id_number = crypto.EncryptedCharField(_("ID-card number"), blank=True)
    id_number_masked = models.CharField(_("ID-card number"), max_length=18, blank=True)
    phone = crypto.EncryptedCharField(_("contact"), blank=True)
    phone_masked = models.CharField(_("contact"), max_length=16, blank=True)
    dues_paid_until = models.DateField(_("dues paid up to"), null=True, blank=True,
                                       help_text=_("Year and month (stored as the first day of the month)."))
    sender_address = models.CharField(_("sending committee's address"), max_length=200, blank=True)
    sender_phone = models.CharField(_("sending committee's phone"), max_length=32, blank=True)
    sender_postcode = models.CharField(_("sending committee's postcode"), max_length=6, blank=True)
    # --- bookkeeping ---
    verify_token = models.CharField(max_length=64, unique=True, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    started_by_member = models.BooleanField(_("requested by the member"), default=False)
    external_number = models.CharField(_("number of the letter from outside"), max_length=40, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    # DOMAIN §7: the receiving committee returns the receipt within one month. Internal: one month
    # from the letter reaching the receiving committee (its issue); outside the platform: one month
    # after the letter's last valid day (the member reports by then, the receipt comes back after).
    receipt_due_on = models.DateField(_("receipt due by"), null=True, blank=True)
    receipt_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    receipt_note = models.CharField(_("receipt note"), max_length=200, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status__in=sorted(ACTIVE_STATUSES)),
                                    name="one_active_transfer_per_member"),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="transfer_status_idx"),
                   models.Index(fields=["receipt_due_on"], condition=Q(status__in=sorted(ACTIVE_STATUSES)),
                                name="transfer_receipt_due_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def receipt_overdue(self) -> bool:
        return bool(self.is_active and self.receipt_due_on and self.receipt_due_on < timezone.localdate())

    @property
    def is_external(self) -> bool:
        return self.kind != TransferKind.INTERNAL

    def check_transition(self, new_status: str) -> None:
        if new_status not in TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError(
                {"status": gettext("A transfer cannot go from “%(old)s” to “%(new)s”.") % {
                    "old": TransferStatus(self.status).label, "new": TransferStatus(new_status).label}}
            )

    def set_id_number(self, value: str) -> None:
        self.id_number = value
        self.id_number_masked = crypto.mask_id_number(value)

    def set_phone(self, value: str) -> None:
        self.phone = value
        self.phone_masked = crypto.mask_phone(value)


class TransferHop(models.Model):
    """One organization on the route that approves (or returns) the transfer, in order."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="hops", verbose_name=_("transfer"))
    order = models.PositiveSmallIntegerField(_("order"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    receiving = models.BooleanField(_("on the receiving side"), default=False)
    state = models.CharField(_("state"), max_length=20, choices=HopState.choices, default=HopState.PENDING)
    acted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("acted by"))
    acted_at = models.DateTimeField(_("acted at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    activated_at = models.DateTimeField(_("reached at"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("escalated to"))

    class Meta:
        verbose_name = _("transfer step")
        verbose_name_plural = _("transfer steps")
        ordering = ["transfer", "order"]
        constraints = [models.UniqueConstraint(fields=["transfer", "order"], name="unique_hop_order")]
        indexes = [models.Index(fields=["state", "due_on"], name="transfer_hop_due_idx")]

    def __str__(self) -> str:
        return f"{self.transfer_id}#{self.order}"


class TransferLedgerEntry(models.Model):
    """A row of an organization's transfer ledger (组织关系转接台账), written by the actions."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    direction = models.CharField(_("direction"), max_length=10, choices=LedgerDirection.choices)
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="ledger_entries",
                                 verbose_name=_("transfer"))
    member_name = models.CharField(_("name"), max_length=64)
    membership = models.CharField(_("full or probationary"), max_length=20)
    letter_number = models.CharField(_("letter number"), max_length=20)
    counterpart = models.CharField(_("from / to"), max_length=200)
    on_date = models.DateField(_("date"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("transfer ledger entry")
        verbose_name_plural = _("transfer ledger entries")
        ordering = ["-on_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.letter_number} {self.direction}"

