"""The online service centre (网络党员群众服务中心, issue 20): matters, versioned forms,
applications, approval chains over the organization tree, working-day time limits, documents
that anyone can verify."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Audience(models.TextChoices):
    MEMBERS = "members", _("Party members")
    PUBLIC = "public", _("Members and the public")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    TEXTAREA = "textarea", _("Long text")
    DATE = "date", _("Date")
    NUMBER = "number", pgettext_lazy("field type", "Number")
    CHOICE = "choice", _("Choice")
    FILE = "file", _("File")


class Anchor(models.TextChoices):
    """Where a chain step sits, relative to the applicant's organization."""

    OWN = "own", _("The applicant's organization")
    PARENT = "parent", _("Its parent organization")
    ANCESTOR = "ancestor", _("The nearest higher organization of a kind")
    FIXED = "fixed", _("A fixed organization")


class SignOffRule(models.TextChoices):
    ALL = "all", _("All approvers")
    ANY = "any", _("Any one approver")
    QUORUM = "quorum", _("N of the approvers")


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_PROGRESS = "in_progress", _("In progress")
    SUPPLEMENT = "supplement", _("More material requested")
    RETURNED = "returned", _("Returned to the applicant")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: States in which the application waits on an approver (the clock runs).
RUNNING = (State.SUBMITTED, State.IN_PROGRESS)
#: States in which the application is still open (not decided, not withdrawn).
OPEN = (State.SUBMITTED, State.IN_PROGRESS, State.SUPPLEMENT, State.RETURNED)
CLOSED = (State.APPROVED, State.REJECTED, State.WITHDRAWN)


class StepState(models.TextChoices):
    PENDING = "pending", _("Not reached yet")
    ACTIVE = "active", _("Waiting for sign-off")
    DONE = "done", _("Signed off")
    REJECTED = "rejected", _("Rejected")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


#: Warning thresholds (share of a step's working days used), in per cent.
WARN_LEVELS = (50, 80, 100)


#: What the history of an application shows for each kind of entry.
HISTORY_LABELS = {
    "submitted": _("Submitted"), "approve": _("Signed"), "approved": _("Approved"), "reject": _("Rejected"),
    "returned": _("Returned"), "supplement": _("More material requested"), "supplied": _("Material supplied"),
    "resubmitted": _("Submitted again"), "withdrawn": _("Withdrawn"), "escalated": _("Escalated (overdue)"),
    "fallback": _("Handed up: no approver"), "no_approver": _("No approver anywhere above"),
    "rated": _("Rated by the applicant"), "handed_over": _("Completed by the responsible module"),
}
