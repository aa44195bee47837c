from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from dangjian.cases import (
    TRANSITIONS,
    AccountabilityDecision,
    CaseCategory,
    CaseState,
    CoInputState,
    EventKind,
    MemberRole,
    Rating,
)


class Department(models.Model):
    """A government or party department that handles cases (职能部门), owned by an organization
    node: staff with scope over that node manage it and see its cases."""

    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="case_departments", verbose_name=_("organization"),
    )
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="cases_dept_unique_name")]

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="members",
                                   verbose_name=_("department"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_departments",
                             verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices)

    class Meta:
        verbose_name = _("department member")
        verbose_name_plural = _("department members")
        constraints = [models.UniqueConstraint(fields=["department", "user", "role"], name="cases_dept_member_unique")]

    def __str__(self) -> str:
        return f"{self.department_id}:{self.user_id}:{self.role}"




class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    source_kind = models.CharField(_("source"), max_length=30)
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    category = models.CharField(pgettext_lazy("case", "category"), max_length=20, choices=CaseCategory.choices)
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.ASSIGNED)
    lead_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="led_cases",
                                        verbose_name=_("lead department"))
    co_departments = models.ManyToManyField(Department, blank=True, related_name="co_cases",
                                            verbose_name=_("co-departments"))
    # Copy of lead_department.org_path, for scoping lists without a join.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    deadline_days = models.PositiveSmallIntegerField(_("working days allowed"))
    deadline = models.DateField(_("deadline"))
    # Incidents only: the exact moment the response is due (``deadline`` is its local date).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("handler"))
    reply = models.TextField(_("reply"), blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    # every voice's rating of the answer (a merged case is rated by each sender; ``rating`` is the first)
    rated_satisfied = models.PositiveIntegerField(default=0)
    rated_basically = models.PositiveIntegerField(default=0)
    rated_not_satisfied = models.PositiveIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    send_back_count = models.PositiveSmallIntegerField(default=0)
    voices = models.PositiveIntegerField(_("voices"), default=1)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # the supervision board and the jobs: open cases by state and deadline, per department
            models.Index(fields=["state", "deadline", "lead_department"], name="case_board_idx"),
            models.Index(fields=["lead_department", "state", "-assigned_at"], name="case_dept_idx"),
            # the board's red/yellow/green counts and the overdue count of the case list read only
            # these columns: a covering index lets SQLite count 100,000 open cases from the index
            # alone, without a row lookup per case (bench/module_cases.py)
            models.Index(fields=["state", "lead_department", "deadline", "due_at", "org_path"],
                         name="case_board_count_idx"),
            models.Index(fields=["source_kind", "source_id"], name="case_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in (CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.IN_PROGRESS)

    def is_overdue(self, today: object = None) -> bool:
        if not self.is_open:
            return False
        if self.due_at is not None and today is None:
            return self.due_at < timezone.now()
        day = today or timezone.localdate()
        return self.deadline < day  # type: ignore[operator]

    @property
    def ratings(self) -> dict[str, int]:
        return {"satisfied": self.rated_satisfied, "basically": self.rated_basically,
                "not_satisfied": self.rated_not_satisfied}

    @property
    def may_reopen(self) -> bool:
        """Rated, not reopened yet, and at least one voice (not only the first) is not satisfied."""
        return (self.state == "rated" and self.reopen_count == 0
                and (self.rating == "not_satisfied" or self.rated_not_satisfied > 0))

    def check_transition(self, new_state: str) -> None:
        if new_state not in TRANSITIONS.get(self.state, frozenset()):
            raise ValidationError({"state": gettext("A case cannot go from “%(old)s” to “%(new)s”.") % {
                "old": CaseState(self.state).label, "new": CaseState(new_state).label}})


class CaseEvent(models.Model):
    """One step of a case's timeline. ``public`` steps feed the public matter page."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("text"), blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("case timeline step")
        verbose_name_plural = _("case timeline steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class AccountabilityRecord(models.Model):
    """责任追究: who is held responsible for an overdue or reopened case, under which rule."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="accountability",
                             verbose_name=_("case"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    person = models.CharField(_("person held responsible"), max_length=100)
    rule = models.CharField(_("rule breached"), max_length=300)
    decision = models.CharField(_("decision"), max_length=30, choices=AccountabilityDecision.choices)
    notes = models.TextField(_("notes"), blank=True)
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.person}"


class CoInput(models.Model):
    """协办: what one co-department owes a case — its opinion or handling note, which the lead
    department reads before it replies. The lead cannot reply while a co-input is still owed,
    unless a supervisor waives it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="co_inputs", verbose_name=_("case"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="co_inputs",
                                   verbose_name=_("co-department"))
    state = models.CharField(_("state"), max_length=20, choices=CoInputState.choices, default=CoInputState.PENDING)
    deadline = models.DateField(_("input due by"))
    text = models.TextField(_("input"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    waive_reason = models.CharField(_("reason for waiving"), max_length=1000, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("co-department input")
        verbose_name_plural = _("co-department inputs")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["case", "department"], name="cases_coinput_unique")]
        indexes = [models.Index(fields=["state", "deadline"], name="case_coinput_due_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.department_id}:{self.state}"

    def is_overdue(self, today: object = None) -> bool:
        return self.state == CoInputState.PENDING and self.deadline < (today or timezone.localdate())  # type: ignore[operator]
