"""What the statistics module stores itself: the year-end tables an organization submitted to the
level above (every number stays computed from the registry; a submission keeps the snapshot)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.stats import SubmissionStatus
from dangjian.stats.models_screen import ScreenLayout

__all__ = ["ScreenLayout", "TableSubmission"]


class TableSubmission(models.Model):
    """An organization's year-end tables as submitted to the organization above: the values of
    every table as computed at submission (``values``: ``{table: {row: {column: number|null}}}``),
    the reconciliation summary (``checks``: ``[{key, status, left, right, difference}]``) and the
    note that explains what did not reconcile. One submission per organization and year stands
    at a time; a returned one stays as history."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    to_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("submitted to"))
    year = models.PositiveSmallIntegerField(_("year"))
    as_of = models.DateField(_("as of"))
    values = models.JSONField(_("values"), default=dict)
    checks = models.JSONField(_("cross-checks"), default=list)
    failed_checks = models.PositiveSmallIntegerField(_("checks not reconciled"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("year-end tables submitted")
        verbose_name_plural = _("year-end tables submitted")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], condition=Q(status="submitted"),
                                               name="stats_submission_once_per_year")]
        indexes = [models.Index(fields=["to_organization", "year"], name="stats_submission_to_idx"),
                   models.Index(fields=["org_path", "year"], name="stats_submission_path_idx")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.year}"

    def check_transition(self, new_status: str) -> None:
        if not (self.status == SubmissionStatus.SUBMITTED and new_status == SubmissionStatus.RETURNED):
            raise ValidationError({"status": gettext("Submitted tables cannot go from “%(old)s” to “%(new)s”.")
                                   % {"old": SubmissionStatus(self.status).label,
                                      "new": SubmissionStatus(new_status).label
                                      if new_status in SubmissionStatus.values else new_status}})

