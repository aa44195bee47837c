"""The case engine (交办 → 办理 → 反馈 → 督办 → 问责): departments, working-day deadlines, supervision."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    SENT_BACK = "sent_back", _("Sent back")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied")
    RATED = "rated", _("Rated")
    CLOSED = "closed", _("Closed")


#: Allowed state changes (one action per arrow, see ``actions.py``).
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.ASSIGNED: frozenset({CaseState.ACCEPTED, CaseState.SENT_BACK}),
    CaseState.SENT_BACK: frozenset({CaseState.ASSIGNED, CaseState.CLOSED}),
    CaseState.ACCEPTED: frozenset({CaseState.IN_PROGRESS, CaseState.REPLIED}),
    CaseState.IN_PROGRESS: frozenset({CaseState.REPLIED}),
    CaseState.REPLIED: frozenset({CaseState.RATED, CaseState.CLOSED}),
    CaseState.RATED: frozenset({CaseState.CLOSED, CaseState.IN_PROGRESS}),
    CaseState.CLOSED: frozenset(),
}

#: States in which the lead department still owes a reply (the deadline runs).
OPEN_STATES = (CaseState.ASSIGNED, CaseState.ACCEPTED, CaseState.IN_PROGRESS)


class CaseCategory(models.TextChoices):
    CONSULTATION = "consultation", _("Inquiry")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLAINT = "complaint", _("Complaint")
    URGENT = "urgent", _("Urgent matter")
    PRAISE = "praise", _("Praise")
    INCIDENT = "incident", _("Public-opinion incident")


#: Working days a department has to reply, per category; override with
#: ``settings.CASES_DEADLINE_WORKDAYS = {"complaint": 3, ...}``.
DEFAULT_DEADLINE_WORKDAYS: dict[str, int] = {
    CaseCategory.CONSULTATION: 5,
    CaseCategory.SUGGESTION: 15,
    CaseCategory.COMPLAINT: 10,
    CaseCategory.URGENT: 2,
    CaseCategory.PRAISE: 5,
    CaseCategory.INCIDENT: 1,
}

#: Incidents (舆情) run on hours, not working days: the lead department must respond within this
#: many hours (``settings.CASES_INCIDENT_HOURS``; a single incident may set its own).
DEFAULT_INCIDENT_HOURS = 24
INCIDENT_SOURCE = "incident"

#: A case is "yellow" on the board when its deadline is at most this many working days away;
#: override with ``settings.CASES_DUE_SOON_WORKDAYS``.
DEFAULT_DUE_SOON_WORKDAYS = 2
#: Reminders go out this many working days before the deadline (``settings.CASES_REMIND_WORKDAYS``).
DEFAULT_REMIND_WORKDAYS = 1


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class MemberRole(models.TextChoices):
    HEAD = "head", _("Head")
    HANDLER = "handler", _("Handler")
    SUPERVISOR = "supervisor", _("Supervisor")


class EventKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("Accepted")
    SENT_BACK = "sent_back", _("Sent back")
    REASSIGNED = "reassigned", _("Reassigned")
    STARTED = "started", _("Handling started")
    REPLIED = "replied", _("Replied")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    VOICE_ADDED = "voice_added", _("Another voice joined")
    REMINDED = "reminded", _("Deadline reminder")
    OVERDUE = "overdue", _("Overdue, escalated")
    SUPERVISION = "supervision", _("Supervision note")
    ACCOUNTABILITY = "accountability", _("Accountability record")
    STATEMENT = "statement", _("Public statement")
    CO_INPUT = "co_input", _("Co-department input")
    CO_WAIVED = "co_waived", _("Co-department input waived")
    CO_OVERDUE = "co_overdue", _("Co-department overdue, escalated")


#: Timeline steps the public may see (``selectors.case_timeline``).
PUBLIC_EVENTS = frozenset({
    EventKind.ASSIGNED, EventKind.ACCEPTED, EventKind.REASSIGNED, EventKind.STARTED, EventKind.REPLIED,
    EventKind.RATED, EventKind.REOPENED, EventKind.CLOSED, EventKind.STATEMENT, EventKind.CO_INPUT,
    EventKind.CO_WAIVED,
})


class CoInputState(models.TextChoices):
    """A co-department's part of a case (协办): its input is owed, given, or waived by a supervisor."""

    PENDING = "pending", _("Input owed")
    SUBMITTED = "submitted", _("Input given")
    WAIVED = "waived", _("Waived")


#: Working days a co-department has for its input (``settings.CASES_CO_DEADLINE_WORKDAYS``); never
#: later than the case's own deadline, so the lead department sees the input before it must reply.
DEFAULT_CO_DEADLINE_WORKDAYS = 3


class AccountabilityDecision(models.TextChoices):
    REMINDER_TALK = "reminder_talk", _("Reminder talk")
    CRITICISM = "criticism", _("Criticism and education")
    WRITTEN_REVIEW = "written_review", _("Written self-criticism")
    NOTICE = "notice", _("Circulated notice of criticism")
    REFERRED = "referred", _("Referred to the discipline inspection commission")
    NO_ACTION = "no_action", _("No responsibility found")
