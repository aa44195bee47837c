"""Matters, their versioned forms and chain definitions; applications with their computed chain,
sign-offs, delegations and issued documents."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import crypto
from dangjian.services import HISTORY_LABELS, Anchor, Audience, Decision, SignOffRule, State, StepState


class Matter(models.Model):
    """A matter (办事事项) members or the public apply for."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="service_matters",
                                     verbose_name=_("owning organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    audience = models.CharField(_("who may apply"), max_length=10, choices=Audience.choices,
                                default=Audience.MEMBERS)
    active = models.BooleanField(_("open for applications"), default=True)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=10)
    issues_document = models.BooleanField(_("issues a document when approved"), default=False)
    # Grid service (S18): the applicant names their grid (a grid branch under the matter's
    # organization); the request goes first to the grid branch, and an overdue step climbs the
    # tree one level at a time until someone resolves it.
    grid_service = models.BooleanField(_("grid service"), default=False)
    # What an approved application hands to the module that owns the outcome (a registered
    # ``core.hooks.ServiceOutcome`` key, e.g. the member lifecycle's floating certificate); blank: none.
    outcome = models.CharField(_("hand over when approved"), max_length=60, blank=True)
    # 在职党员到社区报到: an approved application registers the member with the community (the grid
    # branch named on it — the matter is a grid service); the member then signs up for the
    # community's volunteer tasks.
    community_registration = models.BooleanField(_("registers members with the community"), default=False)
    # 免申即享: granted at once on request, no step — allowed only when every form field is data the
    # platform has (nothing typed) and the audience is party members.
    instant = models.BooleanField(_("granted at once (免申即享)"), default=False)
    # Whole-process disclosure (S3): each application's steps on the portal's matter timeline
    # (matter, masked applicant, organizations, dates and states; never the answers or reasons).
    disclose_steps = models.BooleanField(_("disclose the steps on the portal"), default=False)
    document_text = models.TextField(
        _("document text"), blank=True,
        help_text=_("Placeholders: $name, $organization, $status, $join_date, $matter, $date."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matter")
        verbose_name_plural = _("matters")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def current_form(self) -> FormVersion | None:
        return self.form_versions.order_by("-number").first()


class FormVersion(models.Model):
    """One version of a matter's form. Never changed once saved: an application keeps the
    version it was made with, and editing the form saves the next version."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="form_versions")
    number = models.PositiveIntegerField()
    fields = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["matter", "number"], name="services_form_version_unique")]
        ordering = ["matter", "-number"]

    def __str__(self) -> str:
        return f"{self.matter.title} v{self.number}"


class StepDefinition(models.Model):
    """A step of a matter's chain, relative to the applicant's organization."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="step_definitions")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("step"), max_length=100)
    anchor = models.CharField(_("organization"), max_length=10, choices=Anchor.choices, default=Anchor.OWN)
    anchor_kind = models.CharField(_("kind of organization"), max_length=20, blank=True)
    fixed_organization = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("fixed organization"))
    rule = models.CharField(_("sign-off"), max_length=10, choices=SignOffRule.choices, default=SignOffRule.ANY)
    quorum = models.PositiveSmallIntegerField(_("N (for N of the approvers)"), default=1)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (working days)"), default=3)

    class Meta:
        ordering = ["matter", "position"]
        constraints = [models.UniqueConstraint(fields=["matter", "position"], name="services_stepdef_unique")]


class Application(models.Model):
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="applications")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="service_applications")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    # The applicant's organization path (scoping: a town sees the applications from its subtree).
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    applicant_name = models.CharField(_("applicant"), max_length=64)
    # The form's answers (JSON), encrypted at rest (hardship details, addresses …): read and set
    # through ``data``. Lists defer it so they never decrypt.
    data_text = crypto.EncryptedCharField(blank=True)
    # What the platform filled in (name, organization, membership, masked contact), at submission.
    known = models.JSONField(default=dict)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True)
    current_position = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    paused_on = models.DateField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(default=0)
    supplement_rounds = models.PositiveSmallIntegerField(default=0)
    returns = models.PositiveSmallIntegerField(default=0)
    resubmissions = models.PositiveSmallIntegerField(default=0)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on_time = models.BooleanField(null=True)
    # What the outcome's module created when the application was approved (label and link).
    outcome_label = models.CharField(max_length=200, blank=True)
    outcome_url = models.CharField(max_length=300, blank=True)
    # The applicant's rating of the decided matter (1–5 stars, once), beside the measures.
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment on the service"), max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["applicant", "-created_at"], name="services_app_applicant_idx"),
                   models.Index(fields=["org_path", "state"], name="services_app_path_state_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.data_text) if self.data_text else {}

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self.data_text = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def is_open(self) -> bool:
        return self.state in (State.SUBMITTED, State.IN_PROGRESS, State.SUPPLEMENT, State.RETURNED)


class Step(models.Model):
    """A step of one application's chain, computed when it is submitted."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True)
    rule = models.CharField(max_length=10, choices=SignOffRule.choices, default=SignOffRule.ANY)
    # How many distinct signatures complete the step (who signs: ``StepApprover``, fixed when the
    # step opens).
    required = models.PositiveSmallIntegerField(default=1)
    round = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=StepState.choices, default=StepState.PENDING, db_index=True)
    limit_days = models.PositiveSmallIntegerField(default=3)
    opened_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Working days the step took when it was signed off (its time limit less what was left of it:
    # days paused for more material do not count, they moved the deadline).
    days_taken = models.SmallIntegerField(null=True, blank=True)
    warned_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # Grid service: how many levels the step has climbed, and when the current level is overdue.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalation_due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["application", "position"]
        constraints = [models.UniqueConstraint(fields=["application", "position"], name="services_step_unique")]
        indexes = [models.Index(fields=["state", "due_on"], name="services_step_state_due_idx")]

    def __str__(self) -> str:
        return f"{self.application.number} #{self.position} {self.name}"


class StepApprover(models.Model):
    """A user who signs a step: holding ``services.approve`` on its organization when it opened."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="approvers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "user"], name="services_step_approver_unique")]
        indexes = [models.Index(fields=["user", "step"], name="services_approver_user_idx")]


class SignOff(models.Model):
    """One approver's decision on a step in one round (a return reopens the step: next round)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="signoffs")
    round = models.PositiveSmallIntegerField(default=1)
    # The approver the signature counts for (the delegator when a delegate signs).
    principal = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "round", "principal"],
                                               name="services_signoff_once")]
        ordering = ["at", "pk"]


class Delegation(models.Model):
    """An approver's sign-offs handed to someone else for a date range (out of office)."""

    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                  verbose_name=_("approver"))
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("delegate"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["delegate", "ends_on"], name="services_delegate_idx")]


class HistoryEntry(models.Model):
    """What the applicant and the approvers see step by step (submitted, signed, returned …)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def label(self) -> str:
        return str(HISTORY_LABELS.get(self.kind, self.kind))


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    key = models.CharField(max_length=40)
    file = models.FileField(upload_to="services/%Y/%m/")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)


class Document(models.Model):
    """The document an approved application issues. ``code`` is random (128 bits) and is what the
    QR code carries; ``mac`` is a keyed HMAC of the key facts, so an altered row fails."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="document")
    code = models.CharField(max_length=40, unique=True, editable=False)
    facts = models.JSONField(default=dict)
    mac = models.CharField(max_length=64, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return str(self.facts.get("number", self.code))

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def fact(self, key: str) -> Any:
        return self.facts.get(key, "")



class VolunteerTask(models.Model):
    """A volunteer task of a community (or an organization above it) for the in-service members
    registered there (在职党员到社区报到)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    day = models.DateField(_("day"))
    places = models.PositiveSmallIntegerField(_("places"), default=10)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "pk"]
        indexes = [models.Index(fields=["org_path", "day"], name="services_vtask_path_day_idx")]

    def __str__(self) -> str:
        return self.title


class VolunteerSignup(models.Model):
    task = models.ForeignKey(VolunteerTask, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=64)
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["task", "user"], name="services_vsignup_once")]


class GridWorker(models.Model):
    """A grid worker (网格员): appointed to one grid branch, they sign its service steps — the
    requests of the community, building or industry grid come to them first — and see every open
    request of the grid. Appointed and removed by whoever manages service matters above the grid."""

    grid = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("grid"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("grid worker"))
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("grid worker")
        verbose_name_plural = _("grid workers")
        ordering = ["org_path", "pk"]
        constraints = [models.UniqueConstraint(fields=["grid", "user"], name="services_grid_worker_once")]
        indexes = [models.Index(fields=["user", "grid"], name="services_grid_worker_user_idx")]

    def __str__(self) -> str:
        return f"{self.grid_id}:{self.user_id}"
