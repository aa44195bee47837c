"""API: exams (``/api/v1/learning/exams``).

- ``GET exams``: the exams open to the caller (published or closed, for their organization or one
  above it), a page at a time, with the caller's attempts used and best score.
- ``POST exams/{id}/start`` → the running attempt with its paper (questions without their answers)
  and ``deadline``/``seconds_left`` from the server's clock; a second call resumes it.
- ``POST attempts/{id}/answers`` ``{answers: {question id: answer}, submit}`` → the attempt;
  answers are single: option index, multiple: list of indexes, true_false: boolean, fill: text;
  ``null`` clears one. Bad input → 400 naming ``answers.<id>``, nothing recorded; after the
  deadline and its grace → 409 ``time_up`` (the attempt is marked with the answers saved before);
  a submitted attempt → 409 ``attempt_finished``.
- ``GET attempts/{id}/result``: score, pass, per question right or wrong (the right answers once
  the exam has closed); an attempt still running → 409 ``not_finished``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.core.ownmember import own_member
from dangjian.learning.exams import AttemptState, ExamStatus
from dangjian.learning.exams import actions as act
from dangjian.learning.exams.models import Attempt, Exam
from dangjian.learning.exams.selectors import access_attempt, access_exam, exams_for, paper_questions, with_own_attempts

router = Router(tags=["exams"], auth=read_auth)
write_auth = [token_auth, django_auth]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut, **READ_ERRORS}


class ExamItem(Schema):
    id: int
    title: str
    description: str
    organization: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    is_open: bool
    duration_minutes: int
    max_attempts: int
    question_count: int
    max_score: int
    pass_percent: int
    attempts_used: int
    best_score: int | None


class ExamPage(Schema):
    items: list[ExamItem]
    count: int
    page: int
    page_size: int


class PageFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class QuestionOut(Schema):
    id: int
    kind: str
    text: str
    options: list[str]


class AttemptOut(Schema):
    id: int
    exam: int
    number: int
    state: str
    started_at: dt.datetime | None
    deadline: dt.datetime | None
    seconds_left: int
    questions: list[QuestionOut]
    answers: dict[str, Any]


class AnswersIn(InputSchema):
    answers: dict[str, Any] = Field(default_factory=dict, description="Question id → answer (null clears it).")
    submit: bool = False


class QuestionResult(Schema):
    id: int
    right: bool
    points: int
    answer: Any = Field(None, description="The right answer; only once the exam has closed.")


class ResultOut(Schema):
    id: int
    exam: int
    number: int
    state: str
    score: int
    max_score: int
    passed: bool
    submitted_at: dt.datetime | None
    questions: list[QuestionResult]


def _is_open(e: Exam, now: dt.datetime) -> bool:
    return e.status == ExamStatus.PUBLISHED and e.opens_at <= now < e.closes_at


def _attempt(a: Attempt) -> dict[str, Any]:
    left = int((a.deadline - timezone.now()).total_seconds()) if a.deadline else 0
    return {"id": a.pk, "exam": a.exam_id, "number": a.number, "state": a.state, "started_at": a.started_at,
            "deadline": a.deadline, "seconds_left": max(0, left), "answers": a.answers,
            "questions": [{"id": q.pk, "kind": q.kind, "text": q.text, "options": q.options}
                          for q in paper_questions(a)]}


@router.get("/exams", response={200: ExamPage, **READ_ERRORS}, summary="Exams open to me (paginated)")
def list_exams(request: HttpRequest, filters: Query[PageFilters]) -> dict[str, Any]:
    user = api_user(request)
    qs = exams_for(user).order_by("-closes_at", "-pk")
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    exams = list(qs[start:start + size]) if start < count else []
    attempts = with_own_attempts(exams, own_member(user))
    now = timezone.now()
    items = [{"id": e.pk, "title": e.title, "description": e.description, "organization": e.organization.name,
              "opens_at": e.opens_at, "closes_at": e.closes_at, "is_open": _is_open(e, now),
              "duration_minutes": e.duration_minutes, "max_attempts": e.max_attempts,
              "question_count": e.question_count, "max_score": e.max_score, "pass_percent": e.pass_percent,
              "attempts_used": len(attempts[e.pk]),
              "best_score": max((a.score for a in attempts[e.pk] if a.score is not None), default=None)}
             for e in exams]
    return {"items": items, "count": count, "page": filters.page, "page_size": size}


@router.post("/exams/{exam_id}/start", auth=write_auth, response={200: AttemptOut, **WRITE_ERRORS},
             summary="Start (or resume) my attempt")
def start_exam(request: HttpRequest, exam_id: ObjectId) -> dict[str, Any]:
    user = api_user(request)
    exam = access_exam(user, exam_id)
    try:
        attempt = act.do_start_attempt(exam, acting_user=user)
    except ValidationError as exc:
        raise ApiError(409, "not_startable", " ".join(exc.messages), field="exam") from None
    attempt.exam = exam
    return _attempt(attempt)


@router.post("/attempts/{attempt_id}/answers", auth=write_auth, response={200: AttemptOut, **WRITE_ERRORS},
             summary="Save (and submit) my answers")
def save_answers(request: HttpRequest, attempt_id: ObjectId, payload: AnswersIn) -> dict[str, Any]:
    user = api_user(request)
    attempt = access_attempt(user, attempt_id)
    try:
        act.do_save_answers(attempt, payload.answers, submit=payload.submit, acting_user=user)
    except act.TimeUp as exc:
        raise ApiError(409, "time_up", " ".join(exc.messages), field="answers") from None
    except act.AttemptFinished as exc:
        raise ApiError(409, "attempt_finished", " ".join(exc.messages), field="attempt") from None
    return _attempt(attempt)


@router.get("/attempts/{attempt_id}/result", response={200: ResultOut, 409: ErrorOut, **READ_ERRORS},
            summary="The result of my attempt")
def attempt_result(request: HttpRequest, attempt_id: ObjectId) -> dict[str, Any]:
    attempt = act.finish_if_expired(access_attempt(api_user(request), attempt_id))
    if attempt.state not in (AttemptState.SUBMITTED, AttemptState.EXPIRED):
        raise ApiError(409, "not_finished", _("The attempt is still running."), field="attempt")
    reveal = timezone.now() >= attempt.exam.closes_at
    questions = [{"id": q.pk, "right": bool(attempt.marks.get(str(q.pk))), "points": attempt.marks.get(str(q.pk), 0),
                  "answer": q.answer if reveal else None} for q in paper_questions(attempt)]
    return {"id": attempt.pk, "exam": attempt.exam_id, "number": attempt.number, "state": attempt.state,
            "score": attempt.score or 0, "max_score": attempt.max_score, "passed": bool(attempt.passed),
            "submitted_at": attempt.submitted_at, "questions": questions}
