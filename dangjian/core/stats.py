"""The statistics registry (issue 15): each module registers the figures it can compute; the
statistics module (``dangjian.stats``: year-end tables, the overview screen, statistics pages,
``/api/v1/stats/…``) and the workbench read them here, and own no module's tables.

A figure is one of two kinds:

*counted* (``rows`` given)
    ``rows(org_path, as_of)`` returns a queryset of the records counted for the subtree rooted at
    ``org_path`` as they stood at the end of the day ``as_of`` (history, not today's state, when
    the module keeps it; ``history=False`` says it does not). The value is ``rows(...).count()``;
    a figure's *dimensions* split it (``sex``, ``age_band`` …), any number of them at once in one
    GROUP BY (:func:`crosstab`); the drill-down list is the same queryset, so its length is the
    value by construction. ``columns``/``row`` render a record in that list, with personal data
    already masked.

*computed* (``value`` given)
    ``value(org_path, as_of)`` returns a number (a rate in per cent, an amount); it has no
    dimensions and drills to the counted figure named by ``drill`` (e.g. the dues collection
    rate drills to the members in arrears).

``perm`` is the permission a caller needs on the organization to open the records behind the
figure (the drill-down); seeing the aggregate for an organization needs ``stats.view`` or
``perm`` there (the statistics module grants ``stats.view``). Keys are stable dotted names
``<module>.<what>``; the API and the year-end tables refer to figures by key.

Built-in dimension ``child``: for a counted figure whose rows carry an organization path
(``path_field``), the value per child organization of ``org_path`` (one GROUP BY on the path
prefix), for the overview screen's bar charts and the committee tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Substr

Number = int | float | Decimal | None

#: Length of one level of the organization tree's materialized path (treebeard's ``steplen``).
PATH_STEP = 4
CHILD = "child"


@dataclass(frozen=True)
class Dimension:
    """A way to split a counted figure. ``choices`` are ``(value, label)`` pairs. A record has
    value ``v`` when ``q(v, as_of)`` holds (``q`` given: age bands, "minority", derived
    classes) or when its ``field`` equals ``v`` (``field`` given: a plain column; records whose
    column holds a value outside ``choices`` fall under ``""``, "not recorded")."""

    label: Any
    choices: Sequence[tuple[str, Any]]
    field: str = ""
    q: Callable[[str, dt.date], Q] | None = None

    def __post_init__(self) -> None:
        if bool(self.field) == (self.q is not None):
            raise ValueError("a Dimension needs exactly one of field or q")

    def filter(self, value: str, as_of: dt.date) -> Q:
        if self.q is not None:
            return self.q(value, as_of)
        if value == "":
            return ~Q(**{f"{self.field}__in": [v for v, _ in self.choices]})
        return Q(**{self.field: value})

    def expression(self, as_of: dt.date) -> Any:
        """The value as an SQL expression (for GROUP BY)."""
        known = [v for v, _ in self.choices]
        if self.q is not None:
            return Case(*[When(self.q(v, as_of), then=Value(v)) for v in known], default=Value(""),
                        output_field=CharField())
        return Case(When(**{f"{self.field}__in": known}, then=Cast(F(self.field), CharField())),
                    default=Value(""), output_field=CharField())


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    module: str
    unit: Any
    perm: str
    rows: Callable[[str, dt.date], QuerySet[Any]] | None = None
    value: Callable[[str, dt.date], Number] | None = None
    dimensions: Mapping[str, Dimension] = field(default_factory=dict)
    columns: Sequence[tuple[str, Any]] = ()
    row: Callable[[Any], dict[str, Any]] | None = None
    drill: str = ""
    path_field: str = "org_path"
    history: bool = True
    description: Any = ""
    order: int = 100

    def __post_init__(self) -> None:
        if (self.rows is None) == (self.value is None):
            raise ValueError(f"figure {self.key}: give exactly one of rows (counted) or value (computed)")
        if "." not in self.key:
            raise ValueError(f"figure {self.key}: keys are dotted names <module>.<what>")
        if self.value is not None and self.dimensions:
            raise ValueError(f"figure {self.key}: a computed figure has no dimensions")
        if CHILD in self.dimensions:
            raise ValueError(f"figure {self.key}: “{CHILD}” is the built-in dimension")

    @property
    def counted(self) -> bool:
        return self.rows is not None

    @property
    def drill_key(self) -> str:
        """The counted figure whose records this figure's drill-down lists ('' when none)."""
        return self.key if self.counted else self.drill


_figures: dict[str, Figure] = {}


def register_figure(figure: Figure) -> Figure:
    """Register ``figure`` (from the owning module's ``AppConfig.ready()``). Registering the same
    key again replaces it (tests and reloads)."""
    _figures[figure.key] = figure
    return figure


def unregister_figure(key: str) -> None:
    _figures.pop(key, None)


def figures() -> list[Figure]:
    """Every registered figure, by module, then ``order``, then key."""
    return sorted(_figures.values(), key=lambda f: (f.module, f.order, f.key))


def get_figure(key: str) -> Figure | None:
    return _figures.get(key)


class FilterError(ValueError):
    """A filter names a dimension the figure does not have, or a value outside its choices."""


def _dimension(figure: Figure, name: str) -> Dimension:
    try:
        return figure.dimensions[name]
    except KeyError:
        raise FilterError(f"{figure.key} has no dimension {name!r}") from None


def filtered_rows(figure: Figure, org_path: str, as_of: dt.date,
                  filters: Mapping[str, str] | None = None) -> QuerySet[Any]:
    """The records behind a counted figure (its drill-down list), restricted by ``filters``
    (``{dimension: value}``; ``child`` selects one child organization by its path)."""
    if figure.rows is None:
        raise FilterError(f"{figure.key} is computed; its records are those of {figure.drill or 'no figure'}")
    qs = figure.rows(org_path, as_of)
    for name, value in (filters or {}).items():
        if name == CHILD:
            if not (value.startswith(org_path) and len(value) == len(org_path) + PATH_STEP):
                raise FilterError(f"{value!r} is not a child of {org_path!r}")
            qs = qs.filter(Q(**{f"{figure.path_field}__startswith": value}))
            continue
        dim = _dimension(figure, name)
        if value != "" and value not in {v for v, _ in dim.choices}:
            raise FilterError(f"{value!r} is not a value of {figure.key}'s dimension {name!r}")
        qs = qs.filter(dim.filter(value, as_of))
    return qs


def figure_value(figure: Figure, org_path: str, as_of: dt.date,
                 filters: Mapping[str, str] | None = None) -> Number:
    """The figure for one subtree and date (one query for a counted figure)."""
    if figure.value is not None:
        if filters:
            raise FilterError(f"{figure.key} is computed and takes no filters")
        return figure.value(org_path, as_of)
    return filtered_rows(figure, org_path, as_of, filters).count()


def crosstab(figure: Figure, org_path: str, as_of: dt.date, dims: Iterable[str],
             filters: Mapping[str, str] | None = None) -> dict[tuple[str, ...], int]:
    """A counted figure split by several dimensions at once, in one GROUP BY query:
    ``{(value of dims[0], value of dims[1], …): count}``; combinations with no record are absent.
    ``child`` gives the child organization's path."""
    dims = list(dims)
    qs = filtered_rows(figure, org_path, as_of, filters)
    annotations: dict[str, Any] = {}
    for i, name in enumerate(dims):
        if name == CHILD:
            annotations[f"_d{i}"] = Substr(figure.path_field, 1, len(org_path) + PATH_STEP)
        else:
            annotations[f"_d{i}"] = _dimension(figure, name).expression(as_of)
    names = list(annotations)
    out: dict[tuple[str, ...], int] = {}
    for rec in qs.order_by().annotate(**annotations).values(*names).annotate(_n=Count("pk")):
        k = tuple(str(rec[n] or "") for n in names)
        out[k] = out.get(k, 0) + rec["_n"]
    return out


def breakdown(figure: Figure, org_path: str, as_of: dt.date, dim: str,
              filters: Mapping[str, str] | None = None) -> dict[str, int]:
    """A counted figure split by one dimension (one query): ``{value: count}``."""
    return {k[0]: n for k, n in crosstab(figure, org_path, as_of, [dim], filters).items()}


def rate(numerator: int | float | Decimal, denominator: int | float | Decimal) -> Decimal | None:
    """A percentage with one decimal (None when there is nothing to divide by): the one rounding
    every rate figure uses, so the screen, the tables and the API agree."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"))
