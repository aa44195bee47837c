"""Exams and quizzes of the mobile party school (issue 16): question banks per organization,
papers drawn at random from a bank, timed attempts with the clock on the server, automatic
marking, results per member and per organization."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    FILL = "fill", _("Fill in the blank")


#: The order the kinds come in on a paper.
KIND_ORDER = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE, QuestionKind.FILL)


class ExamStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", pgettext_lazy("exams", "Closed")


class AttemptState(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    RUNNING = "running", pgettext_lazy("exams", "In progress")
    SUBMITTED = "submitted", pgettext_lazy("exams", "Submitted")
    EXPIRED = "expired", _("Submitted at the time limit")


FINISHED = (AttemptState.SUBMITTED, AttemptState.EXPIRED)
