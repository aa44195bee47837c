"""The mobile party school (手机党校, issue 16): courses, lessons, learning plans and honest
progress. Sub-apps (exams, lectures) live in their own packages under this one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Visibility(models.TextChoices):
    SUBTREE = "subtree", _("The organization and the organizations below it")
    PUBLIC = "public", _("Everyone signed in")


class LessonKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    PDF = "pdf", _("PDF slides")


#: Kinds whose progress is measured on a time line (the union of watched intervals).
TIMED = (LessonKind.VIDEO, LessonKind.AUDIO)
#: Kinds whose progress is measured in pages shown for a minimum time.
PAGED = (LessonKind.ARTICLE, LessonKind.PDF)


class MediaState(models.TextChoices):
    NONE = "none", _("No media")
    PENDING = "pending", _("Waiting to be converted")
    PROCESSING = "processing", _("Being converted")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Conversion failed")


class PointsKind(models.TextChoices):
    """What points may be earned for (one rule each per organization). Only verified activity:
    the honest progress of the party school; through ``core.hooks.activities_verified``:
    attendance confirmed by orglife, exams passed (the exams sub-app) and community volunteering
    confirmed by the services module."""

    LESSON_COMPLETED = "lesson_completed", _("Lesson completed")
    LEARNING_MINUTES = "learning_minutes", _("Minutes of lessons covered")
    MEETING_ATTENDED = "meeting_attended", _("Attended an organizational-life activity")
    EXAM_PASSED = "exam_passed", _("Exam passed")
    VOLUNTEERING = "volunteering", _("Volunteering")


#: Kinds some module reports today (the others can be set up; nothing credits them yet).
POINTS_REPORTED = (PointsKind.LESSON_COMPLETED, PointsKind.LEARNING_MINUTES, PointsKind.MEETING_ATTENDED,
                   PointsKind.EXAM_PASSED, PointsKind.VOLUNTEERING)
