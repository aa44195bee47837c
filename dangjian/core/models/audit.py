from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One entry of the tamper-evident audit trail.

    ``hash`` = SHA-256 over the previous entry's hash (in the same ``chain``) and this entry's
    canonical content, so altering or deleting any row breaks its chain from there on
    (``manage.py verify_audit``). ``chain`` is the top-level organization of ``org_path`` (the
    first path step), or "" for the global chain (events with no organization, and every event
    written before chains were split); see ``dangjian.core.audit``.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    chain = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target_idx"),
            models.Index(fields=["chain", "id"], name="audit_chain_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_type}:{self.target_id}"


class AuditHead(models.Model):
    """One row per chain holding its tip; locked while appending so that chain stays linear.

    Writers in different chains lock different rows and never wait for each other.
    """

    chain = models.CharField(max_length=32, unique=True, default="")
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
