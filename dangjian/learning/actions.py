"""Every write of the party school. Each action checks permission, validates (messages naming
the field), writes in one transaction and records its audit event; side effects after commit."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user, signed_in
from dangjian.core.sanitize import clean_html
from dangjian.core.scoping import require
from dangjian.learning import PAGED, TIMED, CourseStatus, LessonKind, MediaState, Visibility
from dangjian.learning import progress as rules
from dangjian.learning.models import Course, LearningPlan, Lesson, LessonProgress, PlanCourse, ProgressReceipt
from dangjian.learning.selectors import MANAGE, adoptable_courses, coverage_of
from dangjian.orgs.models import Organization

_COURSE_FIELDS = ("title", "summary", "visibility")
_LESSON_FIELDS = ("kind", "title", "order", "estimated_minutes", "body", "duration_s", "page_count", "page_seconds")
MAX_BATCH = 500


def _text(data: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        raise ValidationError({name: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({name: _("At most %(n)d characters.") % {"n": max_length}})
    return value


def _number(data: dict[str, Any], name: str, default: float, low: float, high: float) -> float:
    raw = data.get(name, default)
    try:
        value = float(default if raw in (None, "") else raw)
    except (TypeError, ValueError):
        raise ValidationError({name: _("Enter a number.")}) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError({name: _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}})
    return value


# --- courses -----------------------------------------------------------------------------------------

def do_save_course(org: Organization, data: dict[str, Any], *, course: Course | None = None,
                   acting_user: ActingUser) -> Course:
    """Create a course of ``org`` (a draft), or change ``course``."""
    require(acting_user, MANAGE, course.org_path if course else org.path)
    title = _text(data, "title")
    summary = _text(data, "summary", required=False, max_length=2000)
    visibility = data.get("visibility") or Visibility.SUBTREE
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose who may learn the course.")})
    with transaction.atomic():
        before = {f: getattr(course, f) for f in _COURSE_FIELDS} if course else None
        if course is None:
            course = Course(organization=org, org_path=org.path, created_by=as_user(acting_user))
        course.title, course.summary, course.visibility = title, summary, visibility
        course.save()
        audit.record(acting_user, "course.changed" if before else "course.created", course, before=before,
                     after={f: getattr(course, f) for f in _COURSE_FIELDS}, org_path=course.org_path,
                     target_label=course.title)
    return course


def publish_problems(course: Course) -> list[str]:
    """Why ``course`` cannot be published yet (empty: it can)."""
    lessons = list(course.lessons.all())
    if not lessons:
        return [_("Add at least one lesson.")]
    problems = []
    for lesson in lessons:
        if lesson.timed and not lesson.playable:
            if lesson.media_state == MediaState.FAILED:
                problems.append(_("“%(title)s”: the media conversion failed; upload the file again.")
                                % {"title": lesson.title})
            else:
                problems.append(_("“%(title)s”: the media is not ready yet.") % {"title": lesson.title})
        if lesson.paged and lesson.kind == LessonKind.ARTICLE and not lesson.body.strip():
            problems.append(_("“%(title)s”: the article has no text.") % {"title": lesson.title})
        if lesson.kind == LessonKind.PDF and not lesson.source:
            problems.append(_("“%(title)s”: upload the PDF file.") % {"title": lesson.title})
    return problems


def do_publish_course(course: Course, *, acting_user: ActingUser) -> Course:
    """Publish a draft: every lesson must be complete (a lesson whose media failed or is still being
    converted keeps the course a draft — never a broken lesson in front of learners)."""
    require(acting_user, MANAGE, course.org_path)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.PUBLISHED:
            raise ValidationError({"status": _("The course is already published.")})
        problems = publish_problems(course)
        if problems:
            raise ValidationError({"status": problems})
        course.status, course.published_at = CourseStatus.PUBLISHED, timezone.now()
        course.save(update_fields=["status", "published_at", "updated_at"])
        audit.record(acting_user, "course.published", course, org_path=course.org_path, target_label=course.title)
    return course


def do_unpublish_course(course: Course, *, acting_user: ActingUser) -> Course:
    require(acting_user, MANAGE, course.org_path)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status != CourseStatus.PUBLISHED:
            raise ValidationError({"status": _("The course is not published.")})
        course.status = CourseStatus.DRAFT
        course.save(update_fields=["status", "updated_at"])
        audit.record(acting_user, "course.unpublished", course, org_path=course.org_path, target_label=course.title)
    return course


# --- lessons -----------------------------------------------------------------------------------------

def do_save_lesson(course: Course, data: dict[str, Any], *, lesson: Lesson | None = None,
                   acting_user: ActingUser) -> Lesson:
    """Add a lesson to ``course`` or change ``lesson``. The kind of a lesson with media is fixed."""
    require(acting_user, MANAGE, course.org_path)
    kind = data.get("kind") or (lesson.kind if lesson else "")
    if kind not in LessonKind.values:
        raise ValidationError({"kind": _("Choose the kind of lesson.")})
    if lesson is not None and kind != lesson.kind and lesson.source:
        raise ValidationError({"kind": _("A lesson with an uploaded file keeps its kind.")})
    body = str(clean_html(str(data.get("body") or ""))) if kind in PAGED else ""
    if len(body) > 200_000:
        raise ValidationError({"body": _("The text is too long.")})
    clean: dict[str, Any] = {
        "kind": kind,
        "title": _text(data, "title"),
        "order": int(_number(data, "order", lesson.order if lesson else course.lessons.count() + 1, 0, 10_000)),
        "estimated_minutes": int(_number(data, "estimated_minutes", 5, 1, 600)),
        "body": body,
        "duration_s": _number(data, "duration_s", lesson.duration_s if lesson else 0, 0, 36_000),
        "page_count": int(_number(data, "page_count", 1, 1, 500)),
        "page_seconds": int(_number(data, "page_seconds", 0, 0, 3600)),
    }
    with transaction.atomic():
        before = {f: getattr(lesson, f) for f in _LESSON_FIELDS if f != "body"} if lesson else None
        if lesson is None:
            lesson = Lesson(course=course)
        for name, value in clean.items():
            setattr(lesson, name, value)
        if lesson.kind in TIMED and lesson.media_state == MediaState.NONE and lesson.duration_s and lesson.source:
            lesson.media_state = MediaState.READY
        lesson.save()
        audit.record(acting_user, "lesson.saved", lesson, before=before,
                     after={f: getattr(lesson, f) for f in _LESSON_FIELDS if f != "body"},
                     org_path=course.org_path, target_label=lesson.title)
    return lesson


def do_delete_lesson(lesson: Lesson, *, acting_user: ActingUser) -> None:
    course = lesson.course
    require(acting_user, MANAGE, course.org_path)
    if course.status == CourseStatus.PUBLISHED:
        raise ValidationError({"lesson": _("Withdraw the course to draft before deleting a lesson.")})
    with transaction.atomic():
        audit.record(acting_user, "lesson.deleted", lesson, org_path=course.org_path, target_label=lesson.title)
        lesson.delete()


# --- plans -------------------------------------------------------------------------------------------

def do_save_plan(org: Organization, data: dict[str, Any], *, plan: LearningPlan | None = None,
                 acting_user: ActingUser) -> LearningPlan:
    """Create a learning plan of ``org`` (or change ``plan``): a title and a due date."""
    require(acting_user, MANAGE, plan.org_path if plan else org.path)
    title = _text(data, "title")
    due_on = data.get("due_on")
    if isinstance(due_on, str):
        try:
            due_on = dt.date.fromisoformat(due_on)
        except ValueError:
            due_on = None
    if not isinstance(due_on, dt.date):
        raise ValidationError({"due_on": _("Enter the due date (YYYY-MM-DD).")})
    with transaction.atomic():
        before = {"title": plan.title, "due_on": plan.due_on} if plan else None
        if plan is None:
            plan = LearningPlan(organization=org, org_path=org.path, created_by=as_user(acting_user))
        plan.title, plan.due_on = title, due_on
        plan.save()
        audit.record(acting_user, "learning_plan.saved", plan, before=before,
                     after={"title": title, "due_on": due_on}, org_path=plan.org_path, target_label=plan.title)
    return plan


def do_add_plan_course(plan: LearningPlan, course: Course, *, acting_user: ActingUser) -> PlanCourse:
    """Put a published course into the plan: the organization's own, one from above (adopted), or a
    public one."""
    require(acting_user, MANAGE, plan.org_path)
    if not adoptable_courses(plan).filter(pk=course.pk).exists():
        raise ValidationError({"course": _("Choose a published course of this organization, one above it, "
                                           "or a public course, not already in the plan.")})
    with transaction.atomic():
        item = PlanCourse.objects.create(plan=plan, course=course, adopted=course.org_path != plan.org_path,
                                         added_by=as_user(acting_user))
        audit.record(acting_user, "learning_plan.course_added", plan,
                     after={"course": course.title, "adopted": item.adopted}, org_path=plan.org_path,
                     target_label=plan.title)
    return item


def do_remove_plan_course(plan: LearningPlan, course: Course, *, acting_user: ActingUser) -> None:
    require(acting_user, MANAGE, plan.org_path)
    with transaction.atomic():
        deleted, _rows = PlanCourse.objects.filter(plan=plan, course=course).delete()
        if not deleted:
            raise ValidationError({"course": _("The course is not in the plan.")})
        audit.record(acting_user, "learning_plan.course_removed", plan, before={"course": course.title},
                     org_path=plan.org_path, target_label=plan.title)


# --- progress ----------------------------------------------------------------------------------------

@dataclass
class Outcome:
    lesson: int
    credited_s: float
    coverage: float
    completed: bool
    position_s: float
    duplicate: bool = False


def check_report(lesson: Lesson, report: rules.Report) -> None:
    """Refuse a report that cannot be true of ``lesson``, naming the field."""
    if lesson.timed:
        if not lesson.playable:
            raise ValidationError({"lesson": _("This lesson cannot be played yet.")})
        for name in ("position_s", "start_s"):
            value = getattr(report, name)
            if value is None:
                continue
            if not math.isfinite(value) or value < 0 or value > lesson.duration_s + 2:
                raise ValidationError({name: _("A position must lie between 0 and the lesson's length "
                                               "(%(length)d seconds).") % {"length": math.ceil(lesson.duration_s)}})
        if report.start_s is not None and report.start_s > report.position_s:
            raise ValidationError({"start_s": _("The start of a stretch cannot lie after its end.")})
        if not math.isfinite(report.rate) or not 0 < report.rate <= 16:
            raise ValidationError({"rate": _("The playback rate must be above 0 and at most 16.")})
    else:
        if report.page is None or not 1 <= report.page <= lesson.page_count:
            raise ValidationError({"page": _("The page must be from 1 to %(n)d.") % {"n": lesson.page_count}})
    if report.at is not None and timezone.is_naive(report.at):
        raise ValidationError({"at": _("The time needs a time zone.")})
    if len(report.key) > 64:
        raise ValidationError({"id": _("At most %(n)d characters.") % {"n": 64}})


def _locked_progress(user: Any, lesson: Lesson) -> LessonProgress:
    """The progress row, locked for this transaction (made if missing; two devices racing to make
    it end with one row)."""
    row = LessonProgress.objects.select_for_update().filter(user=user, lesson=lesson).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            LessonProgress.objects.create(user=user, lesson=lesson)
    except IntegrityError:
        pass
    return LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)


def _apply(user: Any, lesson: Lesson, report: rules.Report, received_at: dt.datetime) -> Outcome:
    if report.key:
        try:
            with transaction.atomic():
                ProgressReceipt.objects.create(user=user, key=report.key, created_at=received_at)
        except IntegrityError:
            row = LessonProgress.objects.filter(user=user, lesson=lesson).first()
            return Outcome(lesson.pk, 0.0, coverage_of(lesson, row), bool(row and row.completed_at),
                           row.position_s if row else 0.0, duplicate=True)
    row = _locked_progress(user, lesson)
    state = rules.state_of(row)
    t = rules.report_time(state, report, received_at)
    if lesson.timed:
        credited = rules.apply_timed(state, report, t, lesson.duration_s)
    else:
        credited = rules.apply_paged(state, report, t, lesson.seconds_per_page())
    for name in ("intervals", "covered_s", "pages", "position_s", "anchor_at", "anchor_pos", "bank_s"):
        setattr(row, name, getattr(state, name))
    row.reports += 1
    row.updated_at = received_at
    cov = coverage_of(lesson, row)
    finished = row.completed_at is None and cov >= rules.completion_coverage() - 1e-9
    if finished:
        row.completed_at = received_at
    row.save()
    if finished:
        audit.record(user, "lesson.completed", lesson, after={"coverage": round(cov, 3)},
                     org_path=lesson.course.org_path, target_label=lesson.title)
    return Outcome(lesson.pk, credited, round(cov, 3), row.completed_at is not None, row.position_s)


def do_record_progress(lesson: Lesson, report: rules.Report, *, acting_user: ActingUser,
                       received_at: dt.datetime | None = None) -> Outcome:
    """Apply one report from the player (``received_at``: the server's clock when it arrived)."""
    user = signed_in(acting_user)
    check_report(lesson, report)
    with transaction.atomic():
        return _apply(user, lesson, report, received_at or timezone.now())


def do_record_progress_batch(items: Sequence[tuple[Lesson, rules.Report]], *, acting_user: ActingUser,
                             received_at: dt.datetime | None = None) -> list[Outcome]:
    """Apply reports made offline, in the order of their own times. Each needs an id: a batch sent
    again is applied once. Every report is checked first; a bad one refuses the whole batch."""
    user = signed_in(acting_user)
    if len(items) > MAX_BATCH:
        raise ValidationError({"reports": _("At most %(n)d reports at a time.") % {"n": MAX_BATCH}})
    received_at = received_at or timezone.now()
    for n, (lesson, report) in enumerate(items):
        if not report.key:
            raise ValidationError({f"reports[{n}].id": _("Each report of a batch needs its id.")})
        try:
            check_report(lesson, report)
        except ValidationError as exc:
            raise ValidationError({f"reports[{n}].{k}": v for k, v in exc.message_dict.items()}) from None
    order = sorted(range(len(items)), key=lambda i: (items[i][1].at or received_at, i))
    results: list[Outcome | None] = [None] * len(items)
    with transaction.atomic():
        for i in order:
            lesson, report = items[i]
            results[i] = _apply(user, lesson, report, received_at)
    return [r for r in results if r is not None]


# --- media -------------------------------------------------------------------------------------------

#: File name endings accepted per kind.
MEDIA_TYPES = {LessonKind.VIDEO: (".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".flv", ".3gp"),
               LessonKind.AUDIO: (".mp3", ".m4a", ".aac", ".wav", ".ogg", ".amr", ".flac"),
               LessonKind.PDF: (".pdf",)}


def do_upload_lesson_media(lesson: Lesson, upload: Any, *, acting_user: ActingUser) -> Lesson:
    """Store a lesson's file. Video and audio are then converted in the background (the lesson
    shows the progress, or the failure); a PDF is ready at once."""
    course = lesson.course
    require(acting_user, MANAGE, course.org_path)
    allowed = MEDIA_TYPES.get(LessonKind(lesson.kind))
    name = str(getattr(upload, "name", "") or "")
    if allowed is None:
        raise ValidationError({"file": _("An article has no media file.")})
    if not name.lower().endswith(allowed):
        raise ValidationError({"file": _("Upload a file ending in %(types)s.") % {"types": " ".join(allowed)}})
    limit = int(getattr(settings, "LEARNING_MAX_UPLOAD_MB", 1024)) * 1024 * 1024
    if (getattr(upload, "size", 0) or 0) > limit:
        raise ValidationError({"file": _("The file is larger than %(n)d MB.") % {"n": limit // (1024 * 1024)}})
    if lesson.kind == LessonKind.PDF and not upload.read(5).startswith(b"%PDF-"):
        raise ValidationError({"file": _("The file is not a PDF.")})
    if hasattr(upload, "seek"):
        upload.seek(0)
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        lesson.source.save(f"{lesson.pk}-{secrets.token_hex(6)}{Path(name).suffix.lower()}", upload, save=False)
        timed = lesson.kind in TIMED
        lesson.media_state = MediaState.PENDING if timed else MediaState.READY
        lesson.media_progress, lesson.media_error = 0, ""
        lesson.uploaded_by = as_user(acting_user)
        lesson.save()
        audit.record(acting_user, "lesson.media_uploaded", lesson, after={"file": Path(name).suffix.lower()},
                     org_path=course.org_path, target_label=lesson.title)
        if timed:
            from dangjian.learning.tasks import transcode_lesson

            pk = lesson.pk
            transaction.on_commit(lambda: transcode_lesson.enqueue(pk))
    return lesson


def do_remind_plan(plan: LearningPlan, *, acting_user: ActingUser) -> int:
    """Send one reminder to the members of the plan's subtree who have not finished it: once per
    plan (no daily nagging). Returns how many were reminded."""
    from dangjian.core.notifications import notify
    from dangjian.learning.selectors import plan_report

    require(acting_user, MANAGE, plan.org_path)
    with transaction.atomic():
        claimed = LearningPlan.objects.filter(pk=plan.pk, reminded_at__isnull=True).update(reminded_at=timezone.now())
        if not claimed:
            raise ValidationError({"plan": _("The members were already reminded of this plan.")})
        report = plan_report(plan)
        if not report["lessons"]:
            raise ValidationError({"plan": _("The plan has no published lessons yet.")})
        recipients = [r["user_id"] for r in report["rows"] if r["user_id"] and not r["finished"]]
        audit.record(acting_user, "learning_plan.reminded", plan, after={"reminded": len(recipients)},
                     org_path=plan.org_path, target_label=plan.title)
        if recipients:
            notify(recipients, "learning.plan", title=_("Learning plan “%(title)s” is due on %(date)s")
                   % {"title": plan.title, "date": f"{plan.due_on:%Y-%m-%d}"},
                   body=_("Please finish its lessons in the party school."), url=reverse("learning:courses"))
    return len(recipients)
