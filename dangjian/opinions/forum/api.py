"""API: the forum (``/api/v1/forum``). Anyone reads (boards, thread lists, threads with replies);
signed-in users post, reply, edit or delete their own posts and report posts with a bearer token.
Hidden, deleted and archived-board posts answer 404 as on the pages; posting too fast answers 429
with ``Retry-After``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from dangjian.core.apikit.auth import api_user, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.opinions.forum import selectors as sel
from dangjian.opinions.forum.actions import (
    BODY_MAX,
    REASON_MAX,
    REPLY_MAX,
    TITLE_MAX,
    PostingTooFast,
    can_change_own,
    do_create_reply,
    do_create_thread,
    do_delete_reply,
    do_delete_thread,
    do_edit_reply,
    do_edit_thread,
    do_report_post,
)
from dangjian.opinions.forum.models import Reply, Thread

router = Router(tags=["forum"], auth=None)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 429: ErrorOut, **READ_ERRORS}


class BoardOut(Schema):
    id: int
    name: str
    description: str
    order: int


class AuthorOut(Schema):
    name: str
    official: bool = Field(..., description="A staff account (official badge).")


class ThreadItem(Schema):
    id: int
    board: int
    title: str
    author: AuthorOut
    created_at: dt.datetime
    last_reply_at: dt.datetime
    edited_at: dt.datetime | None
    reply_count: int
    is_pinned: bool
    is_locked: bool
    is_hidden: bool = Field(..., description="Held for review: only the author and moderators see it.")


class ThreadPage(Schema):
    items: list[ThreadItem]
    count: int
    page: int
    page_size: int


class ReplyOut(Schema):
    id: int
    author: AuthorOut
    body: str
    created_at: dt.datetime
    edited_at: dt.datetime | None
    is_hidden: bool
    can_change: bool = Field(..., description="The caller may still edit or delete it.")


class ThreadDetail(ThreadItem):
    body: str
    can_change: bool
    replies: list[ReplyOut]
    replies_count: int
    page: int
    page_size: int


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ThreadIn(InputSchema):
    title: str = Field(..., max_length=TITLE_MAX * 2)
    body: str = Field(..., max_length=BODY_MAX * 2)


class ReplyIn(InputSchema):
    body: str = Field(..., max_length=REPLY_MAX * 2)


class ReportIn(InputSchema):
    reason: str = Field(..., max_length=REASON_MAX * 2)


class PostedOut(Schema):
    id: int
    is_hidden: bool = Field(..., description="Held for a moderator's review (a sensitive word).")


def _reader(request: HttpRequest) -> Any:
    """The caller for reads: the bearer token's user, else the browser session's, else anonymous."""
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        user = token_auth(request)
        if user is None:
            raise ApiError(401, "unauthorized", _("The bearer token is not valid."),
                           headers={"WWW-Authenticate": 'Bearer realm="api"'})
        return user
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else AnonymousUser()


def _too_fast(exc: PostingTooFast) -> ApiError:
    return ApiError(429, "rate_limited", exc.message, headers={"Retry-After": str(exc.seconds)})


def _author(post: Thread | Reply, official: set[int]) -> dict[str, Any]:
    return {"name": post.author.display_name, "official": post.author_id in official}


def _thread_item(t: Thread, official: set[int]) -> dict[str, Any]:
    return {
        "id": t.pk, "board": t.board_id, "title": t.title, "author": _author(t, official),
        "created_at": t.created_at, "last_reply_at": t.last_reply_at, "edited_at": t.edited_at,
        "reply_count": t.reply_count, "is_pinned": t.is_pinned, "is_locked": t.is_locked, "is_hidden": t.is_hidden,
    }


@router.get("/boards", response={200: list[BoardOut]}, summary="Open boards, in their order")
def list_boards(request: HttpRequest) -> Any:
    return [{"id": b.pk, "name": b.name, "description": b.description, "order": b.order}
            for b in sel.active_boards()[:200]]


@router.get("/boards/{board_id}/threads", response={200: ThreadPage, **READ_ERRORS},
            summary="A board's threads, pinned first, then by last reply; paginated")
def list_threads(request: HttpRequest, board_id: Path[ObjectId], query: Query[PageQuery]) -> Any:
    user = _reader(request)
    board = sel.access_board(board_id)
    page = Paginator(sel.threads_for(user, board), query.page_size).get_page(query.page)
    threads = list(page.object_list) if page.number == query.page else []
    official = sel.official_ids(t.author_id for t in threads)
    return {"items": [_thread_item(t, official) for t in threads], "count": page.paginator.count,
            "page": query.page, "page_size": query.page_size}


def _thread_detail(user: Any, t: Thread, page_no: int = 1, size: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    page = Paginator(sel.replies_for(user, t), size).get_page(page_no)
    replies = list(page.object_list) if page.number == page_no else []
    official = sel.official_ids([t.author_id, *(r.author_id for r in replies)])
    items = []
    for r in replies:
        r.thread = t
        items.append({"id": r.pk, "author": _author(r, official), "body": r.body, "created_at": r.created_at,
                      "edited_at": r.edited_at, "is_hidden": r.is_hidden, "can_change": can_change_own(user, r)})
    return {**_thread_item(t, official), "body": t.body, "can_change": can_change_own(user, t), "replies": items,
            "replies_count": page.paginator.count, "page": page_no, "page_size": size}


@router.get("/threads/{thread_id}", response={200: ThreadDetail, **READ_ERRORS},
            summary="A thread with a page of its replies")
def get_thread(request: HttpRequest, thread_id: Path[ObjectId], query: Query[PageQuery]) -> Any:
    user = _reader(request)
    return _thread_detail(user, sel.access_thread(user, thread_id), query.page, query.page_size)


@router.post("/boards/{board_id}/threads", auth=token_auth, response={201: PostedOut, **WRITE_ERRORS},
             summary="Start a thread (rate-limited per author)")
def post_thread(request: HttpRequest, board_id: Path[ObjectId], payload: ThreadIn) -> Any:
    user = api_user(request)
    board = sel.access_board(board_id)
    try:
        t = do_create_thread(board, payload.dict(), acting_user=user)
    except PostingTooFast as exc:
        raise _too_fast(exc) from None
    return Status(201, {"id": t.pk, "is_hidden": t.is_hidden})


@router.post("/threads/{thread_id}/replies", auth=token_auth, response={201: PostedOut, **WRITE_ERRORS},
             summary="Reply to a thread (rate-limited per author)")
def post_reply(request: HttpRequest, thread_id: Path[ObjectId], payload: ReplyIn) -> Any:
    user = api_user(request)
    t = sel.access_thread(user, thread_id)
    try:
        r = do_create_reply(t, payload.dict(), acting_user=user)
    except PostingTooFast as exc:
        raise _too_fast(exc) from None
    return Status(201, {"id": r.pk, "is_hidden": r.is_hidden})


def _own_thread(user: Any, thread_id: int) -> Thread:
    t = sel.access_thread(user, thread_id)
    if t.author_id != user.pk:
        raise ApiError(404, "not_found", _("Not found."))
    return t


def _own_reply(user: Any, reply_id: int) -> Reply:
    r = sel.access_reply(user, reply_id)
    if r.author_id != user.pk:
        raise ApiError(404, "not_found", _("Not found."))
    return r


@router.put("/threads/{thread_id}", auth=token_auth, response={200: ThreadDetail, **WRITE_ERRORS},
            summary="Edit your own thread (within the edit window; the earlier text is kept)")
def edit_thread(request: HttpRequest, thread_id: Path[ObjectId], payload: ThreadIn) -> Any:
    user = api_user(request)
    t = do_edit_thread(_own_thread(user, thread_id), payload.dict(), acting_user=user)
    return _thread_detail(user, sel.access_thread(user, t.pk))


@router.delete("/threads/{thread_id}", auth=token_auth, response={204: None, **WRITE_ERRORS},
               summary="Delete your own thread (within the edit window)")
def delete_thread(request: HttpRequest, thread_id: Path[ObjectId]) -> Any:
    user = api_user(request)
    do_delete_thread(_own_thread(user, thread_id), acting_user=user)
    return Status(204, None)


@router.put("/replies/{reply_id}", auth=token_auth, response={200: ReplyOut, **WRITE_ERRORS},
            summary="Edit your own reply (within the edit window; the earlier text is kept)")
def edit_reply(request: HttpRequest, reply_id: Path[ObjectId], payload: ReplyIn) -> Any:
    user = api_user(request)
    r = do_edit_reply(_own_reply(user, reply_id), payload.dict(), acting_user=user)
    return {"id": r.pk, "author": _author(r, sel.official_ids([r.author_id])), "body": r.body,
            "created_at": r.created_at, "edited_at": r.edited_at, "is_hidden": r.is_hidden,
            "can_change": can_change_own(user, r)}


@router.delete("/replies/{reply_id}", auth=token_auth, response={204: None, **WRITE_ERRORS},
               summary="Delete your own reply (within the edit window)")
def delete_reply(request: HttpRequest, reply_id: Path[ObjectId]) -> Any:
    user = api_user(request)
    do_delete_reply(_own_reply(user, reply_id), acting_user=user)
    return Status(204, None)


@router.post("/threads/{thread_id}/report", auth=token_auth, response={201: PostedOut, **WRITE_ERRORS},
             summary="Report a thread to the moderators")
def report_thread(request: HttpRequest, thread_id: Path[ObjectId], payload: ReportIn) -> Any:
    user = api_user(request)
    report = do_report_post(sel.access_thread(user, thread_id), payload.reason, acting_user=user)
    return Status(201, {"id": report.pk, "is_hidden": False})


@router.post("/replies/{reply_id}/report", auth=token_auth, response={201: PostedOut, **WRITE_ERRORS},
             summary="Report a reply to the moderators")
def report_reply(request: HttpRequest, reply_id: Path[ObjectId], payload: ReportIn) -> Any:
    user = api_user(request)
    report = do_report_post(sel.access_reply(user, reply_id), payload.reason, acting_user=user)
    return Status(201, {"id": report.pk, "is_hidden": False})
