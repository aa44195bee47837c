"""API: opinion insight (``/api/v1/insight``), for analysts (``insight.view``; starting a run
needs ``insight.run``), each seeing the runs of their own subtree only.

- ``GET topics?from=&to=&org=``: the topics of the newest finished run of ``org`` (default: the
  broadest subtree the caller sees), biggest pain point first; ``from``/``to`` count each topic's
  texts sent in that window and leave out topics without any.
- ``GET topics/{id}/texts``: the topic's texts (merged topics' included), most central first, a
  page at a time; ID-card and phone numbers masked.
- ``POST runs`` ``{organization}`` → 202 and the queued run; ``GET runs/{id}``: state and progress.
- ``GET route?text=``: the departments most likely to own the text, with the deciding terms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId, clean_text
from dangjian.core.scoping import get_scoped_or_404
from dangjian.insight.actions import do_start_run
from dangjian.insight.models import Run, Topic
from dangjian.insight.selectors import (
    access_run,
    access_topic,
    analysed_text,
    bundle_of,
    latest_run,
    topic_texts,
    topics_of,
)
from dangjian.orgs.models import Organization

router = Router(tags=["insight"], auth=read_auth)
write_auth = [token_auth, django_auth]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}


class TopicFilters(Schema):
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    org: ObjectId | None = None


class TopicOut(Schema):
    id: int
    label: str
    keywords: list[str]
    size: int
    growth: float
    sentiment: float = Field(..., description="Share of negative texts (0–1).")
    unresolved: float
    pain: float
    places: list[tuple[str, int]]
    sample_ids: list[str] = Field(..., description="Keys of the most central texts, \"<source>:<id>\".")


class TopicList(Schema):
    run: int | None
    items: list[TopicOut]


class TextItem(Schema):
    key: str
    text: str
    place: str
    created_at: dt.datetime
    keywords: list[str]
    sentiment: str
    duplicate_group: int | None


class TextPage(Schema):
    items: list[TextItem]
    count: int
    page: int
    page_size: int


class PageFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class RunIn(InputSchema):
    organization: ObjectId


class RunOut(Schema):
    id: int
    organization: int
    state: str
    progress: int
    text_count: int
    unassigned_count: int
    versions: dict[str, str]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class RouteFilters(Schema):
    text: str = Field("", max_length=5000)
    opinion: ObjectId | None = Field(None, description="An opinion analysed by a run the caller sees (its "
                                     "stored, masked text is routed); instead of ``text``.")
    org: ObjectId | None = None


class Suggestion(Schema):
    department: str
    probability: float
    terms: list[str]


class RouteOut(Schema):
    run: int | None
    suggestions: list[Suggestion]


def _topic(t: Topic) -> dict[str, Any]:
    return {"id": t.pk, "label": t.label, "keywords": t.keywords, "size": t.size, "growth": t.growth,
            "sentiment": t.negative_share, "unresolved": t.unresolved_share, "pain": t.pain,
            "places": [tuple(p) for p in t.places], "sample_ids": t.sample_keys}


def _run(r: Run) -> dict[str, Any]:
    return {"id": r.pk, "organization": r.organization_id, "state": r.state, "progress": r.progress,
            "text_count": r.text_count, "unassigned_count": r.unassigned_count, "versions": r.versions,
            "created_at": r.created_at, "finished_at": r.finished_at}


def _org_path(user: Any, org: int | None, perm: str = "insight.view") -> str | None:
    if org is None:
        return None
    return get_scoped_or_404(Organization.objects, user, perm, pk=org).path


def _day(d: dt.date | None) -> dt.datetime | None:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(d, dt.time.min)) if d else None


@router.get("/topics", response={200: TopicList, **READ_ERRORS}, summary="Hot spots of the newest run")
def list_topics(request: HttpRequest, filters: Query[TopicFilters]) -> dict[str, Any]:
    user = api_user(request)
    if filters.from_ and filters.to and filters.from_ > filters.to:
        raise ApiError(422, "invalid", _("The start of the period must not be after its end."), field="from")
    run = latest_run(user, _org_path(user, filters.org))
    if run is None:
        return {"run": None, "items": []}
    until = _day(filters.to + dt.timedelta(days=1)) if filters.to else None
    return {"run": run.pk, "items": [_topic(t) for t in topics_of(run, _day(filters.from_), until)]}


@router.get("/topics/{topic_id}/texts", response={200: TextPage, **READ_ERRORS},
            summary="A topic's texts, masked (paginated)")
def list_topic_texts(request: HttpRequest, topic_id: ObjectId, filters: Query[PageFilters]) -> dict[str, Any]:
    topic = access_topic(api_user(request), topic_id)
    qs = topic_texts(topic)
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    rows = list(qs[start:start + size]) if start < count else []
    return {"items": [{"key": t.key, "text": t.text, "place": t.place, "created_at": t.created_at,
                       "keywords": t.keywords, "sentiment": t.sentiment, "duplicate_group": t.duplicate_group_id}
                      for t in rows], "count": count, "page": filters.page, "page_size": size}


@router.post("/runs", auth=write_auth, response={202: RunOut, **WRITE_ERRORS}, summary="Start a full run")
def start_run(request: HttpRequest, payload: RunIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    org = get_scoped_or_404(Organization.objects, user, "insight.view", pk=payload.organization)
    run = do_start_run(org, acting_user=user)
    run.refresh_from_db()
    return Status(202, _run(run))


@router.get("/runs/{run_id}", response={200: RunOut, **READ_ERRORS}, summary="A run's state and progress")
def get_run(request: HttpRequest, run_id: ObjectId) -> dict[str, Any]:
    return _run(access_run(api_user(request), run_id))


@router.get("/route", response={200: RouteOut, **READ_ERRORS}, summary="Routing suggestions for a text")
def route(request: HttpRequest, filters: Query[RouteFilters]) -> dict[str, Any]:
    user = api_user(request)
    run: Run | None
    if filters.opinion is not None:
        analysed = analysed_text(user, f"opinions:{filters.opinion}")
        if analysed is None:
            raise ApiError(404, "not_found", _("No analysis you may see holds this opinion yet."), field="opinion")
        run, text = analysed.run, analysed.text
    else:
        text = clean_text(filters.text)
        if not text:
            raise ApiError(422, "invalid", _("Give the text to route, or an opinion."), field="text")
        run = latest_run(user, _org_path(user, filters.org))
    bundle = bundle_of(run) if run else None
    if bundle is None:
        return {"run": run.pk if run else None, "suggestions": []}
    return {"run": run.pk if run else None,
            "suggestions": [{"department": s.label, "probability": round(s.probability, 4), "terms": s.terms}
                            for s in bundle.suggest(text)]}


# alerts and routing figures (``api_alerts``)
from dangjian.insight.api_alerts import router as alerts_router  # noqa: E402

router.add_router("", alerts_router)
