"""Question banks, questions, exams and attempts.

A bank and an exam belong to an organization (``org_path`` copies its materialized path, the
column scoping filters on). An attempt is one member's go at an exam: its paper (question ids)
is drawn from the bank with the attempt's own ``seed`` when the exam is published (state
``prepared``), so starting it is one conditional UPDATE; ``deadline`` is fixed on the server when
it starts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.learning.exams import AttemptState, ExamStatus, QuestionKind


class QuestionBank(models.Model):
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["org_path", "title", "pk"]
        verbose_name = _("question bank")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """``options``: the choices' texts (single and multiple choice). ``answer``: the index of the
    right option (single), the sorted indexes (multiple), ``true``/``false`` (true or false), or
    the accepted alternatives (fill in; compared after normalising, see ``marking.normalise``)."""

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(pgettext_lazy("exam question", "kind"), max_length=16, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(pgettext_lazy("exam question", "answer"))
    explanation = models.TextField(_("explanation"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["bank", "kind", "pk"]
        indexes = [models.Index(fields=["bank", "kind", "active"], name="exams_q_bank_kind_idx")]
        verbose_name = _("question")

    def __str__(self) -> str:
        return self.text[:40]


class Exam(models.Model):
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="exams",
                             verbose_name=_("question bank"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ExamStatus.choices, default=ExamStatus.DRAFT)
    single_count = models.PositiveSmallIntegerField(_("single-choice questions"), default=0)
    multiple_count = models.PositiveSmallIntegerField(_("multiple-choice questions"), default=0)
    true_false_count = models.PositiveSmallIntegerField(_("true-or-false questions"), default=0)
    fill_count = models.PositiveSmallIntegerField(_("fill-in questions"), default=0)
    single_points = models.PositiveSmallIntegerField(_("points per single-choice question"), default=2)
    multiple_points = models.PositiveSmallIntegerField(_("points per multiple-choice question"), default=3)
    true_false_points = models.PositiveSmallIntegerField(_("points per true-or-false question"), default=1)
    fill_points = models.PositiveSmallIntegerField(_("points per fill-in question"), default=2)
    pass_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)
    duration_minutes = models.PositiveSmallIntegerField(_("time allowed (minutes)"), default=30)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    #: Members in the audience when it was published, and attempts drawn so far (the progress of
    #: the background preparation).
    audience_size = models.PositiveIntegerField(default=0)
    prepared_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["status", "closes_at"], name="exams_exam_status_idx")]
        verbose_name = _("exam")

    def __str__(self) -> str:
        return self.title

    def counts(self) -> dict[str, int]:
        return {QuestionKind.SINGLE: self.single_count, QuestionKind.MULTIPLE: self.multiple_count,
                QuestionKind.TRUE_FALSE: self.true_false_count, QuestionKind.FILL: self.fill_count}

    def points(self) -> dict[str, int]:
        return {QuestionKind.SINGLE: self.single_points, QuestionKind.MULTIPLE: self.multiple_points,
                QuestionKind.TRUE_FALSE: self.true_false_points, QuestionKind.FILL: self.fill_points}

    @property
    def question_count(self) -> int:
        return sum(self.counts().values())

    @property
    def max_score(self) -> int:
        points = self.points()
        return sum(n * points[k] for k, n in self.counts().items())


class Attempt(models.Model):
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="attempts")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    #: The member's organization when the attempt was drawn (results per organization).
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, db_index=True)
    number = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=16, choices=AttemptState.choices, default=AttemptState.PREPARED)
    seed = models.BigIntegerField()
    paper = models.JSONField(default=list)
    answers = models.JSONField(default=dict)
    prepared_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(null=True)
    #: Per question id: the points earned (filled in when marked).
    marks = models.JSONField(default=dict)

    class Meta:
        ordering = ["exam", "member", "number"]
        constraints = [models.UniqueConstraint(fields=["exam", "member", "number"], name="exams_attempt_once")]
        indexes = [models.Index(fields=["state", "deadline"], name="exams_attempt_deadline_idx"),
                   models.Index(fields=["exam", "org_path"], name="exams_attempt_exam_org_idx")]

    def __str__(self) -> str:
        return f"{self.exam_id}/{self.member_id}#{self.number}"

    @property
    def finished(self) -> bool:
        return self.state in (AttemptState.SUBMITTED, AttemptState.EXPIRED)
