"""Statistics pages. Thin: parse, access (core.scoping through the selectors), render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dangjian.stats import selectors as sel

PAGE_SIZE = 50


def _plain_row(obj: Any) -> dict[str, Any]:
    return {"name": str(obj)}


def _cells(row: dict[str, Any], columns: list[tuple[str, Any]]) -> dict[str, Any]:
    return {"url": row.get("url", ""), "cells": [(label, row.get(name, "")) for name, label in columns]}


@login_required
def records(request: HttpRequest, key: str) -> HttpResponse:
    """The records behind one figure for one organization and date (``?org=&date=&f_<dim>=``)."""
    org = sel.access_stats_org(request.user, request.GET.get("org"))
    figure = sel.access_figure(request.user, key, org)
    errors: dict = {}
    try:
        as_of = sel.parse_as_of(request.GET.get("date"))
    except ValidationError as exc:
        errors = exc.message_dict
        as_of = sel.parse_as_of(None)
    filters = sel.parse_filters(request.GET)
    rows = sel.records_for(request.user, figure, org, as_of, filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    row = figure.row or _plain_row
    columns = list(figure.columns) or [("name", _("Record"))]
    labels = {name: dict(figure.dimensions[name].choices).get(v, v) if name in figure.dimensions else v
              for name, v in filters.items()}
    return render(request, "stats/records.html", {
        "figure": figure, "org": org, "as_of": as_of, "page": page, "columns": columns,
        "rows": [_cells(row(obj), columns) for obj in page.object_list], "total": page.paginator.count,
        "filters": [(figure.dimensions[n].label if n in figure.dimensions else n, labels[n]) for n in filters],
        "errors": errors,
    })
