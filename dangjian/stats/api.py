"""API: statistics (``/api/v1/stats``). Every number comes from a registered figure; every
organization is checked against the caller's ``stats.view`` scope (outside it: 404, no leak);
drill-down links only where the caller may open the records behind the number."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from dangjian.core import stats
from dangjian.core.apikit.auth import api_user, read_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ErrorOut, OrgRef
from dangjian.core.scoping import has_any
from dangjian.orgs.models import Organization
from dangjian.stats import selectors as sel
from dangjian.stats import tables as T

router = Router(tags=["stats"], auth=read_auth)

Num = int | float | None


class StatsFigureOut(Schema):
    key: str = Field(..., description="Stable dotted name, e.g. members.total.")
    module: str
    label: str
    unit: str
    counted: bool = Field(..., description="True: a count of records (it has dimensions and drills down to them); "
                                           "false: computed (a rate, an amount).")
    dimensions: list[str] = Field(..., description="Dimensions a counted figure splits by (f_<dimension>= in links).")


class StatsValueQuery(Schema):
    figure: str = Field(..., min_length=1, max_length=100, description="A figure key from /stats/figures.")
    org: int | None = Field(None, ge=1, le=MAX_ID, description="Organization id; the top of the caller's scope "
                                                                 "when left out.")
    date: dt.date | None = Field(None, description="As of the end of this day (YYYY-MM-DD); today when left out.")


class StatsValueOut(Schema):
    figure: str
    organization: OrgRef
    date: dt.date
    value: Num = Field(..., description="Null when the figure has nothing to compute (a rate of nothing) or failed.")
    drilldown_url: str | None = Field(..., description="The records behind the value; null when the caller may "
                                                       "not see them or the figure lists none.")


class StatsTablesQuery(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID, description="Organization id; the top of the caller's scope "
                                                                 "when left out.")
    date: dt.date | None = Field(None, description="As of (YYYY-MM-DD); 31 December of last year when left out.")


class StatsTableRefOut(Schema):
    key: str
    number: int
    title: str


class StatsColumnOut(Schema):
    key: str
    label: str


class StatsCellOut(Schema):
    column: str
    applies: bool = Field(..., description="False: the row and the column exclude each other (an empty cell).")
    available: bool = Field(..., description="False: the figure is not registered (its module is not installed).")
    figure: str | None
    value: Num
    drilldown_url: str | None


class StatsRowOut(Schema):
    key: str
    label: str
    indent: int
    cells: list[StatsCellOut]


class StatsReasonOut(Schema):
    text: str
    value: Num
    drilldown_url: str | None


class StatsCheckOut(Schema):
    key: str
    label: str
    status: str = Field(..., description="ok, failed, or unavailable (a figure it needs is not registered).")
    relation: str = Field(..., description="eq: left = right; le: left ≤ right.")
    left: Num
    right: Num
    difference: Num = Field(..., description="left − right.")
    reasons: list[StatsReasonOut]
    missing: list[str]


class StatsTableOut(Schema):
    key: str
    number: int
    title: str
    unit: str
    organization: OrgRef
    as_of: dt.date
    columns: list[StatsColumnOut]
    rows: list[StatsRowOut]
    checks: list[StatsCheckOut]


def _org(user: Any, org_id: int | None) -> Organization:
    return sel.access_stats_org(user, org_id)


def _date(value: dt.date | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    if value > timezone.localdate():
        raise ApiError(422, "validation_error",
                       _("Statistics are kept up to today; choose a date that is not in the future."), field="date")
    return value


def _url(url: str) -> str | None:
    return url or None


@router.get("/figures", response={200: list[StatsFigureOut], 401: ErrorOut},
            summary="The figures the caller may see (aggregates)")
def list_figures(request: HttpRequest) -> Any:
    user = api_user(request)
    everything = has_any(user, "stats.view")
    return [{"key": f.key, "module": f.module, "label": str(f.label), "unit": str(f.unit), "counted": f.counted,
             "dimensions": list(f.dimensions)} for f in stats.figures() if everything or has_any(user, f.perm)]


@router.get("/values", response={200: StatsValueOut, **READ_ERRORS},
            summary="One figure for one organization as of a date, with the link to its records")
def get_value(request: HttpRequest, query: Query[StatsValueQuery]) -> Any:
    user = api_user(request)
    org = _org(user, query.org)
    figure = stats.get_figure(query.figure)
    if figure is None or not sel.may_view_aggregates(user, figure, org):
        raise ApiError(404, "not_found", _("There is no figure “%(key)s”.") % {"key": query.figure[:100]},
                       field="figure")
    as_of = _date(query.date, timezone.localdate())
    reading = T.figure_reading(user, figure, org, as_of)
    return {"figure": figure.key, "organization": {"id": org.pk, "name": org.name}, "date": as_of,
            "value": T.jsonable(reading["value"]), "drilldown_url": _url(reading["url"])}


@router.get("/tables", response={200: list[StatsTableRefOut], 401: ErrorOut},
            summary="The year-end statistics tables")
def list_tables(request: HttpRequest) -> Any:
    api_user(request)
    return [{"key": t.key, "number": t.number, "title": str(t.title)} for t in T.TABLES]


@router.get("/tables/{table}", response={200: StatsTableOut, **READ_ERRORS},
            summary="One year-end table of an organization as of a date, with its reconciliation")
def get_table(request: HttpRequest, table: Path[str], query: Query[StatsTablesQuery]) -> Any:
    user = api_user(request)
    definition = T.get_table(table)
    if definition is None:
        raise ApiError(404, "not_found", _("There is no statistics table “%(key)s”.") % {"key": table[:100]},
                       field="table")
    org = _org(user, query.org)
    as_of = _date(query.date, T.default_as_of(timezone.localdate()))
    result = T.tables_for(user, org, as_of, [definition])
    [grid] = result.tables
    return {
        "key": definition.key, "number": definition.number, "title": str(definition.title),
        "unit": str(definition.unit), "organization": {"id": org.pk, "name": org.name}, "as_of": as_of,
        "columns": [{"key": c.key, "label": str(c.label)} for c in definition.columns],
        "rows": [{"key": row[0].row.key, "label": str(row[0].row.label), "indent": row[0].row.indent, "cells": [
            {"column": c.column.key, "applies": c.ref is not None, "available": c.available,
             "figure": c.ref.figure if c.ref else None, "value": T.jsonable(c.value) if c.available else None,
             "drilldown_url": _url(c.url)} for c in row]} for row in grid.cells],
        "checks": [{"key": c.check.key, "label": str(c.check.label), "status": c.status, "relation": c.check.relation,
                    "left": T.jsonable(c.left.total), "right": T.jsonable(c.right.total),
                    "difference": T.jsonable(c.difference), "missing": c.missing,
                    "reasons": [{"text": str(r["text"]), "value": T.jsonable(r["value"]), "drilldown_url": _url(r["url"])}
                                for r in c.reasons]} for c in result.checks],
    }
