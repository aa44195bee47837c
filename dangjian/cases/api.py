"""API: cases (``/api/v1/cases``). Reads are scoped like the pages (``cases.view`` over the lead
department's organization, or membership of the lead or a co-department); out of scope = 404.
Department actions (accept, send back, reply) take a bearer token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import field_validator

from dangjian.cases import CaseState
from dangjian.cases.actions import do_accept_case, do_reply_case, do_send_back_case, do_submit_co_input
from dangjian.cases.models import Case
from dangjian.cases.selectors import (
    access_case,
    access_department,
    acting_co_department,
    case_timeline,
    cases_for,
    co_inputs,
    filter_cases,
)
from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ErrorOut, InputSchema, ObjectId

router = Router(tags=["cases"], auth=read_auth)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
#: Lists count at most this many matching cases: counting 38,000 overdue cases of a province
#: costs more than the page itself, and nobody pages that far (use filters or the cursor).
COUNT_CAP = 10_000
_STATES: list[str] = list(CaseState.values)
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}


class CaseFilters(Schema):
    dept: int | None = Field(None, ge=1, le=MAX_ID, description="Lead department id.")
    state: str | None = Field(None, json_schema_extra={"enum": _STATES})  # type: ignore[dict-item]
    overdue: bool | None = Field(None, description="true: open and past the deadline; false: the others.")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    after: str | None = Field(None, max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}\.\d{1,18}$",
                              description="Keyset cursor: the `next` of the previous page (then `page` is ignored).")

    @field_validator("dept", "state", "overdue", "after", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str | None) -> str | None:
        if value is not None and value not in _STATES:
            raise ValueError("must be one of " + ", ".join(_STATES))
        return value


class DeptRef(Schema):
    id: int
    name: str


class CaseItem(Schema):
    id: int
    number: str
    title: str
    category: str
    state: str
    lead_department: DeptRef
    deadline: dt.date
    due_at: dt.datetime | None = Field(None, description="Incidents: the hour the response is due.")
    overdue: bool
    voices: int
    assigned_at: dt.datetime


class TimelineStep(Schema):
    at: dt.datetime
    kind: str
    label: str
    department: str
    text: str


class CoInputOut(Schema):
    department: DeptRef
    state: str = Field(..., description="pending (owed), submitted or waived")
    deadline: dt.date
    overdue: bool
    text: str
    submitted_at: dt.datetime | None


class CaseDetail(CaseItem):
    summary: str
    co_departments: list[DeptRef]
    co_inputs: list[CoInputOut]
    deadline_days: int
    reply: str
    rating: str
    ratings: dict[str, int] = Field(..., description="Every voice's rating of the answer, counted.")
    reopen_count: int
    source_kind: str
    timeline: list[TimelineStep]


class CasePage(Schema):
    items: list[CaseItem]
    count: int = Field(..., description=f"Matching cases, counted up to {COUNT_CAP:,} (see count_capped).")
    count_capped: bool = Field(False, description="True when there are more cases than `count`.")
    page: int
    page_size: int
    next: str | None = Field(None, description="Cursor for the next page (`after=`), when there is one.")


class SendBackIn(InputSchema):
    reason: str = Field(..., max_length=2000)


class CoInputIn(InputSchema):
    text: str = Field(..., max_length=8000)
    department: int | None = Field(None, ge=1, le=MAX_ID,
                                   description="The co-department (needed only if you act for several).")


class CaseReplyIn(InputSchema):
    reply: str = Field(..., max_length=8000)


def _item(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk, "number": c.number, "title": c.title, "category": c.category, "state": c.state,
        "lead_department": {"id": c.lead_department_id, "name": c.lead_department.name},
        "deadline": c.deadline, "due_at": c.due_at, "overdue": c.is_overdue(), "voices": c.voices, "assigned_at": c.assigned_at,
    }


def _detail(c: Case) -> dict[str, Any]:
    return {
        **_item(c), "summary": c.summary, "deadline_days": c.deadline_days,
        "co_departments": [{"id": d.pk, "name": d.name} for d in c.co_departments.all()],
        "co_inputs": [{"department": {"id": ci.department_id, "name": ci.department.name}, "state": ci.state,
                       "deadline": ci.deadline, "overdue": ci.is_overdue(), "text": ci.text,
                       "submitted_at": ci.submitted_at} for ci in co_inputs(c)],
        "reply": c.reply, "rating": c.rating, "ratings": c.ratings, "reopen_count": c.reopen_count, "source_kind": c.source_kind,
        "timeline": case_timeline(c),
    }


@router.get("", response={200: CasePage, **READ_ERRORS}, summary="Cases in scope, filtered and paginated")
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    user = api_user(request)
    if filters.dept is not None:
        access_department(user, filters.dept)
    now = timezone.now()
    qs = filter_cases(cases_for(user), dept=filters.dept, state=filters.state, overdue=filters.overdue, now=now)
    size = filters.page_size
    counted = qs.order_by()[:COUNT_CAP + 1].count()
    ordered = qs.order_by("deadline", "pk")
    if filters.after:
        day, _dot, last_pk = filters.after.partition(".")
        try:
            after_day = dt.date.fromisoformat(day)
        except ValueError:
            raise ApiError(422, "invalid", _("The cursor is not valid."), field="after") from None
        ordered = ordered.filter(Q(deadline__gt=after_day) | Q(deadline=after_day, pk__gt=int(last_pk)))
        start = 0
    else:
        start = (filters.page - 1) * size
    # Deferred join: pick the page's ids from the covering index (no row lookups for the sort),
    # then read those rows only.
    ids = list(ordered.values_list("pk", flat=True)[start:start + size + 1])
    more, ids = len(ids) > size, ids[:size]
    found = Case.objects.select_related("lead_department").in_bulk(ids)
    rows = [found[pk] for pk in ids if pk in found]
    nxt = f"{rows[-1].deadline.isoformat()}.{rows[-1].pk}" if more and rows else None
    return {"items": [_item(c) for c in rows], "count": min(counted, COUNT_CAP), "count_capped": counted > COUNT_CAP,
            "page": filters.page, "page_size": size, "next": nxt}


@router.get("/{case_id}", response={200: CaseDetail, **READ_ERRORS}, summary="One case with its public timeline")
def get_case(request: HttpRequest, case_id: Path[ObjectId]) -> Any:
    return _detail(access_case(api_user(request), case_id))


@router.post("/{case_id}/accept", auth=token_auth, response={200: CaseDetail, **WRITE_ERRORS},
             summary="The lead department accepts the case")
def accept_case(request: HttpRequest, case_id: Path[ObjectId]) -> Any:
    user = api_user(request)
    return _detail(do_accept_case(access_case(user, case_id), acting_user=user))


@router.post("/{case_id}/send-back", auth=token_auth, response={200: CaseDetail, **WRITE_ERRORS},
             summary="The lead department sends the case back, with a reason")
def send_back_case(request: HttpRequest, case_id: Path[ObjectId], payload: SendBackIn) -> Any:
    user = api_user(request)
    return _detail(do_send_back_case(access_case(user, case_id), reason=payload.reason, acting_user=user))


@router.post("/{case_id}/reply", auth=token_auth, response={200: CaseDetail, **WRITE_ERRORS},
             summary="The lead department replies")
def reply_case(request: HttpRequest, case_id: Path[ObjectId], payload: CaseReplyIn) -> Any:
    user = api_user(request)
    return _detail(do_reply_case(access_case(user, case_id), reply=payload.reply, acting_user=user))


@router.post("/{case_id}/co-input", auth=token_auth, response={200: CaseDetail, **WRITE_ERRORS},
             summary="A co-department gives its input (opinion or handling note)")
def co_input(request: HttpRequest, case_id: Path[ObjectId], payload: CoInputIn) -> Any:
    user = api_user(request)
    case = access_case(user, case_id)
    department = acting_co_department(user, case, payload.department)
    do_submit_co_input(case, department, text=payload.text, acting_user=user)
    return _detail(access_case(user, case_id))
