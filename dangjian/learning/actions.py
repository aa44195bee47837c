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
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, validators
from dangjian.core.actors import ActingUser, as_user, signed_in
from dangjian.core.sanitize import LESSON, clean_html
from dangjian.core.scoping import require
from dangjian.learning import PAGED, TIMED, CourseStatus, LessonKind, MediaState, PointsKind, Visibility
from dangjian.learning import progress as rules
from dangjian.learning.models import (
    Course,
    LearningPlan,
    Lesson,
    LessonProgress,
    PlanCourse,
    PointsEntry,
    PointsRule,
    PointsSettings,
    PointsTally,
    ProgressReceipt,
)
from dangjian.learning.points import POINTS, effective_many, member_path, member_paths
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


def do_publish_record_lesson(org: Organization, *, title: str, summary: str, body: str, seconds: float,
                             acting_user: ActingUser) -> Lesson:
    """A published one-lesson course of ``org`` made from a record the party school keeps
    elsewhere (a finished live lecture): an article lesson (``body``, cleaned; ``<audio>`` players
    allowed) that counts, like every article, once its page has been on screen ``seconds`` (the
    time to read and listen to it, 20 s–1 h). Learners are the course's usual audience (``org``
    and the organizations below it). No ``learning.manage`` check: the calling action decided who
    may make the record (the lecture's lecturer or an editor of it) and calls this inside its own
    transaction."""
    body = str(clean_html(body, LESSON))
    if not body.strip():
        raise ValidationError({"body": _("This field is required.")})
    seconds = int(min(max(seconds, 20), 3600))
    with transaction.atomic():
        course = Course.objects.create(organization=org, org_path=org.path, title=title[:200],
                                       summary=summary[:2000], visibility=Visibility.SUBTREE,
                                       status=CourseStatus.PUBLISHED, published_at=timezone.now(),
                                       created_by=as_user(acting_user))
        lesson = Lesson.objects.create(course=course, kind=LessonKind.ARTICLE, title=title[:200], order=1,
                                       estimated_minutes=max(1, math.ceil(seconds / 60)), body=body, page_count=1,
                                       page_seconds=seconds)
        audit.record(acting_user, "course.published", course, after={"lesson": lesson.pk, "from": "record"},
                     org_path=course.org_path, target_label=course.title)
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
    due_on = validators.as_date(data.get("due_on"))
    if due_on is None:
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
    stale: bool = False


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
    if len(report.device) > 64:
        raise ValidationError({"device": _("At most %(n)d characters.") % {"n": 64}})
    if report.seq is not None and not 0 <= report.seq <= MAX_SEQ:
        raise ValidationError({"seq": _("The report number must be from 0 to %(n)d.") % {"n": MAX_SEQ}})


#: The largest report number (what a JavaScript number holds exactly).
MAX_SEQ = 2**53 - 1


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
    devices = dict(row.devices or {})
    if rules.is_stale(devices, report):
        # Overtaken by a later report of the same device: applying it would move the resume
        # position back (and its stretch was already claimed by the later one).
        return Outcome(lesson.pk, 0.0, round(coverage_of(lesson, row), 3), row.completed_at is not None,
                       row.position_s, stale=True)
    row.devices = rules.remember(devices, report)
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
    if credited > 0 or finished:
        _credit_learning(user, lesson, row, credited, finished, received_at)
    return Outcome(lesson.pk, credited, round(cov, 3), row.completed_at is not None, row.position_s)


def _credit_learning(user: Any, lesson: Lesson, row: LessonProgress, credited: float, finished: bool,
                     received_at: dt.datetime) -> None:
    """Points for what this report verified (nothing unless the learner's organization has them
    on): the newly covered seconds (a key per applied report) and the lesson's completion (a key
    per lesson: once ever)."""
    path = member_path(user)
    if path is None:
        return
    day = timezone.localdate(received_at)
    url = reverse("learning:lesson", args=[lesson.pk])
    credits = []
    if credited > 0:
        credits.append(Credit(user_id=user.pk, kind=PointsKind.LEARNING_MINUTES, key=f"learning.report:{row.pk}:{row.reports}",
                              day=day, seconds=credited, label=lesson.title, url=url))
    if finished:
        credits.append(Credit(user_id=user.pk, kind=PointsKind.LESSON_COMPLETED, key=f"learning.lesson:{lesson.pk}",
                              day=day, label=lesson.title, url=url))
    credit_points(credits, paths={user.pk: path})


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


# --- the learning exchange: comments under lessons --------------------------------------------------

COMMENT_KIND = "lesson"  # the comment target registered in core.hooks (learning/hooks.py)


def do_comment_lesson(lesson: Lesson, data: dict[str, Any], *, acting_user: ActingUser, ip: str = "") -> dict[str, Any]:
    """A learner's comment under a lesson, sent through the portal's moderation pipeline
    (``core.hooks.submit_comment``: sensitive words, pre-moderation, its review queue, official
    answers; moderated by ``portal.moderate`` of the course's organization). Only someone who may
    learn the lesson comments on it. Returns ``{"id", "status"}``; bad input raises
    ValidationError naming the field, nothing written."""
    from dangjian.core.hooks import submit_comment
    from dangjian.learning.selectors import lessons_for

    user = signed_in(acting_user)
    if not lessons_for(user).filter(pk=lesson.pk).exists():
        raise PermissionDenied(_("You may not comment on this lesson."))
    course = lesson.course
    return submit_comment(COMMENT_KIND, str(lesson.pk), title=f"{course.title} · {lesson.title}",
                          org_path=course.org_path, data={"name": data.get("name", ""), "body": data.get("body", "")},
                          user=user, ip=ip)


# --- points (积分) -------------------------------------------------------------------------------------

_TRUE = (True, "on", "1", "true", "yes")
MAX_RULE_POINTS = 100
MAX_DAILY_CAP = 1000


def do_save_points_settings(org: Organization, data: dict[str, Any], *, acting_user: ActingUser) -> PointsSettings:
    """Give ``org`` settings of its own (they then apply to its subtree, unless an organization
    below has its own): points on or off, rankings on or off, and per kind of activity the points
    each and the most a member can earn by it in a day (``<kind>_points``, ``<kind>_cap``)."""
    require(acting_user, POINTS, org.path)
    enabled = data.get("enabled") in _TRUE
    rankings = data.get("rankings") in _TRUE
    if rankings and not enabled:
        raise ValidationError({"rankings": _("Rankings need points to be on.")})
    rules: dict[str, tuple[int, int]] = {}
    for kind in PointsKind.values:
        points = int(_number(data, f"{kind}_points", 0, 0, MAX_RULE_POINTS))
        cap = int(_number(data, f"{kind}_cap", 0, 0, MAX_DAILY_CAP))
        if points and cap < points:
            raise ValidationError({f"{kind}_cap": _("The daily cap must be at least the points given each time "
                                                    "(%(n)d).") % {"n": points}})
        rules[kind] = (points, cap)
    with transaction.atomic():
        row = PointsSettings.objects.select_for_update().filter(organization=org).first()
        before = None
        if row is None:
            row = PointsSettings(organization=org, org_path=org.path)
        else:
            before = {"enabled": row.enabled, "rankings": row.rankings,
                      "rules": {r.kind: [r.points, r.daily_cap] for r in row.rules.all()}}
        row.enabled, row.rankings = enabled, rankings
        row.changed_by, row.changed_at = as_user(acting_user), timezone.now()
        row.save()
        PointsRule.objects.filter(settings=row).delete()
        PointsRule.objects.bulk_create([PointsRule(settings=row, kind=k, points=p, daily_cap=c)
                                        for k, (p, c) in rules.items() if p])
        audit.record(acting_user, "points.settings_saved", org, before=before,
                     after={"enabled": enabled, "rankings": rankings,
                            "rules": {k: [p, c] for k, (p, c) in rules.items() if p}},
                     org_path=org.path, target_label=org.name)
    return row


def do_inherit_points_settings(org: Organization, *, acting_user: ActingUser) -> None:
    """Drop ``org``'s own settings: those of the organizations above apply again (or none: off)."""
    require(acting_user, POINTS, org.path)
    with transaction.atomic():
        row = PointsSettings.objects.select_for_update().filter(organization=org).first()
        if row is None:
            raise ValidationError({"org": _("This organization has no points settings of its own.")})
        before = {"enabled": row.enabled, "rankings": row.rankings}
        row.delete()
        audit.record(acting_user, "points.settings_removed", org, before=before, org_path=org.path,
                     target_label=org.name)


@dataclass(frozen=True)
class Credit:
    """One verified activity of a member. ``key`` is unique per member and activity (the same
    activity never credits twice). Minutes of lessons: ``seconds`` newly covered; every whole
    minute of the day's total earns the rule's points."""

    user_id: int
    kind: str
    key: str
    day: dt.date
    seconds: float = 0.0
    label: str = ""
    url: str = ""


def _locked_tally(user_id: int, day: dt.date, kind: str) -> PointsTally:
    row = PointsTally.objects.select_for_update().filter(user_id=user_id, day=day, kind=kind).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            PointsTally.objects.create(user_id=user_id, day=day, kind=kind)
    except IntegrityError:
        pass
    return PointsTally.objects.select_for_update().get(user_id=user_id, day=day, kind=kind)


def credit_points(credits: Sequence[Credit], *, paths: dict[int, str] | None = None) -> list[PointsEntry]:
    """Credit verified activity where the member's organization has points on and a rule for it.
    Called by this module's actions (progress) and the verified-activity listener, inside their
    transaction. Each member's tally of the kind and day is locked, so the daily cap holds under
    any concurrency; a key already in the ledger credits nothing. ``paths``: ``{user_id:
    org_path}`` when the caller knows the members' organizations."""
    if not credits:
        return []
    if paths is None:
        paths = member_paths(c.user_id for c in credits)
    settings_at = effective_many(set(paths.values()))
    out: list[PointsEntry] = []
    with transaction.atomic():
        for c in credits:
            path = paths.get(c.user_id)
            if path is None:
                continue
            rule = settings_at[path].rule(c.kind)
            if rule is None:
                continue
            tally = _locked_tally(c.user_id, c.day, c.kind)
            if PointsEntry.objects.filter(user_id=c.user_id, key=c.key).exists():
                continue
            units = 1
            if c.kind == PointsKind.LEARNING_MINUTES:
                before, tally.seconds = tally.seconds, tally.seconds + max(c.seconds, 0.0)
                units = int(tally.seconds // 60) - int(before // 60)
            points = 0
            if units > 0:
                points = min(units * rule.points, max(rule.daily_cap - tally.points, 0))
                try:
                    with transaction.atomic():
                        out.append(PointsEntry.objects.create(
                            user_id=c.user_id, org_path=path, kind=c.kind, key=c.key[:100], day=c.day, units=units,
                            per_unit=rule.points, points=points, capped=points < units * rule.points,
                            label=c.label[:200], url=c.url[:300]))
                except IntegrityError:
                    continue
            tally.points += points
            tally.save(update_fields=["points", "seconds"])
    return out


def on_activities_verified(events: list[dict[str, Any]]) -> None:
    """The verified-activity listener (``core.hooks.register_activity_listener``): attendance from
    orglife, exams passed, volunteering confirmed by services. Unknown kinds are ignored."""
    credits = [Credit(user_id=int(e["user_id"]), kind=str(e["kind"]), key=str(e["key"]), day=e["day"],
                      label=str(e.get("label") or ""), url=str(e.get("url") or ""))
               for e in events if e.get("kind") in PointsKind.values and e.get("user_id") and e.get("key")
               and isinstance(e.get("day"), dt.date)]
    credit_points(credits)
