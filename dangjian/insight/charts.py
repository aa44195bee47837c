"""The dashboard's chart data (issue 17 "Dashboards"): volume over time by category and by place,
hot spots with weekly sparklines, a place × topic heat map over the organization tree, sentiment
over time and department timeliness; and the filtered texts every chart drills down to.

Everything is computed from a run's stored rows (``TextAnalysis``, ``Topic``): each chart is one
GROUP BY query, whatever the number of texts. A text counts for the live topic it belongs to (a
topic merged away counts for the one it went into). Weeks start on Monday, local time; the
charts over time cover the weeks of the run's texts, at most the last ``WEEKS``.

Department timeliness comes from the statistics registry (``core.stats``: the case engine's
``cases.on_time_rate`` and ``cases.late`` figures, per child organization of the chosen node —
a case belongs to its lead department's organization); insight never reads the case tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import Substr, TruncWeek
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import stats
from dangjian.core.scoping import in_scope, prefix_q
from dangjian.insight.models import Run, Sentiment, TextAnalysis, Topic
from dangjian.orgs.models import Organization

WEEKS = 26
TOP_SERIES = 8  # categories / places drawn as their own line; the rest add up under "other"
TOP_TOPICS = 10  # heat map columns, sparklines
MAX_ROWS = 40  # heat map rows (child organizations) shown; the rest add up under "other"
OTHER = "__other__"
STEP = Organization.steplen


# ---------------------------------------------------------------- filters (the drill-down)

@dataclass
class TextFilter:
    """What a chart's click asks for. ``org`` is an organization inside the run's subtree (its
    texts and its descendants'); ``since``/``until`` a half-open period; ``place`` and
    ``category`` as the sources gave them ("" matches texts without one when ``*_empty``)."""

    run: Run
    topic: Topic | None = None
    org: Organization | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    category: str | None = None
    place: str | None = None
    sentiment: str = ""
    unassigned: bool = False
    query: dict[str, str] = field(default_factory=dict)  # the accepted parameters, for pagination links

    def q(self) -> Q:
        cond = Q(run=self.run)
        if self.topic is not None:
            cond &= Q(topic=self.topic) | Q(topic__merged_into=self.topic)
        if self.unassigned:
            cond &= Q(topic__isnull=True)
        if self.org is not None:
            cond &= prefix_q("org_path", self.org.path)
        if self.since is not None:
            cond &= Q(created_at__gte=self.since)
        if self.until is not None:
            cond &= Q(created_at__lt=self.until)
        if self.category is not None:
            cond &= Q(category=self.category)
        if self.place is not None:
            cond &= Q(place=self.place)
        if self.sentiment:
            cond &= Q(sentiment=self.sentiment)
        return cond


def _day(value: str, name: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: _("Give a date as YYYY-MM-DD.")}) from None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def parse_filter(user: Any, run: Run, params: Any) -> TextFilter:
    """The drill-down filter from a query string (``topic, org, from, to, category, place,
    sentiment, unassigned``; ``to`` is inclusive). A topic or organization outside the run (or
    the user's scope) is "not found"; a malformed value raises ValidationError naming it."""
    f = TextFilter(run=run)
    topic = params.get("topic", "")
    if topic:
        f.topic = Topic.objects.filter(pk=int(topic) if topic.isdigit() else 0, run=run).first()
        if f.topic is None:
            raise Http404(_("No such topic in this analysis."))
        f.query["topic"] = topic
    org = params.get("org", "")
    if org:
        f.org = org_in_run(user, run, org)
        f.query["org"] = org
    if params.get("from"):
        f.since = _day(params["from"], "from")
        f.query["from"] = params["from"]
    if params.get("to"):
        f.until = _day(params["to"], "to") + dt.timedelta(days=1)
        f.query["to"] = params["to"]
    for name in ("category", "place"):
        if name in params:
            setattr(f, name, params[name][:200])
            f.query[name] = params[name][:200]
    sentiment = params.get("sentiment", "")
    if sentiment:
        if sentiment not in Sentiment.values:
            raise ValidationError({"sentiment": _("Choose negative, neutral or positive.")})
        f.sentiment = sentiment
        f.query["sentiment"] = sentiment
    if params.get("unassigned") == "1":
        f.unassigned = True
        f.query["unassigned"] = "1"
    return f


def org_in_run(user: Any, run: Run, org_id: Any) -> Organization:
    """An organization of the run's subtree that the user may see (else "not found")."""
    org = Organization.objects.filter(pk=int(org_id) if str(org_id).isdigit() else 0).first()
    if org is None or not org.path.startswith(run.org_path) or not in_scope(user, "insight.view", org.path):
        raise Http404(_("No such organization in this analysis."))
    return org


def filtered_texts(f: TextFilter) -> QuerySet[TextAnalysis]:
    """The texts a chart's click asks for, newest first (masked, as stored)."""
    return (TextAnalysis.objects.filter(f.q()).select_related("topic", "topic__merged_into")
            .order_by("-created_at", "-id"))


# ---------------------------------------------------------------- time

def week_start(moment: dt.datetime) -> dt.date:
    day = timezone.localtime(moment).date()
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Period:
    weeks: list[dt.date]  # Mondays, oldest first

    @property
    def since(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.weeks[0], dt.time.min))

    @property
    def until(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.weeks[-1] + dt.timedelta(days=7), dt.time.min))

    def index(self, moment: Any) -> int | None:
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        if isinstance(moment, dt.datetime) and timezone.is_aware(moment):
            day = timezone.localtime(moment).date()
        pos = (day - self.weeks[0]).days // 7
        return pos if 0 <= pos < len(self.weeks) else None

    def labels(self) -> list[str]:
        return [w.isoformat() for w in self.weeks]


def period_of(run: Run, weeks: int = WEEKS) -> Period | None:
    """The weeks from the run's oldest text to its newest, at most the last ``weeks`` of them
    (None: the run has no text). One query."""
    span = TextAnalysis.objects.filter(run=run).aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["last"] is None:
        return None
    last = week_start(span["last"])
    count = min(weeks, (last - week_start(span["first"])).days // 7 + 1)
    return Period([last - dt.timedelta(days=7 * (count - 1 - i)) for i in range(count)])


def _week() -> TruncWeek:
    return TruncWeek("created_at", tzinfo=timezone.get_current_timezone())


def _series(rows: list[tuple[Any, str, int]], period: Period, top: int) -> dict[str, Any]:
    """Weekly counts per name: the ``top`` biggest names, the rest added up under OTHER."""
    totals: dict[str, int] = {}
    for _w, name, n in rows:
        totals[name] = totals.get(name, 0) + n
    names = sorted(totals, key=lambda k: (-totals[k], k))
    kept = names[:top]
    series = {name: [0] * len(period.weeks) for name in kept}
    if len(names) > top:
        series[OTHER] = [0] * len(period.weeks)
    for week, name, n in rows:
        pos = period.index(week)
        if pos is None:
            continue
        series[name if name in kept else OTHER][pos] += n
    return {"weeks": period.labels(), "total": sum(totals.values()),
            "series": [{"name": k, "label": _label(k), "drill": k != OTHER, "data": v} for k, v in series.items()]}


def _label(name: str) -> str:
    if name == OTHER:
        return _("Other")
    return name or _("(not given)")


def volume_by(run: Run, period: Period, column: str, top: int = TOP_SERIES) -> dict[str, Any]:
    """Texts per week by ``column`` ("category" or "place"); one query."""
    assert column in ("category", "place")
    rows = (TextAnalysis.objects.filter(run=run, created_at__gte=period.since, created_at__lt=period.until)
            .order_by().annotate(w=_week()).values_list("w", column).annotate(n=Count("id")))
    return _series([(w, name or "", n) for w, name, n in rows], period, top)


def sentiment_over_time(run: Run, period: Period) -> dict[str, Any]:
    """Texts per week by sentiment (negative, neutral, positive); one query."""
    rows = (TextAnalysis.objects.filter(run=run, created_at__gte=period.since, created_at__lt=period.until)
            .order_by().annotate(w=_week()).values_list("w", "sentiment").annotate(n=Count("id")))
    data = {s: [0] * len(period.weeks) for s in Sentiment.values}
    for week, sentiment, n in rows:
        pos = period.index(week)
        if pos is not None and sentiment in data:
            data[sentiment][pos] += n
    return {"weeks": period.labels(),
            "series": [{"name": s, "label": str(Sentiment(s).label), "drill": True, "data": data[s]} for s in Sentiment.values]}


def sparklines(run: Run, topics: list[Topic], period: Period) -> dict[int, list[int]]:
    """Texts per week of each of ``topics`` (merged topics' texts counted for their owner); one query."""
    wanted = {t.pk for t in topics}
    out = {pk: [0] * len(period.weeks) for pk in wanted}
    rows = (TextAnalysis.objects.filter(run=run, topic__isnull=False, created_at__gte=period.since,
                                        created_at__lt=period.until)
            .order_by().annotate(w=_week()).values_list("w", "topic_id", "topic__merged_into_id")
            .annotate(n=Count("id")))
    for week, topic, merged, n in rows:
        owner = merged or topic
        pos = period.index(week)
        if owner in wanted and pos is not None:
            out[owner][pos] += n
    return out


# ---------------------------------------------------------------- place × topic

def heat_node(user: Any, run: Run, org_id: Any = None) -> Organization:
    """The organization whose children are the heat map's rows: the run's own by default."""
    if org_id in (None, ""):
        return run.organization
    return org_in_run(user, run, org_id)


def heatmap(run: Run, node: Organization, topics: list[Topic], top: int = TOP_TOPICS) -> dict[str, Any]:
    """Texts of the node's subtree per child organization (rows) and topic (columns: the ``top``
    biggest live topics there). Texts of the node itself form a row of their own; children beyond
    ``MAX_ROWS`` (fewest texts) add up under "other". Two queries (children, counts)."""
    children = list(Organization.objects.filter(prefix_q("path", node.path), depth=node.depth + 1)
                    .order_by("path").only("pk", "name", "short_name", "path", "numchild"))
    cut = len(node.path) + STEP
    rows = (TextAnalysis.objects.filter(prefix_q("org_path", node.path), run=run, topic__isnull=False)
            .order_by().annotate(child=Substr("org_path", 1, cut))
            .values_list("child", "topic_id", "topic__merged_into_id").annotate(n=Count("id")))
    cells: dict[tuple[str, int], int] = {}
    for child, topic, merged, n in rows:
        key = (child if len(child) == cut else node.path, merged or topic)
        cells[key] = cells.get(key, 0) + n
    by_topic: dict[int, int] = {}
    by_row: dict[str, int] = {}
    for (path, topic_id), n in cells.items():
        by_topic[topic_id] = by_topic.get(topic_id, 0) + n
        by_row[path] = by_row.get(path, 0) + n
    live = {t.pk: t for t in topics}
    columns = sorted((pk for pk in by_topic if pk in live), key=lambda pk: (-by_topic[pk], live[pk].number))[:top]
    row_defs: list[dict[str, Any]] = []
    if by_row.get(node.path):
        row_defs.append({"path": node.path, "id": None, "name": _("%(org)s itself") % {"org": _name(node)},
                         "drill": False})
    ranked = sorted(children, key=lambda c: (-by_row.get(c.path, 0), c.path))
    shown, rest = ranked[:MAX_ROWS], ranked[MAX_ROWS:]
    for c in sorted(shown, key=lambda c: c.path):
        row_defs.append({"path": c.path, "id": c.pk, "name": _name(c), "drill": c.numchild > 0})
    rest_paths = {c.path for c in rest}
    grid = []
    for i, r in enumerate(row_defs):
        for j, pk in enumerate(columns):
            n = cells.get((r["path"], pk), 0)
            if n:
                grid.append([j, i, n])
    if rest_paths:
        i = len(row_defs)
        row_defs.append({"path": "", "id": None, "name": _("Other organizations"), "drill": False})
        for j, pk in enumerate(columns):
            n = sum(cells.get((p, pk), 0) for p in rest_paths)
            if n:
                grid.append([j, i, n])
    return {
        "node": {"id": node.pk, "name": _name(node), "path": node.path},
        "rows": [{"id": r["id"], "name": r["name"], "drill": r["drill"]} for r in row_defs],
        "columns": [{"id": pk, "label": live[pk].label} for pk in columns],
        "cells": grid,
        "max": max((c[2] for c in grid), default=0),
    }


def _name(org: Organization) -> str:
    return org.short_name or org.name


def ancestors_in_run(run: Run, node: Organization) -> list[Organization]:
    """The way back up from ``node`` to the run's organization (breadcrumbs); one query."""
    paths = [node.path[:i] for i in range(len(run.org_path), len(node.path), STEP)]
    return list(Organization.objects.filter(path__in=paths).order_by("path")) if paths else []


# ---------------------------------------------------------------- department timeliness

def timeliness(user: Any, node: Organization, children: list[dict[str, Any]], as_of: dt.date | None = None
               ) -> dict[str, Any] | None:
    """Cases answered on time and late, per child organization of ``node`` (the organization
    owning the lead department), from the statistics registry. None when the case engine's
    figures are not registered or the user may not see them for ``node`` (``stats.view`` or
    ``cases.view`` there). One query per row plus one."""
    rate_fig, late_fig = stats.get_figure("cases.on_time_rate"), stats.get_figure("cases.late")
    if rate_fig is None or late_fig is None:
        return None
    if not (in_scope(user, "stats.view", node.path) or in_scope(user, rate_fig.perm, node.path)):
        return None
    as_of = as_of or timezone.localdate()
    late = stats.breakdown(late_fig, node.path, as_of, stats.CHILD)
    ids = [c["id"] for c in children if c["id"] is not None and c["id"] != node.pk]
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=ids).only("pk", "path", "name", "short_name")}
    rows = []
    for c in children:
        org = orgs.get(c["id"])
        if org is None:
            continue
        value = stats.figure_value(rate_fig, org.path, as_of)
        rows.append({"id": org.pk, "name": c["name"], "on_time_rate": float(value) if value is not None else None,
                     "late": late.get(org.path, 0)})
    return {"as_of": as_of.isoformat(), "rows": rows, "can_drill": in_scope(user, late_fig.perm, node.path)
            or in_scope(user, "stats.view", node.path)}


# ---------------------------------------------------------------- the whole dashboard

def dashboard_data(user: Any, run: Run, node: Organization, topics: list[Topic]) -> dict[str, Any]:
    """Every chart of the dashboard for ``run`` (``topics``: its live topics, biggest pain first)
    with the heat map and timeliness over ``node``'s children. A bounded number of queries
    (≈ 8, plus one per timeliness row)."""
    period = period_of(run)
    hot = topics[:TOP_TOPICS]
    data: dict[str, Any] = {"run": run.pk, "empty": period is None}
    if period is None:
        data.update(weeks=[], category={"weeks": [], "series": [], "total": 0},
                    place={"weeks": [], "series": [], "total": 0}, sentiment={"weeks": [], "series": []},
                    hot=[], heat=heatmap(run, node, topics), timeliness=None)
        return data
    lines = sparklines(run, hot, period)
    heat = heatmap(run, node, topics)
    data.update(
        weeks=period.labels(), since=period.weeks[0].isoformat(),
        until=(period.weeks[-1] + dt.timedelta(days=6)).isoformat(),
        category=volume_by(run, period, "category"), place=volume_by(run, period, "place"),
        sentiment=sentiment_over_time(run, period),
        hot=[{"id": t.pk, "label": t.label, "size": t.size, "pain": round(t.pain, 2), "growth": round(t.growth, 2),
              "weekly": lines.get(t.pk, [])} for t in hot],
        heat=heat,
        timeliness=timeliness(user, node, heat["rows"]),
    )
    return data
