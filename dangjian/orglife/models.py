"""Organizational life: activities, their attendees (with leave and check-in), materials,
photos, resolutions and votes, and the marks that keep the reminder job idempotent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.orglife import (
    ActivityKind,
    ActivityStatus,
    CheckinMethod,
    CommitteePost,
    CriticismKind,
    Grade,
    LeaveStatus,
    VoteChoice,
)


class Activity(models.Model):
    """One meeting, lecture, theme day, review or talk of a branch (or of one of its groups)."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="activities", verbose_name=_("branch"))
    # Copy of organization.path: scoping and the compliance counts are one index range.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    party_group = models.ForeignKey(
        "orgs.PartyGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="activities",
        verbose_name=_("party group"))
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    topic = models.CharField(_("topic"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online meeting link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED)
    chair = models.CharField(_("chair"), max_length=64, blank=True)
    minute_taker = models.CharField(_("minute-taker"), max_length=64, blank=True)
    minutes = models.TextField(_("minutes"), blank=True, help_text=_("Sanitised HTML."))
    # Who gave a party lecture (recorded when it is closed): "each secretary gives at least one
    # party lecture a year" is checked against it.
    lecturer = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="orglife_lectures", verbose_name=_("lecturer"))
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    notified_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The ledger line, frozen when the activity is closed.
    expected_count = models.PositiveIntegerField(default=0)
    present_full = models.PositiveIntegerField(default=0)
    present_probationary = models.PositiveIntegerField(default=0)
    present_guests = models.PositiveIntegerField(default=0)
    leave_count = models.PositiveIntegerField(default=0)
    absent_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["org_path", "status", "starts_at"], name="orglife_act_path_status_idx"),
            models.Index(fields=["organization", "status", "kind", "starts_at"], name="orglife_act_org_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_online(self) -> bool:
        return bool(self.online_link)


class Attendee(models.Model):
    """An expected attendee, fixed when the activity is planned."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendees")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="orglife_attendances",
                               verbose_name=_("member"))
    # Voting right at planning: full members of the branch. Probationary members and guests
    # (floating members hosted here, DOMAIN.md §8) take part without a vote.
    has_vote = models.BooleanField(_("has a vote"), default=False)
    is_full = models.BooleanField(default=False)
    is_floating_guest = models.BooleanField(_("floating member (guest)"), default=False)
    leave_status = models.CharField(_("leave"), max_length=10, choices=LeaveStatus.choices, blank=True, default="")
    leave_reason = models.CharField(_("reason for leave"), max_length=300, blank=True)
    leave_asked_at = models.DateTimeField(null=True, blank=True)
    leave_decided_at = models.DateTimeField(null=True, blank=True)
    leave_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    checked_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    checkin_method = models.CharField(_("sign-in"), max_length=10, choices=CheckinMethod.choices, blank=True)
    absence_reason = models.CharField(_("reason for absence"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [models.UniqueConstraint(fields=["activity", "member"], name="orglife_unique_attendee")]

    def __str__(self) -> str:
        return str(self.member_id)

    @property
    def present(self) -> bool:
        return self.checked_in_at is not None


class Material(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(upload_to="orglife/materials/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Photo(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="orglife/photos/%Y/%m/")
    content_type = models.CharField(max_length=20)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.image.name)


class Resolution(models.Model):
    """A motion put to the vote during the activity; the outcome is fixed at closing."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="resolutions")
    title = models.CharField(_("motion"), max_length=200)
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    passed = models.BooleanField(null=True, default=None)
    entitled = models.PositiveIntegerField(default=0)
    yes = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)
    abstain = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="votes")
    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="votes")
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resolution", "attendee"], name="orglife_one_vote")]


class ReminderMark(models.Model):
    """One reminder per branch per period: the scheduled job may run any number of times."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="orglife_unique_reminder")]


class ReviewAssessment(models.Model):
    """Democratic review: a member's self-assessment, the mutual assessments they receive, and
    the grade the branch gives (full members only; probationary members take part ungraded)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="assessments")
    attendee = models.OneToOneField(Attendee, on_delete=models.CASCADE, related_name="assessment")
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review assessment")
        verbose_name_plural = _("review assessments")

    def __str__(self) -> str:
        return f"{self.attendee_id}: {self.grade}"


class MutualRating(models.Model):
    """One member's suggested grade for another (mutual assessment)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="mutual_ratings")
    rater = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="ratings_given")
    ratee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="ratings_received")
    grade = models.CharField(max_length=12, choices=Grade.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rater", "ratee"], name="orglife_one_rating_per_pair")]


class CriticismItem(models.Model):
    """Life meeting: a criticism or self-criticism item recorded for a participant."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="criticisms")
    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE, related_name="criticisms")
    kind = models.CharField(_("kind"), max_length=10, choices=CriticismKind.choices)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(default=timezone.now)


class Rectification(models.Model):
    """Life meeting: a follow-up rectification item, tracked until it is done."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="rectifications")
    attendee = models.ForeignKey(Attendee, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="rectifications")
    text = models.CharField(_("rectification item"), max_length=300)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("how it was done"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.text


class CommitteeSeat(models.Model):
    """A member's seat on a branch committee (支委会) over a span of dates: who must hold
    heart-to-heart talks with whom, and which secretary owes the year's party lecture."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("branch"))
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="orglife_committee_seats",
                               verbose_name=_("member"))
    post = models.CharField(_("post"), max_length=20, choices=CommitteePost.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("committee seat")
        verbose_name_plural = _("committee seats")
        indexes = [models.Index(fields=["organization", "start_date"], name="orglife_seat_org_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(end_date__isnull=True)
                                              | models.Q(end_date__gte=models.F("start_date")),
                                              name="orglife_seat_dates")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.post}"
