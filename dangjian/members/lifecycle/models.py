"""Floating certificates (流动党员活动证), report-backs, and status-change requests."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dangjian.members.lifecycle import (
    CERTIFICATE_TRANSITIONS,
    REQUEST_TRANSITIONS,
    CertificateStatus,
    ChangeKind,
    LapseGround,
    ReportChannel,
    RequestStatus,
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class FloatingCertificate(models.Model):
    """A floating member's certificate: issued by the home branch's base committee, held while the
    member lives or works away; the host branch takes them into its activities (without a vote)."""

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="floating_certificates",
                               verbose_name=_("member"))
    home_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("home branch"))
    home_path = models.CharField(max_length=255, db_index=True, editable=False)
    host_org = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("host branch"))
    host_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    host_place = models.CharField(_("host place"), max_length=200, blank=True,
                                  help_text=_("Where the member lives or works (outside the platform)."))
    host_unit = models.CharField(_("host unit"), max_length=200, blank=True)
    reason = models.CharField(_("reason for leaving"), max_length=500)
    abroad = models.BooleanField(_("abroad"), default=False)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"))
    status = models.CharField(_("status"), max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.ISSUED)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("floating certificate")
        verbose_name_plural = _("floating certificates")
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="issued"),
                                    name="lifecycle_one_issued_certificate"),
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")),
                                   name="lifecycle_certificate_expiry_after_issue"),
        ]
        indexes = [models.Index(fields=["status", "expires_on"], name="lifecycle_cert_status_exp")]

    def __str__(self) -> str:
        return self.number

    def check_transition(self, new_status: str) -> None:
        if new_status not in CERTIFICATE_TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError({"status": gettext("A certificate cannot go from “%(old)s” to “%(new)s”.") % {
                "old": CertificateStatus(self.status).label, "new": CertificateStatus(new_status).label}})

    def is_valid_on(self, day: object) -> bool:
        return self.status == CertificateStatus.ISSUED and self.expires_on >= day  # type: ignore[operator]

    @property
    def host_label(self) -> str:
        if self.host_org_id:
            return self.host_org.name  # type: ignore[union-attr]
        return " · ".join(p for p in (self.host_place, self.host_unit) if p)


class ReportBack(models.Model):
    """The member reporting back to the home branch (at least yearly; abroad every 6 months)."""

    certificate = models.ForeignKey(FloatingCertificate, on_delete=models.CASCADE, related_name="reports",
                                    verbose_name=_("certificate"))
    reported_on = models.DateField(_("date reported"))
    channel = models.CharField(pgettext_lazy("report", "channel"), max_length=16, choices=ReportChannel.choices,
                               default=ReportChannel.IN_PERSON)
    summary = models.TextField(_("summary"), max_length=2000)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report-back")
        verbose_name_plural = _("report-backs")
        ordering = ["-reported_on", "-pk"]


class ReminderLog(models.Model):
    """One row per certificate, kind and period: a reminder is sent at most once."""

    class Kind(models.TextChoices):
        REPORT_DUE = "report_due", _("Report-back due soon")
        REPORT_OVERDUE = "report_overdue", _("Report-back overdue")

    certificate = models.ForeignKey(FloatingCertificate, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period_due = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certificate", "kind", "period_due"],
                                               name="lifecycle_reminder_once")]


class StatusChangeRequest(models.Model):
    """A branch's proposal to change a member's status, approved or rejected by the higher committee."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="status_requests",
                               verbose_name=_("member"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("requested change"), max_length=16, choices=ChangeKind.choices)
    from_status = models.CharField(_("status before"), max_length=20)
    reason = models.TextField(_("reason"), max_length=2000)
    effective_on = models.DateField(_("effective date"))
    lost_contact_since = models.DateField(_("lost contact since"), null=True, blank=True)
    arrears_since = models.DateField(_("dues unpaid since"), null=True, blank=True)
    lapse_ground = models.CharField(_("ground for lapse"), max_length=20, choices=LapseGround.choices, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("extension (months)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("status-change request")
        verbose_name_plural = _("status-change requests")
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="pending"),
                                    name="lifecycle_one_pending_request"),
        ]
        indexes = [models.Index(fields=["org_path", "status"], name="lifecycle_req_path_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.member_id}"

    def check_transition(self, new_status: str) -> None:
        if new_status not in REQUEST_TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError({"status": gettext("This request is already “%(status)s”.") % {
                "status": RequestStatus(self.status).label}})


def evidence_path(instance: StatusEvidence, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"lifecycle/evidence/{instance.request_id}/{secrets.token_hex(12)}.{ext}"


class StatusEvidence(models.Model):
    request = models.ForeignKey(StatusChangeRequest, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
