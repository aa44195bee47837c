"""API: the app's news feed (``GET /api/v1/channels/app-feed``): the articles delivered to the
app channel, newest first, public (no token needed: the portal's news is public). Poll with
``updated_since`` to get only what changed; a withdrawn article disappears from the list."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from dangjian.portal.channels.models import AppFeedItem

router = Router(tags=["channels"])

MAX_PAGE_SIZE = 100


class FeedQuery(Schema):
    updated_since: dt.datetime | None = Field(None, description="Only items published or edited after this time.")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class FeedItemOut(Schema):
    id: int
    page_id: int
    title: str
    summary: str
    url: str
    cover_url: str
    section: str
    published_at: dt.datetime
    updated_at: dt.datetime


class FeedOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[FeedItemOut]


@router.get("/app-feed", response=FeedOut, auth=None, summary="The app's news feed")
def app_feed(request: HttpRequest, q: Query[FeedQuery]) -> dict:
    qs = AppFeedItem.objects.order_by("-published_at", "-id")
    if q.updated_since is not None:
        qs = qs.filter(updated_at__gt=q.updated_since)
    start = (q.page - 1) * q.page_size
    return {"count": qs.count(), "page": q.page, "page_size": q.page_size,
            "items": list(qs[start:start + q.page_size])}
