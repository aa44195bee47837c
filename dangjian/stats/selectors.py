"""Reads for statistics: which figures a user may see for which organization, the values, and
the records behind them. Every number comes from ``core.stats``'s registry; scope comes from
``core.scoping`` (an organization outside the caller's scope is a 404, no existence leak)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from dangjian.core import stats
from dangjian.core.scoping import in_scope
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import access_org, scope_roots

#: Filters travel in query strings as ``f_<dimension>=<value>``.
FILTER_PREFIX = "f_"


def may_view_aggregates(user: Any, figure: stats.Figure, org: Organization) -> bool:
    return in_scope(user, "stats.view", org.path) or in_scope(user, figure.perm, org.path)


def may_view_records(user: Any, figure: stats.Figure, org: Organization) -> bool:
    """The records behind a figure: the figure's own permission on the organization (the same
    rule as the module's own list, e.g. ``members.view``)."""
    drill = stats.get_figure(figure.drill_key) if figure.drill_key else None
    return drill is not None and in_scope(user, drill.perm, org.path)


def access_stats_org(user: Any, org_id: Any) -> Organization:
    """The organization whose statistics ``user`` asks for: in their ``stats.view`` scope, else 404.
    Without ``org_id``: the top of their scope."""
    if org_id in (None, ""):
        roots = scope_roots(user, "stats.view")
        if not roots:
            raise Http404
        return roots[0]
    return access_org(user, org_id, perm="stats.view")


def visible_figures(user: Any, org: Organization) -> list[stats.Figure]:
    return [f for f in stats.figures() if may_view_aggregates(user, f, org)]


def access_figure(user: Any, key: str, org: Organization) -> stats.Figure:
    figure = stats.get_figure(key)
    if figure is None or not may_view_aggregates(user, figure, org):
        raise Http404
    return figure


def parse_as_of(value: str | None, *, field: str = "date") -> dt.date:
    """The "as of" date of a request: ``YYYY-MM-DD``, today when empty; a future date is refused."""
    today = timezone.localdate()
    if not value:
        return today
    try:
        parsed = parse_date(value) if isinstance(value, str) else None
    except ValueError:  # well formed but no such day (2020-13-01)
        parsed = None
    if parsed is None:
        raise ValidationError({field: _("Enter a date as YYYY-MM-DD.")})
    if parsed > today:
        raise ValidationError({field: _("Statistics are kept up to today; choose a date that is not in the future.")})
    return parsed


def parse_filters(params: Mapping[str, str]) -> dict[str, str]:
    return {k[len(FILTER_PREFIX):]: v for k, v in params.items() if k.startswith(FILTER_PREFIX)}


def drilldown_url(figure: stats.Figure, org: Organization, as_of: dt.date,
                  filters: Mapping[str, str] | None = None) -> str:
    """The list of records behind a value ('' when the figure has nothing to list)."""
    if not figure.drill_key:
        return ""
    query = {"org": org.pk, "date": as_of.isoformat()}
    query.update({FILTER_PREFIX + k: v for k, v in (filters or {}).items()})
    return reverse("stats:records", args=[figure.drill_key]) + "?" + urlencode(query)


def records_for(user: Any, figure: stats.Figure, org: Organization, as_of: dt.date,
                filters: Mapping[str, str]) -> QuerySet[Any]:
    """The drill-down list: the counted figure's own rows, so its length is the cell's value.
    404 for a user without the figure's permission on the organization (aggregates only)."""
    if not figure.counted or not in_scope(user, figure.perm, org.path):
        raise Http404
    try:
        return stats.filtered_rows(figure, org.path, as_of, filters)
    except stats.FilterError:
        raise Http404 from None
