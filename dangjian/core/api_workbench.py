"""API of the workbench: the caller's navigation and to-dos, and the one search
(``/api/v1/me/navigation``, ``/api/v1/me/todos``, ``/api/v1/search``) — the same registries the
web pages read, so the app shows what the web shows."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from dangjian.core import search as search_registry
from dangjian.core import todos as todo_registry
from dangjian.core.apikit.auth import api_user, read_auth
from dangjian.core.apikit.schemas import ErrorOut, InputSchema
from dangjian.core.navigation import navigation

router = Router(tags=["workbench"], auth=read_auth)


class NavEntryOut(Schema):
    key: str
    label: str
    url: str
    badge: int | None = Field(None, description="Open to-dos behind this entry, when it has a to-do source.")


class NavGroupOut(Schema):
    group: str
    label: str
    entries: list[NavEntryOut]


class NavigationOut(Schema):
    groups: list[NavGroupOut]


@router.get("/me/navigation", response={200: NavigationOut, 401: ErrorOut},
            summary="The caller's navigation: groups with the entries they may open")
def my_navigation(request: HttpRequest) -> NavigationOut:
    groups = navigation(api_user(request))
    return NavigationOut(groups=[
        NavGroupOut(group=g["key"], label=str(g["label"]), entries=[
            NavEntryOut(key=e["key"], label=str(e["label"]), url=e["url"], badge=e["badge"]) for e in g["entries"]
        ]) for g in groups
    ])


class TodoOut(Schema):
    module: str = Field(..., description="The to-do source, e.g. transfers.approve.")
    title: str
    org: str
    due: dt.date | None
    overdue: bool
    urgent: bool
    url: str


class TodosOut(Schema):
    items: list[TodoOut]
    count: int = Field(..., description="All open items (the list holds at most `limit` from each module).")


class TodosQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="Items read from each module.")


@router.get("/me/todos", response={200: TodosOut, 401: ErrorOut, 422: ErrorOut},
            summary="The caller's open to-dos across modules, most urgent first")
def my_todos(request: HttpRequest, filters: Query[TodosQuery]) -> TodosOut:
    todos = todo_registry.todos_for(api_user(request), limit=filters.limit)
    today = timezone.localdate()
    return TodosOut(count=todos.total, items=[
        TodoOut(module=t.source, title=t.title, org=t.org, due=t.due, overdue=t.due is not None and t.due < today,
                urgent=t.urgent, url=t.url) for t in todos.items
    ])


class HitOut(Schema):
    title: str
    url: str
    detail: str


class SearchGroupOut(Schema):
    kind: str
    label: str
    items: list[HitOut]


class SearchOut(Schema):
    groups: list[SearchGroupOut]


class SearchQuery(Schema):
    q: str = Field(..., min_length=1, max_length=search_registry.MAX_QUERY)


class SearchIn(InputSchema):
    q: str = Field(..., min_length=1, max_length=search_registry.MAX_QUERY)


def _search(request: HttpRequest, q: str) -> SearchOut:
    groups = search_registry.search_all(api_user(request), q)
    return SearchOut(groups=[
        SearchGroupOut(kind=g["kind"], label=str(g["label"]),
                       items=[HitOut(title=h.title, url=h.url, detail=h.detail) for h in g["items"]])
        for g in groups
    ])


@router.get("/search", response={200: SearchOut, 401: ErrorOut, 422: ErrorOut},
            summary="Search members, organizations, cases, opinions, articles … in the caller's scope")
def search_get(request: HttpRequest, filters: Query[SearchQuery]) -> SearchOut:
    return _search(request, filters.q)


@router.post("/search", response={200: SearchOut, 401: ErrorOut, 422: ErrorOut},
             summary="The same search with the query in the body (use it for ID and phone numbers)")
def search_post(request: HttpRequest, payload: SearchIn) -> SearchOut:
    return _search(request, payload.q)
