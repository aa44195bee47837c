"""Courses and their lessons, learning plans, and each learner's progress on a lesson."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.learning import PAGED, TIMED, CourseStatus, LessonKind, MediaState, PointsKind, Visibility


class Course(models.Model):
    """A course of an organization: seen by its subtree, or by everyone signed in (public)."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="courses",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    visibility = models.CharField(_("who may learn it"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.SUBTREE)
    status = models.CharField(_("status"), max_length=10, choices=CourseStatus.choices, default=CourseStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "visibility"])]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    """One lesson of a course: an article, a video, an audio or PDF slides."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    kind = models.CharField(_("kind"), max_length=10, choices=LessonKind.choices)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated time (minutes)"), default=5)
    body = models.TextField(_("text"), blank=True)
    # Timed lessons: the length of the media in seconds (from the conversion, or typed).
    duration_s = models.FloatField(_("length (seconds)"), default=0)
    # Paged lessons: how many pages, and how long each must be shown to count.
    page_count = models.PositiveSmallIntegerField(_("pages"), default=1)
    page_seconds = models.PositiveSmallIntegerField(_("seconds each page must be shown"), default=0,
                                                    help_text=_("0: the site's default."))
    # Media: the upload, then what the conversion made (paths under MEDIA_ROOT, private).
    source = models.FileField(_("media file"), upload_to="learning/source/", blank=True, max_length=255)
    media_state = models.CharField(max_length=12, choices=MediaState.choices, default=MediaState.NONE)
    media_progress = models.PositiveSmallIntegerField(default=0)  # per cent of the conversion done
    media_error = models.TextField(blank=True)
    video_small = models.CharField(max_length=255, blank=True)
    video_large = models.CharField(max_length=255, blank=True)
    audio = models.CharField(max_length=255, blank=True)
    poster = models.CharField(max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course_id", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def timed(self) -> bool:
        return self.kind in TIMED

    @property
    def paged(self) -> bool:
        return self.kind in PAGED

    @property
    def playable(self) -> bool:
        """A timed lesson a learner can play: converted, with a length."""
        return self.timed and self.media_state == MediaState.READY and self.duration_s > 0

    def seconds_per_page(self) -> int:
        return self.page_seconds or int(getattr(settings, "LEARNING_PAGE_SECONDS", 20))


class LearningPlan(models.Model):
    """An organization's plan: the courses its members are to finish by a date."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="learning_plans",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due date"))
    courses: models.ManyToManyField[Course, Any] = models.ManyToManyField(Course, through="PlanCourse",
                                                                          related_name="plans")
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("learning plan")
        verbose_name_plural = _("learning plans")
        ordering = ["-due_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class PlanCourse(models.Model):
    """A course required by a plan; ``adopted`` when it comes from an organization above."""

    plan = models.ForeignKey(LearningPlan, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="plan_items")
    adopted = models.BooleanField(default=False)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "course"], name="learning_plan_course_once")]
        ordering = ["plan_id", "pk"]


class LessonProgress(models.Model):
    """What one learner has really seen of one lesson (see ``progress.py`` for the rules).

    ``intervals``: the union of watched stretches ``[[start, end], …]`` in media seconds, merged
    and sorted; ``covered_s`` their total. ``pages``: seconds each page was shown (paged kinds).
    ``anchor_at``/``anchor_pos``/``bank_s``: where and when (server time) the last report left
    off and how much playback time has passed unused — what the next report may claim.
    ``position_s``: where to resume, on any device.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    intervals = models.JSONField(default=list)
    covered_s = models.FloatField(default=0)
    pages = models.JSONField(default=dict)
    position_s = models.FloatField(default=0)
    anchor_at = models.DateTimeField(null=True, blank=True)
    anchor_pos = models.FloatField(default=0)
    bank_s = models.FloatField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    reports = models.PositiveIntegerField(default=0)
    #: The last report number applied per device ``{device id: seq}`` (a later-arriving older
    #: report of a device is ignored); the most recent ``progress.MAX_DEVICES`` devices.
    devices = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="learning_progress_once")]
        indexes = [models.Index(fields=["user", "-updated_at"])]


class ProgressReceipt(models.Model):
    """A report already applied (its client id), so a batch sent twice counts once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="learning_receipt_once")]


# --- points (积分, off by default) ------------------------------------------------------------------

class PointsSettings(models.Model):
    """An organization's points settings. They apply to its subtree unless an organization below
    has settings of its own (the nearest organization with settings decides, as a whole); with no
    settings anywhere above a member, points are off."""

    organization = models.OneToOneField("orgs.Organization", on_delete=models.CASCADE, related_name="points_settings",
                                        verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, unique=True, editable=False)
    enabled = models.BooleanField(_("points on"), default=False)
    rankings = models.BooleanField(_("rankings on"), default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")


class PointsRule(models.Model):
    """Points per unit of one kind of activity (a lesson, a minute, a meeting) and a daily cap."""

    settings = models.ForeignKey(PointsSettings, on_delete=models.CASCADE, related_name="rules")
    kind = models.CharField(_("activity"), max_length=20, choices=PointsKind.choices)
    points = models.PositiveSmallIntegerField(_("points each"), default=0)
    daily_cap = models.PositiveSmallIntegerField(_("at most per day"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["settings", "kind"], name="learning_points_rule_once")]


class PointsEntry(models.Model):
    """One credit of the points ledger: which verified activity (``key``, unique per member: the
    same activity never credits twice), how many units, the points given after the daily cap."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_entries")
    org_path = models.CharField(max_length=255, editable=False)  # the member's organization when credited
    kind = models.CharField(max_length=20, choices=PointsKind.choices)
    key = models.CharField(max_length=100)
    day = models.DateField()
    units = models.PositiveIntegerField(default=1)
    per_unit = models.PositiveSmallIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)
    capped = models.BooleanField(default=False)
    label = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="learning_points_key_once")]
        indexes = [models.Index(fields=["user", "-day"], name="learning_points_user_idx"),
                   models.Index(fields=["org_path", "day"], name="learning_points_path_day_idx")]
        ordering = ["-day", "-pk"]


class PointsTally(models.Model):
    """A member's points of one kind on one day (locked while crediting, so the daily cap holds
    however many credits arrive at once), and the covered seconds not yet a whole minute."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=20, choices=PointsKind.choices)
    points = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day", "kind"], name="learning_points_tally_once")]
