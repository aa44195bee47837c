"""API: live lectures (``/api/v1/learning/lectures``).

- ``GET lectures``: the lectures open to the caller (audience, lecturer, editors), a page at a time.
- ``GET lectures/{id}/messages?after=<id>`` → ``{status, version, messages, pinned}``: what the app
  lacks since the last message it has (poll every few seconds while ``status`` is ``live``;
  decision 0008).
- ``POST lectures/{id}/questions`` ``{text}`` → the question (audience members, live lectures);
  bad input → 400 naming ``text``; not live → 400 naming ``lecture``; nothing recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.learning.lectures.actions import do_ask_question
from dangjian.learning.lectures.models import Message
from dangjian.learning.lectures.selectors import access_lecture, lectures_for, messages_after, pinned_ids

router = Router(tags=["lectures"], auth=read_auth)
write_auth = [token_auth, django_auth]
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}


class LectureItem(Schema):
    id: int
    title: str
    organization: str
    lecturer: str
    status: str
    starts_at: dt.datetime


class LecturePage(Schema):
    items: list[LectureItem]
    count: int
    page: int
    page_size: int


class PageFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


class MessageOut(Schema):
    id: int
    kind: str
    author: str
    text: str
    created_at: dt.datetime
    url: str
    duration_s: int | None
    reply_to: int | None
    pinned: bool


class Feed(Schema):
    status: str
    version: int
    messages: list[MessageOut]
    pinned: list[int]


class AfterFilter(Schema):
    after: int = Field(0, ge=0, le=2**62)


class QuestionIn(InputSchema):
    text: str


def _message(m: Message) -> dict[str, Any]:
    return {"id": m.pk, "kind": m.kind, "author": m.author_name, "text": m.text, "created_at": m.created_at,
            "url": reverse("lectures:file", args=[m.lecture_id, m.pk]) if m.file else "",
            "duration_s": m.duration_s, "reply_to": m.reply_to_id, "pinned": m.pinned}


@router.get("/lectures", response={200: LecturePage, **READ_ERRORS}, summary="Lectures open to me (paginated)")
def list_lectures(request: HttpRequest, filters: Query[PageFilters]) -> dict[str, Any]:
    qs = lectures_for(api_user(request)).order_by("-starts_at", "-pk")
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    rows = list(qs[start:start + size]) if start < count else []
    return {"items": [{"id": x.pk, "title": x.title, "organization": x.organization.name,
                       "lecturer": x.lecturer.name or x.lecturer.username, "status": x.status,
                       "starts_at": x.starts_at} for x in rows],
            "count": count, "page": filters.page, "page_size": size}


@router.get("/lectures/{lecture_id}/messages", response={200: Feed, **READ_ERRORS},
            summary="A lecture room's messages after the last one I have")
def lecture_messages(request: HttpRequest, lecture_id: ObjectId, filters: Query[AfterFilter]) -> dict[str, Any]:
    lecture = access_lecture(api_user(request), lecture_id)
    return {"status": lecture.status, "version": lecture.version, "pinned": pinned_ids(lecture),
            "messages": [_message(m) for m in messages_after(lecture, filters.after)]
                         if filters.after < lecture.head else []}


@router.post("/lectures/{lecture_id}/questions", auth=write_auth, response={201: MessageOut, **WRITE_ERRORS},
             summary="Ask the lecturer a question")
def ask_question(request: HttpRequest, lecture_id: ObjectId, payload: QuestionIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    lecture = access_lecture(user, lecture_id)
    message = do_ask_question(lecture, payload.text, acting_user=user)
    message.created_at = message.created_at or timezone.now()
    return Status(201, _message(message))
