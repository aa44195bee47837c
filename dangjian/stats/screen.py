"""The overview screen (大屏): its layout (which registered figures, shown how), the rules a
layout must follow, and the values — computed once per organization, date and layout, cached,
then dressed per viewer (labels in their language; drill-down links only for those who may see
the records behind a figure).

A widget is ``{"figure": key, "kind": kind, "dimension": name, "span": 1..4}``:

``number``        the figure's value (any figure)
``trend``         the value at the end of each of the last months and on the day (any figure that
                  keeps its history)
``bar_children``  a counted figure per child organization (the registry's built-in ``child``)
``pie`` / ``bar`` a counted figure split by one of its dimensions

Numbers show in a band at the top of the screen, charts in a grid below (``span`` columns of
four), each in the order of the layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import stats
from dangjian.core.months import add_months, month_start
from dangjian.core.scoping import in_scope
from dangjian.orgs.models import Organization
from dangjian.stats.models_screen import ScreenLayout
from dangjian.stats.selectors import drilldown_url, may_view_aggregates, may_view_records

log = logging.getLogger(__name__)

NUMBER, TREND, BAR_CHILDREN, PIE, BAR = "number", "trend", "bar_children", "pie", "bar"
KINDS: dict[str, Any] = {
    NUMBER: gettext_lazy("Single number"),
    TREND: gettext_lazy("Trend over the last months"),
    BAR_CHILDREN: gettext_lazy("Bars per child organization"),
    PIE: gettext_lazy("Pie of a breakdown"),
    BAR: gettext_lazy("Bars of a breakdown"),
}
#: Kinds a computed figure (a rate, an amount) can take: it has no rows to split.
COMPUTED_KINDS = (NUMBER, TREND)
DIMENSION_KINDS = (PIE, BAR)
SPANS = (1, 2, 3, 4)
MAX_WIDGETS = 24
TITLE_MAX = 100
#: A trend's points: the ends of the previous TREND_MONTHS - 1 months, then the day itself.
TREND_MONTHS = 6
#: Seconds between the screen's refreshes, and how long computed values are kept.
REFRESH_SECONDS = 60
CACHE_SECONDS = 60
#: How long older values may stand in while one request computes new ones.
STALE_SECONDS = 600
LOCK_SECONDS = 120
#: A trend's points at past month ends are kept longer than the day's values.
PAST_POINT_SECONDS = 900
CACHE_PREFIX = "stats:screen:v2:"

#: The built-in layout, for screens nobody configured (keys not registered are left out).
DEFAULT_WIDGETS: tuple[dict[str, Any], ...] = (
    {"figure": "members.total", "kind": NUMBER},
    {"figure": "members.joined", "kind": NUMBER},
    {"figure": "orgs.branches", "kind": NUMBER},
    {"figure": "development.activists", "kind": NUMBER},
    {"figure": "development.candidates", "kind": NUMBER},
    {"figure": "development.admitted", "kind": NUMBER},
    {"figure": "dues.collection_rate", "kind": NUMBER},
    {"figure": "orglife.compliance_rate", "kind": NUMBER},
    {"figure": "cases.on_time_rate", "kind": NUMBER},
    {"figure": "members.total", "kind": BAR_CHILDREN, "span": 2},
    {"figure": "members.total", "kind": PIE, "dimension": "sex"},
    {"figure": "members.total", "kind": BAR, "dimension": "age_band"},
    {"figure": "members.total", "kind": TREND, "span": 2},
    {"figure": "members.total", "kind": BAR, "dimension": "education"},
    {"figure": "orgs.total", "kind": PIE, "dimension": "kind"},
)


@dataclass(frozen=True)
class Widget:
    figure: stats.Figure
    kind: str
    dimension: str = ""
    span: int = 1

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"figure": self.figure.key, "kind": self.kind}
        if self.dimension:
            out["dimension"] = self.dimension
        if self.span != 1:
            out["span"] = self.span
        return out

    @property
    def ident(self) -> tuple[str, str, str]:
        return (self.figure.key, self.kind, self.dimension)


# --- rules -------------------------------------------------------------------------------------

def _widget_error(n: int, key: str, message: str) -> str:
    if key:
        return _("Widget %(n)d (%(figure)s): %(message)s") % {"n": n, "figure": key, "message": message}
    return _("Widget %(n)d: %(message)s") % {"n": n, "message": message}


def kinds_for(figure: stats.Figure) -> list[str]:
    """The kinds ``figure`` can be shown as."""
    kinds = [NUMBER]
    if figure.history:
        kinds.append(TREND)
    if figure.counted:
        kinds.append(BAR_CHILDREN)
        if figure.dimensions:
            kinds += list(DIMENSION_KINDS)
    return kinds


def check_widget(n: int, raw: Any) -> tuple[Widget | None, list[str]]:
    """One widget of a layout (``n`` counts from 1): the widget, or the rules it breaks."""
    if not isinstance(raw, Mapping):
        return None, [_widget_error(n, "", _("a widget is an object with a figure and a kind."))]
    key = str(raw.get("figure") or "").strip()
    kind = str(raw.get("kind") or "").strip()
    dimension = str(raw.get("dimension") or "").strip()
    errors: list[str] = []
    if not key:
        return None, [_widget_error(n, "", _("choose a figure."))]
    figure = stats.get_figure(key)
    if figure is None:
        return None, [_widget_error(n, key, _("no figure with this key is registered."))]
    if kind not in KINDS:
        errors.append(_widget_error(n, key, _("the kind must be one of: %(kinds)s.") % {"kinds": ", ".join(KINDS)}))
    elif not figure.counted and kind not in COMPUTED_KINDS:
        errors.append(_widget_error(n, key, _(
            "a computed figure (a rate or an amount) has no records to split: show it as a single number or a trend.")))
    elif kind == TREND and not figure.history:
        errors.append(_widget_error(n, key, _(
            "this figure keeps no history (it counts today's state), so it cannot be shown as a trend.")))
    elif kind in DIMENSION_KINDS:
        if not dimension:
            errors.append(_widget_error(n, key, _("a pie or bar chart needs a dimension to split by (one of: %(dims)s).")
                                        % {"dims": ", ".join(figure.dimensions)}))
        elif dimension not in figure.dimensions:
            errors.append(_widget_error(n, key, _("the figure has no dimension “%(dim)s” (it has: %(dims)s).")
                                        % {"dim": dimension, "dims": ", ".join(figure.dimensions) or "—"}))
    elif dimension:
        errors.append(_widget_error(n, key, _("only a pie or bar chart takes a dimension; leave it empty for this kind.")))
    span_raw = raw.get("span", 1)
    try:
        span = int(span_raw if span_raw not in (None, "") else 1)
    except (TypeError, ValueError):
        span = 0
    if span not in SPANS or isinstance(span_raw, bool):
        errors.append(_widget_error(n, key, _("the width must be 1, 2, 3 or 4 columns.")))
    if errors:
        return None, errors
    return Widget(figure, kind, dimension if kind in DIMENSION_KINDS else "", span), []


def validate_widgets(raw: Any) -> list[Widget]:
    """Every widget of a layout, or ``ValidationError({"widgets": [messages]})`` naming each
    widget and the rule it breaks."""
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ValidationError({"widgets": [_("The widgets must be a list.")]})
    errors: list[str] = []
    if not raw:
        errors.append(_("Choose at least one figure for the screen."))
    if len(raw) > MAX_WIDGETS:
        errors.append(_("A screen shows at most %(max)d widgets; this layout has %(n)d.") % {"max": MAX_WIDGETS, "n": len(raw)})
    widgets: list[Widget] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, item in enumerate(raw, start=1):
        widget, problems = check_widget(n, item)
        errors += problems
        if widget is None:
            continue
        if widget.ident in seen:
            errors.append(_widget_error(n, widget.figure.key, _("it repeats widget %(other)d (same figure, kind and dimension).")
                                        % {"other": seen[widget.ident]}))
            continue
        seen[widget.ident] = n
        widgets.append(widget)
    if errors:
        raise ValidationError({"widgets": errors})
    return widgets


def usable_widgets(raw: Any) -> list[Widget]:
    """The widgets of a saved layout that still follow the rules (a figure may have been
    unregistered since, a dimension renamed): the others are left out, not an error."""
    out: list[Widget] = []
    seen: set[tuple[str, str, str]] = set()
    for n, item in enumerate(raw if isinstance(raw, list) else [], start=1):
        widget, _problems = check_widget(n, item)
        if widget is not None and widget.ident not in seen:
            seen.add(widget.ident)
            out.append(widget)
    return out[:MAX_WIDGETS]


def default_widgets() -> list[Widget]:
    return usable_widgets(list(DEFAULT_WIDGETS))


# --- layouts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    title: str
    widgets: list[Widget]
    #: Changes whenever what the screen computes changes (the layout saved, figures registered).
    token: str
    #: "own" (this organization's), "default" (the default row) or "builtin".
    source: str
    row: ScreenLayout | None = None


def _registry_token() -> str:
    keys = ",".join(f.key + ":" + ",".join(f.dimensions) for f in stats.figures())
    return hashlib.sha1(keys.encode(), usedforsecurity=False).hexdigest()[:10]


def layout_for(org: Organization) -> Layout:
    """The layout of ``org``'s screen: its own, else the default row, else the built-in one
    (one query)."""
    rows = list(ScreenLayout.objects.filter(Q(organization_id=org.pk) | Q(is_default=True)))
    own = next((r for r in rows if r.organization_id == org.pk), None)
    row = own or next((r for r in rows if r.is_default), None)
    registry = _registry_token()
    if row is None:
        return Layout("", default_widgets(), f"builtin.{registry}", "builtin")
    return Layout(row.title, usable_widgets(row.widgets), f"{row.pk}.{row.version}.{registry}",
                  "own" if own else "default", row)


def default_layout() -> Layout:
    """The default for every screen (what ``/stats/screen/configure/`` edits)."""
    row = ScreenLayout.objects.filter(is_default=True).first()
    if row is None:
        return Layout("", default_widgets(), "builtin", "builtin")
    return Layout(row.title, usable_widgets(row.widgets), str(row.version), "default", row)


def default_title(org: Organization) -> str:
    return _("%(org)s party-building overview") % {"org": org.name}


# --- values ------------------------------------------------------------------------------------

def trend_dates(as_of: dt.date) -> list[dt.date]:
    """The ends of the previous months, oldest first, then ``as_of`` itself."""
    first = month_start(as_of)
    ends = [add_months(first, -k) - dt.timedelta(days=1) for k in range(TREND_MONTHS - 2, -1, -1)]
    return [*ends, as_of]


def plain(value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return float(value)


def _split(widget: Widget) -> str:
    """The dimension a widget splits its figure by ('' for none)."""
    if widget.kind == BAR_CHILDREN:
        return stats.CHILD
    return widget.dimension if widget.kind in DIMENSION_KINDS else ""


@dataclass
class _Batch:
    """One counted figure on the day, split by every dimension its widgets need in as few GROUP BYs
    as keep the cross tabulation under ``MERGE_LIMIT`` combinations (``core.stats.crosstab``; one
    query in the usual case): each widget of the figure reads its part of the same counts."""

    parts: list[tuple[list[str], dict[tuple[str, ...], int]]]

    def total(self) -> int:
        return sum(self.parts[0][1].values())

    def by(self, dim: str) -> dict[str, int]:
        dims, counts = next(p for p in self.parts if dim in p[0])
        i = dims.index(dim)
        out: dict[str, int] = {}
        for key, n in counts.items():
            out[key[i]] = out.get(key[i], 0) + n
        return out


#: At most this many combinations of values in one merged cross tabulation (as the year-end
#: tables merge theirs): a committee with hundreds of children splits the rest apart.
MERGE_LIMIT = 4096


def _groups(fig: stats.Figure, dims: list[str], children: int) -> list[list[str]]:
    """``dims`` in consecutive groups whose combinations stay under MERGE_LIMIT."""
    groups: list[list[str]] = []
    size = 0
    for dim in dims:
        n = children + 1 if dim == stats.CHILD else len(fig.dimensions[dim].choices) + 1
        if groups and size * n <= MERGE_LIMIT:
            groups[-1].append(dim)
            size *= n
        else:
            groups.append([dim])
            size = n
    return groups


def _batches(widgets: list[Widget], org: Organization, as_of: dt.date, children: int) -> dict[str, _Batch | Exception]:
    """For each counted figure that several widgets show on the day: its counts by all of their
    dimensions at once (one query instead of one per widget)."""
    plan: dict[str, list[str]] = {}
    uses: dict[str, int] = {}
    for w in widgets:
        if not w.figure.counted:
            continue
        key, dim = w.figure.key, _split(w)
        uses[key] = uses.get(key, 0) + 1
        dims = plan.setdefault(key, [])
        if dim and dim not in dims:
            dims.append(dim)
    out: dict[str, _Batch | Exception] = {}
    for key, dims in plan.items():
        if uses[key] < 2 or not dims:
            continue
        fig = next(w.figure for w in widgets if w.figure.key == key)
        try:
            out[key] = _Batch([(group, stats.crosstab(fig, org.path, as_of, group))
                               for group in _groups(fig, dims, children)])
        except Exception as exc:
            if settings.HOOKS_STRICT:
                raise
            log.exception("overview screen: figure %s failed", key)
            out[key] = exc
    return out


def _past_points(fig: stats.Figure, org: Organization, days: list[dt.date]) -> list[tuple[dt.date, Any]]:
    """A trend's earlier points (the ends of past months), each kept ``PAST_POINT_SECONDS`` on its
    own: they change only when records are dated back, and each is a query of its own."""
    registry = _registry_token()

    def key(d: dt.date) -> str:
        raw = f"{fig.key}|{org.path}|{d.isoformat()}|{registry}"
        return CACHE_PREFIX + "point:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()

    known = cache.get_many([key(d) for d in days])
    fresh = {}
    out = []
    for d in days:
        if key(d) in known:
            value = known[key(d)]
        else:
            value = fresh[key(d)] = plain(stats.figure_value(fig, org.path, d))
        out.append((d, value))
    if fresh:
        cache.set_many(fresh, PAST_POINT_SECONDS)
    return out


def _compute(widget: Widget, org: Organization, as_of: dt.date, batch: _Batch | None = None) -> dict[str, Any]:
    fig = widget.figure
    if widget.kind == NUMBER:
        return {"value": batch.total() if batch else plain(stats.figure_value(fig, org.path, as_of))}
    if widget.kind == TREND:
        past = _past_points(fig, org, [d for d in trend_dates(as_of) if d != as_of])
        today = batch.total() if batch else plain(stats.figure_value(fig, org.path, as_of))
        return {"points": [*([d.isoformat(), v] for d, v in past), [as_of.isoformat(), today]]}
    if batch:
        return {"counts": batch.by(_split(widget))}
    if widget.kind == BAR_CHILDREN:
        return {"counts": {k[0]: n for k, n in stats.crosstab(fig, org.path, as_of, [stats.CHILD]).items()}}
    return {"counts": stats.breakdown(fig, org.path, as_of, widget.dimension)}


def _cache_key(org: Organization, as_of: dt.date, layout: Layout) -> str:
    raw = f"{org.path}|{as_of.isoformat()}|{layout.token}"
    return CACHE_PREFIX + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()


def compute_values(org: Organization, as_of: dt.date, layout: Layout) -> dict[str, Any]:
    """The raw values of every widget (no labels, no links: the same for every viewer), and the
    child organizations' names when a widget splits by child. One query per counted figure on
    the day (all its widgets' splits at once), one per computed figure, one per earlier point of a
    trend, and one for the children — however many children there are."""
    children: list[list[Any]] = []
    if any(w.kind == BAR_CHILDREN for w in layout.widgets):
        children = [list(row) for row in Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1)
                    .order_by("path").values_list("pk", "path", "name", "is_active")]
    values: list[dict[str, Any]] = []
    batches = _batches(layout.widgets, org, as_of, len(children))
    for widget in layout.widgets:
        batch = batches.get(widget.figure.key)
        if isinstance(batch, Exception):
            values.append({"error": True})
            continue
        try:
            values.append(_compute(widget, org, as_of, batch))
        except Exception:
            if settings.HOOKS_STRICT:
                raise
            log.exception("overview screen: figure %s (%s) failed", widget.figure.key, widget.kind)
            values.append({"error": True})
    return {"values": values, "children": children, "computed_at": timezone.now().isoformat()}


def cached_values(org: Organization, as_of: dt.date, layout: Layout) -> dict[str, Any]:
    """``compute_values``, fresh for ``CACHE_SECONDS`` under a key of the organization's path, the
    date and the layout's token. When they are older, one request computes them again (a county's
    screen takes a second or two cold) while the others meanwhile get the previous values, kept
    up to ``STALE_SECONDS`` — so screens opened at once, or many wall displays, do not all
    compute the same figures."""
    key = _cache_key(org, as_of, layout)
    entry = cache.get(key)
    now = time.time()
    if entry is not None and entry["fresh_until"] > now:
        return entry["data"]
    lock = key + ":computing"
    locked = cache.add(lock, 1, LOCK_SECONDS)
    if entry is not None and not locked:
        return entry["data"]
    try:
        data = compute_values(org, as_of, layout)
        cache.set(key, {"data": data, "fresh_until": time.time() + CACHE_SECONDS}, STALE_SECONDS)
    finally:
        if locked:
            cache.delete(lock)
    return data


# --- what one viewer gets ----------------------------------------------------------------------

def display(value: int | float | None) -> str:
    """A value as the screen writes it: thousands grouped, at most two decimals, "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def _items_children(widget: Widget, org: Organization, as_of: dt.date, raw: dict[str, Any],
                    children: list[list[Any]], links: bool) -> list[dict[str, Any]]:
    counts: dict[str, int] = raw.get("counts", {})
    items = []
    for pk, path, name, active in children:
        value = counts.get(path, 0)
        if not active and not value:
            continue  # a dissolved organization with nothing to count
        item: dict[str, Any] = {"key": str(pk), "name": name, "value": value, "display": display(value)}
        if links:
            item["url"] = drilldown_url(widget.figure, org, as_of, {stats.CHILD: path})
        items.append(item)
    own = sum(n for path, n in counts.items() if len(path) <= len(org.path))
    if own:
        # Records held by the organization itself (not by one of its children): no child filter
        # selects them, so this bar has no list of its own.
        items.append({"key": "self", "name": _("%(org)s itself") % {"org": org.name}, "value": own, "display": display(own)})
    return items


def _items_dimension(widget: Widget, org: Organization, as_of: dt.date, raw: dict[str, Any],
                     links: bool) -> list[dict[str, Any]]:
    counts: dict[str, int] = raw.get("counts", {})
    dim = widget.figure.dimensions[widget.dimension]
    choices = [(v, str(label)) for v, label in dim.choices]
    if counts.get(""):
        choices.append(("", _("Not recorded")))
    items = []
    for value_key, label in choices:
        value = counts.get(value_key, 0)
        item: dict[str, Any] = {"key": value_key, "name": label, "value": value, "display": display(value)}
        if links:
            item["url"] = drilldown_url(widget.figure, org, as_of, {widget.dimension: value_key})
        items.append(item)
    return items


def _items_trend(widget: Widget, org: Organization, raw: dict[str, Any], links: bool) -> list[dict[str, Any]]:
    items = []
    for day, value in raw.get("points", []):
        item: dict[str, Any] = {"key": day, "name": day[5:], "value": value, "display": display(value)}
        if links:
            item["url"] = drilldown_url(widget.figure, org, dt.date.fromisoformat(day))
        items.append(item)
    return items


def screen_payload(user: Any, org: Organization, as_of: dt.date, layout: Layout | None = None) -> dict[str, Any]:
    """The screen for ``user``: every widget of ``org``'s layout whose aggregate they may see,
    with labels, and with drill-down URLs only where they may open the records."""
    layout = layout or layout_for(org)
    data = cached_values(org, as_of, layout)
    widgets: list[dict[str, Any]] = []
    for n, (widget, raw) in enumerate(zip(layout.widgets, data["values"], strict=True), start=1):
        fig = widget.figure
        if not may_view_aggregates(user, fig, org):
            continue
        links = may_view_records(user, fig, org) and not raw.get("error")
        out: dict[str, Any] = {
            "id": f"w{n}", "kind": widget.kind, "figure": fig.key, "label": str(fig.label), "unit": str(fig.unit),
            "span": widget.span, "error": bool(raw.get("error")),
        }
        if widget.dimension:
            out["dimension"] = widget.dimension
            out["subtitle"] = str(fig.dimensions[widget.dimension].label)
        elif widget.kind == BAR_CHILDREN:
            out["subtitle"] = _("by organization below")
        elif widget.kind == TREND:
            out["subtitle"] = _("month ends")
        if widget.kind == NUMBER:
            out["value"] = raw.get("value")
            out["display"] = display(raw.get("value"))
            if links:
                out["url"] = drilldown_url(fig, org, as_of)
        elif widget.kind == TREND:
            out["items"] = _items_trend(widget, org, raw, links)
        elif widget.kind == BAR_CHILDREN:
            out["items"] = _items_children(widget, org, as_of, raw, data["children"], links)
        else:
            out["items"] = _items_dimension(widget, org, as_of, raw, links)
        widgets.append(out)
    return {
        "org": {"id": org.pk, "name": org.name},
        "title": layout.title or default_title(org),
        "date": as_of.isoformat(),
        "computed_at": data["computed_at"],
        "updated": timezone.localtime(dt.datetime.fromisoformat(data["computed_at"])).strftime("%H:%M:%S"),
        "refresh": REFRESH_SECONDS,
        "widgets": widgets,
    }


def may_configure(user: Any, org: Organization | None) -> bool:
    """``stats.configure`` on the organization; for the default of every screen, on every top
    organization of the tree."""
    if org is not None:
        return in_scope(user, "stats.configure", org.path)
    roots = list(Organization.get_root_nodes().values_list("path", flat=True))
    return all(in_scope(user, "stats.configure", p) for p in roots or [""])
