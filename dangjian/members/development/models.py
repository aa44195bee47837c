from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.members.development import STEPS, DueKind, FileStatus, PersonRole, Stage


def _notice_token() -> str:
    return secrets.token_urlsafe(12)


class ApplicantFile(models.Model):
    """An applicant's development file (申请人档案): one person moving through the 25 steps."""

    person = models.OneToOneField("members.Person", on_delete=models.PROTECT, related_name="applicant_file",
                                  verbose_name=_("person"))
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="applicant_files",
                                     verbose_name=_("branch"))
    # Copy of organization.path (like Member.org_path) so subtree filters are one index range.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    step = models.PositiveSmallIntegerField(_("last step taken"), default=0)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.APPLICATION)
    status = models.CharField(_("status"), max_length=20, choices=FileStatus.choices, default=FileStatus.ACTIVE)
    applied_on = models.DateField(_("application date"), null=True, blank=True)
    activist_on = models.DateField(_("activist since"), null=True, blank=True)
    candidate_on = models.DateField(_("candidate since"), null=True, blank=True)
    assembly_on = models.DateField(_("branch assembly vote on admission"), null=True, blank=True)
    probation_ends_on = models.DateField(_("probation ends on"), null=True, blank=True)
    probation_extended = models.BooleanField(_("probation extended"), default=False)
    notice_starts_on = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice until"), null=True, blank=True)
    notice_text = models.TextField(_("public notice text"), blank=True)
    notice_token = models.CharField(max_length=32, default=_notice_token, unique=True, editable=False)
    next_due_on = models.DateField(_("next deadline"), null=True, blank=True, db_index=True)
    due_kind = models.CharField(_("deadline"), max_length=20, choices=DueKind.choices, blank=True)
    member = models.OneToOneField("members.Member", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="development_file", verbose_name=_("party member"))
    closed_reason = models.TextField(_("reason for closing"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("applicant file")
        verbose_name_plural = _("applicant files")
        indexes = [models.Index(fields=["org_path", "stage"], name="devfile_path_stage_idx")]

    def __str__(self) -> str:
        return self.person.name

    @property
    def next_step(self) -> int | None:
        return self.step + 1 if self.status == FileStatus.ACTIVE and self.step < 25 else None

    @property
    def legal_steps(self) -> list[int]:
        """The steps that may be recorded now: the next one, or again a repeatable current one."""
        steps = []
        if self.status == FileStatus.ACTIVE and self.step and STEPS[self.step].repeatable:
            steps.append(self.step)
        if self.next_step:
            steps.append(self.next_step)
        return steps

    def is_overdue(self, today: object) -> bool:
        return bool(self.next_due_on and self.next_due_on < today)  # type: ignore[operator]


class StepRecord(models.Model):
    """One step taken: its date, the people involved, the vote where a meeting decided."""

    file = models.ForeignKey(ApplicantFile, on_delete=models.CASCADE, related_name="records", verbose_name=_("file"))
    step = models.PositiveSmallIntegerField(_("step"))
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    late_reason = models.TextField(_("reason for the delay"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Votes (meetings only): entitled = full members entitled to vote (or committee size).
    entitled = models.PositiveIntegerField(_("entitled to vote"), null=True, blank=True)
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    written = models.PositiveIntegerField(_("written opinions of absentees"), null=True, blank=True)
    yes = models.PositiveIntegerField(_("yes"), null=True, blank=True)
    no = models.PositiveIntegerField(_("no"), null=True, blank=True)
    abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        ordering = ["step", "date", "pk"]
        indexes = [models.Index(fields=["file", "step"], name="devrecord_file_step_idx")]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.step}"

    @property
    def step_name(self) -> str:
        return str(STEPS[self.step].name)

    @property
    def has_vote(self) -> bool:
        return self.yes is not None


class StepPerson(models.Model):
    """Someone involved in a step: a member of the platform or a name typed in."""

    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="people", verbose_name=_("step"))
    role = models.CharField(_("role"), max_length=20, choices=PersonRole.choices)
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("party member"))
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("person involved")
        verbose_name_plural = _("people involved")

    def __str__(self) -> str:
        return self.name


def _upload_to(instance: StepDocument, filename: str) -> str:
    return f"development/{instance.record.file_id}/{secrets.token_hex(8)}-{filename[-80:]}"


class StepDocument(models.Model):
    record = models.ForeignKey(StepRecord, on_delete=models.CASCADE, related_name="documents", verbose_name=_("step"))
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=255)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.name


class DeadlineNotice(models.Model):
    """A reminder or warning sent for a file's deadline: sent once per file, step and kind."""

    file = models.ForeignKey(ApplicantFile, on_delete=models.CASCADE, related_name="deadline_notices")
    step = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=30)  # e.g. "talk.remind", "approval.overdue"
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "step", "kind", "due_on"], name="unique_deadline_notice")]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.step}:{self.kind}"
