"""Organizational life (三会一课 and more): planning, attendance, records, ledgers, compliance."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityKind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", _("Branch assembly")
    COMMITTEE_MEETING = "committee_meeting", _("Branch committee meeting")
    GROUP_MEETING = "group_meeting", _("Party group meeting")
    PARTY_LECTURE = "party_lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Theme party day")
    LIFE_MEETING = "life_meeting", _("Organizational life meeting")
    MEMBER_REVIEW = "member_review", _("Democratic review of members")
    HEART_TALK = "heart_talk", _("Heart-to-heart talk")


#: Kinds whose attendees the planner picks (no roster to compute them from).
PICKED_ATTENDEE_KINDS = frozenset({ActivityKind.COMMITTEE_MEETING, ActivityKind.HEART_TALK})
#: Kinds whose quorum is shown live (DOMAIN.md §6).
QUORUM_KINDS = frozenset({ActivityKind.BRANCH_ASSEMBLY, ActivityKind.COMMITTEE_MEETING})


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", pgettext_lazy("activity", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


TRANSITIONS: dict[str, frozenset[str]] = {
    ActivityStatus.PLANNED: frozenset({ActivityStatus.IN_PROGRESS, ActivityStatus.CANCELLED}),
    ActivityStatus.IN_PROGRESS: frozenset({ActivityStatus.CLOSED, ActivityStatus.CANCELLED}),
    ActivityStatus.CLOSED: frozenset(),
    ActivityStatus.CANCELLED: frozenset(),
}
#: Statuses in which attendance, leave and votes can still change.
OPEN_STATUSES = frozenset({ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS})


class LeaveStatus(models.TextChoices):
    NONE = "", _("No leave asked")
    PENDING = "pending", _("Leave asked")
    APPROVED = "approved", _("Leave approved")
    REJECTED = "rejected", _("Leave refused")


class CheckinMethod(models.TextChoices):
    QR = "qr", _("Scanned the venue QR code")
    SECRETARY = "secretary", _("Signed in by the secretary")
    REMOTE = "remote", _("Joined online")


class VoteChoice(models.TextChoices):
    YES = "yes", pgettext_lazy("vote", "Yes")
    NO = "no", pgettext_lazy("vote", "No")
    ABSTAIN = "abstain", _("Abstain")


class Grade(models.TextChoices):
    """Grades of the democratic review of members (民主评议党员, DOMAIN.md §6)."""

    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASICALLY_QUALIFIED = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class CriticismKind(models.TextChoices):
    SELF = "self", _("Self-criticism")
    PEER = "peer", _("Criticism by others")


class CommitteePost(models.TextChoices):
    """A seat on the branch committee (支委会)."""

    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    MEMBER = "member", _("Committee member")


class TalkPairRule(models.TextChoices):
    """Who must hold a heart-to-heart talk with whom at least once a year (``HEART_TALK_PAIRS``)."""

    COMMITTEE = "committee", _("Every pair of committee members")
    SECRETARY_MEMBERS = "secretary_members", _("The secretary with each member of the branch")
