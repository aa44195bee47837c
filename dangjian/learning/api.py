"""API: the party school (``/api/v1/learning``).

- ``GET courses``: the courses the caller may learn, a page at a time, each with its lessons
  (``id``, ``kind``, ``title``, ``duration_s``, ``media_url`` for video and audio).
- ``POST progress`` ``{lesson, position_s, start_s?, rate?, page?, id?, device?, seq?}`` →
  ``{credited_s, coverage, completed, position_s, duplicate, stale}``: one report of the player
  (see ``progress.py``: the server credits only what the time really elapsed allows, never a
  jump; a report overtaken by a later one of the same ``device`` — lower ``seq`` — is ``stale``
  and changes nothing).
- ``POST progress/batch`` ``{reports: [{id, lesson, …, at}]}``: reports made offline; idempotent
  by each report's ``id``, still bounded by the server's clock.
- ``GET lessons/{id}/progress``: where to resume.
- ``GET points``: the caller's points ledger, a page at a time (how each point was earned).
Bad input (an unknown lesson or one the caller may not see, a negative or absurd position, a
rate out of range) → 4xx ``{code, message, field}`` and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.learning import LessonKind, PointsKind, points
from dangjian.learning.actions import Outcome, do_record_progress, do_record_progress_batch
from dangjian.learning.models import Lesson
from dangjian.learning.progress import Report, completion_coverage
from dangjian.learning.selectors import (
    access_lesson,
    courses_for,
    coverage_of,
    lessons_for,
    progress_of,
    with_lessons,
)

router = Router(tags=["learning"], auth=read_auth)
write_auth = [token_auth, django_auth]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}


class LessonItem(Schema):
    id: int
    kind: str = Field(..., json_schema_extra={"enum": list(LessonKind.values)})  # type: ignore[dict-item]
    title: str
    estimated_minutes: int
    duration_s: float | None = Field(None, description="Video and audio: the length in seconds.")
    page_count: int | None = Field(None, description="Articles and PDF slides: the number of pages.")
    media_url: str | None = Field(None, description="Video and audio: the media (answers byte ranges).")
    audio_url: str | None = Field(None, description="Video: the sound only, for weak networks.")
    poster_url: str | None = None


class CourseItem(Schema):
    id: int
    title: str
    summary: str
    organization: str
    lessons: list[LessonItem]


class CoursePage(Schema):
    items: list[CourseItem]
    count: int
    page: int
    page_size: int


class LearningPageFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ProgressIn(InputSchema):
    lesson: ObjectId
    position_s: float = Field(0, description="Video/audio: the playhead now, in seconds.")
    start_s: float | None = Field(None, description="Where the stretch played since the last report began.")
    rate: float = Field(1.0, description="The playback rate.")
    page: int | None = Field(None, description="Articles and PDF slides: the page on screen (from 1).")
    id: str = Field("", max_length=64, description="The report's own id (a repeated id counts once).")
    device: str = Field("", max_length=64, description="The player's own id (any text, stable on the device).")
    seq: int | None = Field(None, ge=0, le=2**53 - 1,
                            description="The device's report number, rising: an older one arriving late is ignored.")


class BatchReportIn(ProgressIn):
    id: str = Field(..., min_length=1, max_length=64)
    at: dt.datetime = Field(..., description="When the report was made on the device.")


class BatchIn(InputSchema):
    reports: list[BatchReportIn] = Field(..., max_length=500)


class ProgressOut(Schema):
    lesson: int
    credited_s: float = Field(..., description="Seconds of the lesson newly credited by this report.")
    coverage: float = Field(..., description="The share of the lesson really seen, 0–1.")
    completed: bool
    position_s: float = Field(..., description="Where to resume (video/audio: seconds; paged: the page).")
    duplicate: bool = False
    stale: bool = Field(False, description="Overtaken by a later report of the same device: ignored.")


class BatchOut(Schema):
    results: list[ProgressOut]


class ResumeOut(Schema):
    lesson: int
    position_s: float
    coverage: float
    completed: bool
    completion_coverage: float


def _media(lesson: Lesson, variant: str) -> str:
    return reverse("learning:media", args=[lesson.pk, variant])


def _lesson(l: Lesson) -> dict[str, Any]:  # noqa: E741 - as the schema calls it
    ready = l.playable
    main = "small" if l.kind == LessonKind.VIDEO else ("audio" if l.audio else "source")
    return {"id": l.pk, "kind": l.kind, "title": l.title, "estimated_minutes": l.estimated_minutes,
            "duration_s": l.duration_s if l.timed else None, "page_count": None if l.timed else l.page_count,
            "media_url": _media(l, main) if ready else None,
            "audio_url": _media(l, "audio") if ready and l.kind == LessonKind.VIDEO and l.audio else None,
            "poster_url": _media(l, "poster") if l.poster else None}


def _out(o: Outcome) -> dict[str, Any]:
    return {"lesson": o.lesson, "credited_s": o.credited_s, "coverage": o.coverage, "completed": o.completed,
            "position_s": o.position_s, "duplicate": o.duplicate, "stale": o.stale}


def _report(p: ProgressIn, at: dt.datetime | None = None) -> Report:
    return Report(position_s=p.position_s, start_s=p.start_s, rate=p.rate, page=p.page, at=at, key=p.id,
                  device=p.device, seq=p.seq)


def _visible_lesson(user: Any, lesson_id: int) -> Lesson:
    try:
        return access_lesson(user, lesson_id)
    except Http404:
        raise ApiError(404, "not_found", str(_not_found()), field="lesson") from None


def _not_found() -> str:
    from django.utils.translation import gettext as _

    return _("No such lesson, or not one you may learn.")


@router.get("/courses", response={200: CoursePage, **READ_ERRORS}, summary="Courses I may learn (paginated)")
def list_courses(request: HttpRequest, filters: Query[LearningPageFilters]) -> dict[str, Any]:
    qs = courses_for(api_user(request))
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    rows = list(with_lessons(qs)[start:start + size]) if start < count else []
    return {"items": [{"id": c.pk, "title": c.title, "summary": c.summary, "organization": c.organization.name,
                       "lessons": [_lesson(x) for x in c.lessons.all()]} for c in rows],
            "count": count, "page": filters.page, "page_size": size}


class PointsItem(Schema):
    id: int
    kind: str = Field(..., json_schema_extra={"enum": list(PointsKind.values)})  # type: ignore[dict-item]
    kind_label: str
    label: str = Field(..., description="What was done: the lesson's title, the meeting's topic.")
    url: str
    day: dt.date
    units: int = Field(..., description="Lessons, meetings: 1; minutes of lessons: the whole minutes.")
    per_unit: int = Field(..., description="The organization's points for each unit at the time.")
    points: int = Field(..., description="The points given (after the daily cap).")
    capped: bool = Field(..., description="The daily cap held back some or all of the points.")


class PointsPage(Schema):
    enabled: bool = Field(..., description="Whether the caller's organization has points on.")
    year: int = Field(..., description="The caller's points this year.")
    today: int
    items: list[PointsItem]
    count: int
    page: int
    page_size: int


@router.get("/points", response={200: PointsPage, **READ_ERRORS}, summary="My points ledger (paginated)")
def list_points(request: HttpRequest, filters: Query[LearningPageFilters]) -> dict[str, Any]:
    user = api_user(request)
    effective = points.for_user(user)
    qs = points.ledger(user)
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    rows = list(qs[start:start + size]) if start < count else []
    totals = points.totals(user)
    return {"enabled": bool(effective and effective.enabled), "year": totals["year"], "today": totals["today"],
            "items": [{"id": e.pk, "kind": e.kind, "kind_label": str(e.get_kind_display()), "label": e.label,
                       "url": e.url, "day": e.day, "units": e.units, "per_unit": e.per_unit, "points": e.points,
                       "capped": e.capped} for e in rows],
            "count": count, "page": filters.page, "page_size": size}


@router.post("/progress", auth=write_auth, response={200: ProgressOut, **WRITE_ERRORS},
             summary="Report playback or reading progress")
def post_progress(request: HttpRequest, payload: ProgressIn) -> dict[str, Any]:
    received_at = timezone.now()
    user = api_user(request)
    lesson = _visible_lesson(user, payload.lesson)
    return _out(do_record_progress(lesson, _report(payload), acting_user=user, received_at=received_at))


@router.post("/progress/batch", auth=write_auth, response={200: BatchOut, **WRITE_ERRORS},
             summary="Report progress made offline (idempotent by report id)")
def post_progress_batch(request: HttpRequest, payload: BatchIn) -> dict[str, Any]:
    received_at = timezone.now()
    user = api_user(request)
    ids = {r.lesson for r in payload.reports}
    lessons = {x.pk: x for x in lessons_for(user).filter(pk__in=ids)}
    for n, r in enumerate(payload.reports):
        if r.lesson not in lessons:
            raise ApiError(404, "not_found", _not_found(), field=f"reports[{n}].lesson")
    items = [(lessons[r.lesson], _report(r, r.at)) for r in payload.reports]
    results = do_record_progress_batch(items, acting_user=user, received_at=received_at)
    return {"results": [_out(o) for o in results]}


@router.get("/lessons/{lesson_id}/progress", response={200: ResumeOut, **READ_ERRORS},
            summary="Where I left off in a lesson")
def get_progress(request: HttpRequest, lesson_id: ObjectId) -> dict[str, Any]:
    user = api_user(request)
    lesson = _visible_lesson(user, lesson_id)
    row = progress_of(user, [lesson]).get(lesson.pk)
    return {"lesson": lesson.pk, "position_s": row.position_s if row else 0.0,
            "coverage": round(coverage_of(lesson, row), 3), "completed": bool(row and row.completed_at),
            "completion_coverage": completion_coverage()}
