"""Helpers for the modules' statistics-figure tests (issue 15): a figure's value, its drill-down
page (/stats/records/<key>/) and the scope rules every figure shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core import stats


def figure(key: str) -> stats.Figure:
    fig = stats.get_figure(key)
    assert fig is not None, f"figure {key} is not registered"
    return fig


def value(key: str, org: Any, as_of: dt.date, **filters: str) -> Any:
    return stats.figure_value(figure(key), org.path, as_of, filters)


def records_url(key: str, org: Any, as_of: dt.date, **filters: str) -> str:
    query = {"org": org.pk, "date": as_of.isoformat(), **{f"f_{k}": v for k, v in filters.items()}}
    return reverse("stats:records", args=[key]) + "?" + urlencode(query)


def open_records(client: Any, user: Any, key: str, org: Any, as_of: dt.date, **filters: str) -> Any:
    client.force_login(user)
    return client.get(records_url(key, org, as_of, **filters))


#: Queries of one drill-down page whatever the number of records (session, user, roles, the
#: navigation, the organization, the count, one page of rows with their related records). The
#: navigation's share grows with the modules whose entries depend on data (13 since the service
#: centre's grid-worker entries: "am I a grid worker", "do I manage a grid").
MAX_QUERIES = 13


def assert_records(client: Any, user: Any, key: str, org: Any, as_of: dt.date, expected: int,
                   filters: Mapping[str, str] | None = None, *, max_queries: int = MAX_QUERIES) -> Any:
    """The drill-down page lists ``expected`` records, as many as the figure's value, in a bounded
    number of queries (no query per listed record)."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(records_url(key, org, as_of, **(filters or {})))
    assert response.status_code == 200, response.status_code
    assert len(queries) <= max_queries, "\n".join(q["sql"] for q in queries.captured_queries)
    assert response.context["total"] == expected == value(key, org, as_of, **(filters or {}))
    assert len(response.context["rows"]) == min(expected, 50)
    for r in response.context["rows"]:
        assert r["url"].startswith("/"), r
    return response


def assert_not_found(client: Any, user: Any, key: str, org: Any, as_of: dt.date) -> None:
    response = open_records(client, user, key, org, as_of)
    assert response.status_code == 404, response.status_code
