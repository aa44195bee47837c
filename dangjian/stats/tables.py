"""The year-end party statistics tables (党内统计年报) as data, and how they are computed.

A table is rows × columns; each cell is a registered figure (``core.stats``) with filters
``{dimension: value}`` and a date: the table's "as of" date or the end of the previous year
(``AT_PREVIOUS_YEAR_END``: "members at the end of last year" in the changes table). A row names
the figure and its filters; a column adds filters (and may name another figure or date). A cell
whose row and column filter one dimension on different values is not applicable (blank).

Computing a set of tables for an organization and a date takes a bounded number of queries, whatever
the number of cells or records: the cells are batched per figure and date, their dimension sets
merged (``{sex}`` and ``{sex, age_band}`` need only the second; small sets are merged further while
the cross tabulation stays small), and each merged set is one GROUP BY (``core.stats.crosstab``).
A computed figure is called once per date. A cell whose figure is not registered (its module is not
installed) or lacks a dimension it names is *unavailable* (shown "—"), never an error.

Reconciliation (``CHECKS``) is data too: two sums of cells that must be equal (or one at most the
other), with the cells that explain a difference (the members whose sex is not recorded …).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import prod
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from dangjian.core import stats
from dangjian.orgs import BRANCH_KINDS, OrgKind

log = logging.getLogger(__name__)

AT_DATE = "date"
AT_PREVIOUS_YEAR_END = "previous_year_end"
#: A merged cross tabulation may have at most this many combinations of values.
MERGE_LIMIT = 4096

Number = int | float | Decimal | None


def previous_year_end(day: dt.date) -> dt.date:
    return dt.date(day.year - 1, 12, 31)


def default_as_of(today: dt.date) -> dt.date:
    """Year-end tables are made for 31 December of the year that has ended."""
    return previous_year_end(today)


# --- Definitions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """One number: a figure, filters on its dimensions, and the date it is taken at."""

    figure: str
    filters: tuple[tuple[str, str], ...] = ()
    at: str = AT_DATE

    @classmethod
    def of(cls, figure: str, at: str = AT_DATE, **filters: str) -> Ref:
        return cls(figure, tuple(sorted(filters.items())), at)

    @property
    def filter_dict(self) -> dict[str, str]:
        return dict(self.filters)

    def date(self, as_of: dt.date) -> dt.date:
        return previous_year_end(as_of) if self.at == AT_PREVIOUS_YEAR_END else as_of


@dataclass(frozen=True)
class Line:
    """A row or a column. A row gives the figure; a column's ``figure`` (or ``at``), when set,
    replaces the row's. Filters of both apply."""

    key: str
    label: Any
    figure: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    at: str = ""
    indent: int = 0


def line(key: str, label: Any, figure: str = "", *, at: str = "", indent: int = 0, **filters: str) -> Line:
    return Line(key, label, figure, tuple(sorted(filters.items())), at, indent)


@dataclass(frozen=True)
class StatTable:
    key: str
    number: int
    title: Any
    rows: tuple[Line, ...]
    columns: tuple[Line, ...]
    unit: Any = _("persons")
    note: Any = ""

    def cell(self, row: Line, column: Line) -> Ref | None:
        """The cell's figure, filters and date; None when the row and column contradict."""
        filters = dict(row.filters)
        for name, value in column.filters:
            if filters.get(name, value) != value:
                return None
            filters[name] = value
        return Ref(column.figure or row.figure, tuple(sorted(filters.items())), column.at or row.at or AT_DATE)

    def refs(self) -> list[Ref]:
        return [r for row in self.rows for col in self.columns if (r := self.cell(row, col)) is not None]


@dataclass(frozen=True)
class Term:
    ref: Ref
    sign: int = 1
    label: Any = ""


@dataclass(frozen=True)
class Explanation:
    """A number that explains a failed check when it is not zero: ``message`` takes ``%(n)d``."""

    ref: Ref
    message: Any


@dataclass(frozen=True)
class Check:
    key: str
    label: Any
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    tables: tuple[str, ...]
    relation: str = "eq"  # "eq": left = right; "le": left ≤ right
    left_label: Any = ""
    right_label: Any = ""
    explanations: tuple[Explanation, ...] = ()

    def refs(self) -> list[Ref]:
        return [t.ref for t in (*self.left, *self.right)] + [e.ref for e in self.explanations]


# The figure keys (docs: the issue-15 contract between the helpers).
TOTAL, JOINED, LEFT = "members.total", "members.joined", "members.left"
ORGS, BRANCHES = "orgs.total", "orgs.branches"

SEX = (("male", _("Male")), ("female", _("Female")))
ETHNICITY = (("han", _("Han")), ("minority", _("Ethnic minority")))
STATUS = (("full", _("Full members")), ("probationary", _("Probationary members")))
AGE_BANDS = (
    ("le30", _("30 and under")), ("31_35", _("31–35")), ("36_40", _("36–40")), ("41_45", _("41–45")),
    ("46_50", _("46–50")), ("51_55", _("51–55")), ("56_60", _("56–60")), ("61_70", _("61–70")),
    ("ge71", _("71 and over")),
)
EDUCATION = (
    ("postgrad", _("Postgraduate")), ("bachelor", _("Bachelor")), ("junior_college", _("Junior college")),
    ("secondary", _("Senior secondary")), ("junior_or_below", _("Junior middle school or below")),
)
STANDING = (
    ("le5", _("5 years and under")), ("6_10", _("6–10 years")), ("11_20", _("11–20 years")),
    ("21_30", _("21–30 years")), ("31_40", _("31–40 years")), ("41_50", _("41–50 years")),
    ("ge51", _("51 years and over")),
)
CATEGORY = (
    ("in_service", _("In service")), ("retired", _("Retired")), ("farmer", _("Farmers")),
    ("student", _("Students")), ("unemployed", _("Unemployed")), ("other", _("Other")),
)
JOINED_HOW = (
    ("developed", _("Newly developed")), ("transferred_in", _("Transferred in")),
    ("restored", _("Membership restored")), ("other", _("Other")),
)
LEFT_HOW = (
    ("deceased", _("Deceased")), ("transferred_out", _("Transferred out")), ("removed", _("Removed")),
    ("expelled", _("Expelled")), ("lapsed", _("Left of own accord")), ("suspended", _("Lost contact (suspended)")),
    ("other", _("Other")),
)


def _split(dim: str, values: Sequence[tuple[str, Any]], figure: str = "", indent: int = 1, prefix: str = "",
           **base: str) -> tuple[Line, ...]:
    return tuple(line(prefix + v, label, figure, indent=indent, **base, **{dim: v}) for v, label in values)


ALL = line("all", _("Total"))
#: The "of which" rows of the members' tables.
MEMBER_ROWS = (
    line("total", _("Party members"), TOTAL),
    line("female", _("of whom women"), TOTAL, indent=1, sex="female"),
    line("minority", _("of whom ethnic minorities"), TOTAL, indent=1, ethnicity="minority"),
    line("probationary", _("of whom probationary members"), TOTAL, indent=1, status="probationary"),
)
COUNT = (line("count", pgettext_lazy("count", "Number")),)

TABLES: tuple[StatTable, ...] = (
    StatTable(
        "members_basic", 1, _("Party members: basic situation"),
        rows=(line("total", _("Party members"), TOTAL), *_split("sex", SEX, TOTAL),
              *_split("ethnicity", ETHNICITY, TOTAL)),
        columns=(ALL, *_split("status", STATUS, indent=0)),
    ),
    StatTable("members_age", 2, _("Party members by age"), rows=MEMBER_ROWS,
              columns=(ALL, *_split("age_band", AGE_BANDS, indent=0)), note=_("Age at the date of the table.")),
    StatTable("members_education", 3, _("Party members by education"), rows=MEMBER_ROWS,
              columns=(ALL, *_split("education", EDUCATION, indent=0))),
    StatTable("members_standing", 4, _("Party members by party standing"), rows=MEMBER_ROWS,
              columns=(ALL, *_split("standing", STANDING, indent=0)),
              note=_("Years since joining the party, at the date of the table.")),
    StatTable(
        "members_category", 5, _("Distribution of party members by occupation"),
        rows=(line("total", _("Party members"), TOTAL), *_split("category", CATEGORY, TOTAL)),
        columns=(ALL, line("female", _("Women"), sex="female"), line("minority", _("Ethnic minorities"),
                 ethnicity="minority"), line("probationary", _("Probationary members"), status="probationary")),
    ),
    StatTable(
        "development", 6, _("Party members developed in the year"),
        rows=(line("total", _("Newly developed members"), JOINED, how="developed"),
              *_split("category", CATEGORY, JOINED, how="developed")),
        columns=(ALL, line("female", _("Women"), sex="female"), line("le30", _("Aged 30 and under"), age_band="le30"),
                 line("31_35", _("Aged 31–35"), age_band="31_35"), *_split("education", EDUCATION, indent=0)),
        note=_("Members admitted (probationary) from 1 January to the date of the table; age and education at admission."),
    ),
    StatTable(
        "development_pipeline", 7, _("Activists and candidates for membership"),
        rows=(line("activists", _("Activists applying for membership"), "development.activists"),
              line("candidates", _("Candidates for development"), "development.candidates"),
              line("admitted", _("Admitted in the year"), "development.admitted"),
              line("overdue", _("Files with an overdue step"), "development.overdue")),
        columns=COUNT,
    ),
    StatTable(
        "changes", 8, _("Changes in party membership"),
        rows=(line("previous", _("Party members at the end of the previous year"), TOTAL, at=AT_PREVIOUS_YEAR_END),
              line("joined", _("Joined in the year"), JOINED), *_split("how", JOINED_HOW, JOINED, prefix="joined_"),
              line("left", _("Left in the year"), LEFT), *_split("how", LEFT_HOW, LEFT, prefix="left_"),
              line("current", _("Party members at the date of the table"), TOTAL)),
        columns=COUNT,
    ),
    StatTable(
        "orgs_basic", 9, _("Party organizations: basic situation"),
        rows=(line("total", _("Party organizations"), ORGS),
              *_split("kind", [(k.value, k.label) for k in OrgKind], ORGS),
              line("branches", _("Branches of every kind"), BRANCHES),
              line("terms_due", _("Organizations whose term ends within 90 days or has ended"), "orgs.terms_due")),
        columns=COUNT, unit=_("organizations"),
    ),
)

_TABLES = {t.key: t for t in TABLES}


def get_table(key: str) -> StatTable | None:
    return _TABLES.get(key)


def _sum_check(key: str, label: Any, figure: str, dim: str, values: Iterable[tuple[str, Any]], tables: tuple[str, ...],
               message: Any, **base: str) -> Check:
    """The split of ``figure`` by ``dim`` adds up to its total."""
    return Check(
        key, label, left=tuple(Term(Ref.of(figure, **base, **{dim: v}), label=lab) for v, lab in values),
        right=(Term(Ref.of(figure, **base)),), tables=tables,
        left_label=_("Sum of the split"), right_label=_("Total"),
        explanations=(Explanation(Ref.of(figure, **base, **{dim: ""}), message),),
    )


_MEMBERS = ("members_basic", "members_age", "members_education", "members_standing", "members_category")
CHECKS: tuple[Check, ...] = (
    _sum_check("members_sex", _("Men and women add up to the party members"), TOTAL, "sex", SEX, _MEMBERS,
               ngettext_lazy("%(n)d member has no sex recorded", "%(n)d members have no sex recorded", "n")),
    _sum_check("members_ethnicity", _("Han and ethnic minorities add up to the party members"), TOTAL, "ethnicity",
               ETHNICITY, _MEMBERS, ngettext_lazy("%(n)d member has no ethnicity recorded",
                                                  "%(n)d members have no ethnicity recorded", "n")),
    _sum_check("members_status", _("Full and probationary members add up to the party members"), TOTAL, "status",
               STATUS, _MEMBERS, ngettext_lazy("%(n)d member has another status", "%(n)d members have another status",
                                               "n")),
    _sum_check("members_age", _("The age bands add up to the party members"), TOTAL, "age_band", AGE_BANDS,
               ("members_age",), ngettext_lazy("%(n)d member has no birth date recorded",
                                               "%(n)d members have no birth date recorded", "n")),
    _sum_check("members_education", _("The education levels add up to the party members"), TOTAL, "education",
               EDUCATION, ("members_education",), ngettext_lazy("%(n)d member has no education recorded",
                                                                "%(n)d members have no education recorded", "n")),
    _sum_check("members_standing", _("The party standing bands add up to the party members"), TOTAL, "standing",
               STANDING, ("members_standing",), ngettext_lazy("%(n)d member has no joining date recorded",
                                                              "%(n)d members have no joining date recorded", "n")),
    _sum_check("members_category", _("The occupations add up to the party members"), TOTAL, "category", CATEGORY,
               ("members_category",), ngettext_lazy("%(n)d member has no occupation category recorded",
                                                    "%(n)d members have no occupation category recorded", "n")),
    _sum_check("development_education", _("The education of newly developed members adds up to their number"),
               JOINED, "education", EDUCATION, ("development",),
               ngettext_lazy("%(n)d newly developed member has no education recorded",
                             "%(n)d newly developed members have no education recorded", "n"), how="developed"),
    _sum_check("development_category", _("The occupations of newly developed members add up to their number"),
               JOINED, "category", CATEGORY, ("development",),
               ngettext_lazy("%(n)d newly developed member has no occupation category recorded",
                             "%(n)d newly developed members have no occupation category recorded", "n"), how="developed"),
    Check("changes_identity", _("Members at the end of last year + joined − left = members now"),
          left=(Term(Ref.of(TOTAL, at=AT_PREVIOUS_YEAR_END), label=_("End of the previous year")),
                Term(Ref.of(JOINED), label=_("Joined")), Term(Ref.of(LEFT), -1, label=_("Left"))),
          right=(Term(Ref.of(TOTAL)),), tables=("changes",),
          left_label=_("Previous year + joined − left"), right_label=_("Members at the date")),
    _sum_check("changes_joined", _("The ways of joining add up to the members who joined"), JOINED, "how", JOINED_HOW,
               ("changes",), ngettext_lazy("%(n)d entry has no way of joining recorded",
                                           "%(n)d entries have no way of joining recorded", "n")),
    _sum_check("changes_left", _("The ways of leaving add up to the members who left"), LEFT, "how", LEFT_HOW,
               ("changes",), ngettext_lazy("%(n)d exit has no way of leaving recorded",
                                           "%(n)d exits have no way of leaving recorded", "n")),
    Check("development_admitted", _("Newly developed members agree with the development files admitted"),
          left=(Term(Ref.of(JOINED, how="developed")),), right=(Term(Ref.of("development.admitted")),),
          tables=("development", "development_pipeline", "changes"),
          left_label=_("Joined as newly developed"), right_label=_("Admitted in the development files")),
    _sum_check("orgs_kinds", _("The kinds of organization add up to the organizations"), ORGS, "kind",
               [(k.value, k.label) for k in OrgKind], ("orgs_basic",),
               ngettext_lazy("%(n)d organization has another kind", "%(n)d organizations have another kind", "n")),
    Check("orgs_branches_within", _("Branches are not more than the organizations"),
          left=(Term(Ref.of(BRANCHES)),), right=(Term(Ref.of(ORGS)),), tables=("orgs_basic",), relation="le",
          left_label=_("Branches"), right_label=_("Organizations")),
    Check("orgs_branches_kinds", _("Branches agree with the organizations of branch kinds"),
          left=(Term(Ref.of(BRANCHES)),),
          right=tuple(Term(Ref.of(ORGS, kind=k.value), label=k.label) for k in OrgKind if k in BRANCH_KINDS),
          tables=("orgs_basic",), left_label=_("Branches"), right_label=_("Organizations of branch kinds")),
)


def checks_for(table_keys: Iterable[str]) -> list[Check]:
    keys = set(table_keys)
    return [c for c in CHECKS if keys & set(c.tables)]


# --- Computing ------------------------------------------------------------------------------------


@dataclass
class Values:
    """The numbers of a batch: ``value(ref)``; ``available(ref)`` is False when the figure is not
    registered or lacks a dimension the ref names. ``queries`` counts the GROUP BYs and calls."""

    numbers: dict[Ref, Number] = field(default_factory=dict)
    missing: set[Ref] = field(default_factory=set)
    queries: int = 0

    def available(self, ref: Ref) -> bool:
        return ref not in self.missing

    def value(self, ref: Ref) -> Number:
        return None if ref in self.missing else self.numbers.get(ref)


def _valid(figure: stats.Figure, ref: Ref) -> bool:
    for name, value in ref.filters:
        dim = figure.dimensions.get(name)
        if dim is None or (value != "" and value not in {v for v, _label in dim.choices}):
            return False
    return True


def _size(figure: stats.Figure, dims: frozenset[str]) -> int:
    return prod(len(figure.dimensions[d].choices) + 1 for d in dims)


def merge_dimension_sets(figure: stats.Figure, sets: Iterable[frozenset[str]],
                         limit: int | None = None) -> list[frozenset[str]]:
    """The GROUP BYs that serve every set: the maximal sets, then merged greedily (largest first)
    while the cross tabulation stays within ``limit`` (``MERGE_LIMIT``) combinations of values."""
    limit = MERGE_LIMIT if limit is None else limit
    unique = set(sets)
    maximal = [s for s in unique if not any(s < t for t in unique)]
    maximal.sort(key=lambda s: (-_size(figure, s), sorted(s)))
    merged: list[frozenset[str]] = []
    for s in maximal:
        for i, m in enumerate(merged):
            if _size(figure, m | s) <= limit:
                merged[i] = m | s
                break
        else:
            merged.append(s)
    return merged


def compute(refs: Iterable[Ref], org_path: str, as_of: dt.date) -> Values:
    """Every ref's number for the subtree at ``org_path``, as of ``as_of`` (see the module doc)."""
    out = Values()
    groups: dict[tuple[str, dt.date], set[Ref]] = {}
    for ref in refs:
        groups.setdefault((ref.figure, ref.date(as_of)), set()).add(ref)
    for (key, day), wanted in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1])):
        figure = stats.get_figure(key)
        if figure is None:
            out.missing |= wanted
            continue
        if not figure.counted:
            plain = {r for r in wanted if not r.filters}
            out.missing |= wanted - plain
            if plain:
                value, ok = safe_value(figure, org_path, day)
                out.queries += 1
                for ref in plain:
                    if ok:
                        out.numbers[ref] = value
                    else:
                        out.missing.add(ref)
            continue
        good = {r for r in wanted if _valid(figure, r)}
        out.missing |= wanted - good
        if not good:
            continue
        sets = merge_dimension_sets(figure, (frozenset(n for n, _v in r.filters) for r in good))
        tabs: list[tuple[list[str], dict[tuple[str, ...], int]]] = []
        try:
            for dims in sets:
                names = sorted(dims)
                if names:
                    tabs.append((names, stats.crosstab(figure, org_path, day, names)))
                else:
                    tabs.append((names, {(): int(stats.figure_value(figure, org_path, day) or 0)}))
                out.queries += 1
        except Exception:
            if settings.HOOKS_STRICT:
                raise
            log.exception("figure %s failed", key)
            out.missing |= good
            continue
        for ref in good:
            wanted_dims = {n for n, _v in ref.filters}
            names, tab = next((n, t) for n, t in tabs if wanted_dims <= set(n))
            pos = [(names.index(n), v) for n, v in ref.filters]
            out.numbers[ref] = sum(count for combo, count in tab.items() if all(combo[i] == v for i, v in pos))
    return out


# --- Results --------------------------------------------------------------------------------------


@dataclass
class Cell:
    row: Line
    column: Line
    ref: Ref | None  # None: not applicable
    value: Number = None
    available: bool = True
    url: str = ""


@dataclass
class TableResult:
    table: StatTable
    cells: list[list[Cell]]

    def value(self, row_key: str, column_key: str) -> Number:
        for row in self.cells:
            for cell in row:
                if cell.row.key == row_key and cell.column.key == column_key:
                    return cell.value
        raise KeyError((row_key, column_key))

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """``{row: {column: number or None}}`` (JSON-ready) for a submission."""
        return {row[0].row.key: {c.column.key: jsonable(c.value) if c.available and c.ref else None for c in row}
                for row in self.cells}


@dataclass
class Side:
    terms: list[tuple[Term, Number, bool, str]]  # term, value, available, url
    total: Number


@dataclass
class CheckResult:
    check: Check
    status: str  # "ok", "failed", "unavailable"
    left: Side
    right: Side
    difference: Number
    reasons: list[dict[str, Any]] = field(default_factory=list)  # {"text", "value", "url"}
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def summary(self) -> dict[str, Any]:
        return {"key": self.check.key, "status": self.status, "left": jsonable(self.left.total),
                "right": jsonable(self.right.total), "difference": jsonable(self.difference)}


def jsonable(value: Number) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    return float(value)


@dataclass
class TableSet:
    org_path: str
    as_of: dt.date
    tables: list[TableResult]
    checks: list[CheckResult]
    queries: int

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if c.failed]

    def table(self, key: str) -> TableResult:
        return next(t for t in self.tables if t.table.key == key)

    def snapshot(self) -> dict[str, Any]:
        return {t.table.key: t.snapshot() for t in self.tables}


def _side(terms: Sequence[Term], values: Values, url: Any) -> tuple[Side, bool]:
    rows, total, ok = [], Decimal(0), True
    for term in terms:
        value, available = values.value(term.ref), values.available(term.ref)
        rows.append((term, value, available, url(term.ref) if available else ""))
        if not available or value is None:
            ok = False
            continue
        total += Decimal(value) * term.sign
    return Side(rows, int(total) if total == total.to_integral_value() else total), ok


def evaluate(check: Check, values: Values, url: Any = lambda ref: "") -> CheckResult:
    left, left_ok = _side(check.left, values, url)
    right, right_ok = _side(check.right, values, url)
    if not (left_ok and right_ok):
        missing = sorted({t.ref.figure for t in (*check.left, *check.right) if not values.available(t.ref)})
        return CheckResult(check, "unavailable", left, right, None, missing=missing)
    difference = left.total - right.total  # type: ignore[operator]
    holds = difference <= 0 if check.relation == "le" else difference == 0
    result = CheckResult(check, "ok" if holds else "failed", left, right, difference)
    if not holds:
        for exp in check.explanations:
            n = values.value(exp.ref)
            if values.available(exp.ref) and n:
                result.reasons.append({"text": exp.message % {"n": n}, "value": n, "url": url(exp.ref)})
    return result


def compute_tables(org_path: str, as_of: dt.date, tables: Sequence[StatTable] = TABLES, *,
                   url: Any = lambda ref: "") -> TableSet:
    """``tables`` and the checks that concern them, for the subtree at ``org_path`` as of
    ``as_of``, in one batch. ``url(ref)`` gives a cell's drill-down link ('' for none)."""
    checks = checks_for(t.key for t in tables)
    refs = [r for t in tables for r in t.refs()] + [r for c in checks for r in c.refs()]
    values = compute(refs, org_path, as_of)
    results = []
    for t in tables:
        grid = []
        for row in t.rows:
            cells = []
            for col in t.columns:
                ref = t.cell(row, col)
                if ref is None:
                    cells.append(Cell(row, col, None, None, False))
                    continue
                available = values.available(ref)
                cells.append(Cell(row, col, ref, values.value(ref), available, url(ref) if available else ""))
            grid.append(cells)
        results.append(TableResult(t, grid))
    return TableSet(org_path, as_of, results, [evaluate(c, values, url) for c in checks], values.queries)


def drilldown(user: Any, org: Any, as_of: dt.date) -> Any:
    """``url(ref)``: the drill-down list behind a number for ``user`` ('' without the figure's
    permission on ``org``: the value is shown without a link)."""
    from dangjian.stats import selectors as sel

    def url(ref: Ref) -> str:
        figure = stats.get_figure(ref.figure)
        if figure is None or not sel.may_view_records(user, figure, org):
            return ""
        return sel.drilldown_url(figure, org, ref.date(as_of), ref.filter_dict)

    return url


def tables_for(user: Any, org: Any, as_of: dt.date, tables: Sequence[StatTable] = TABLES) -> TableSet:
    """The tables of ``org`` (already checked to be in the user's ``stats.view`` scope) with the
    drill-down links ``user`` may follow."""
    return compute_tables(org.path, as_of, tables, url=drilldown(user, org, as_of))


def safe_value(figure: stats.Figure, org_path: str, as_of: dt.date) -> tuple[Number, bool]:
    """A figure's value, or ``(None, False)`` when its module fails to compute it (logged; raised
    under ``HOOKS_STRICT``, as the other registries do)."""
    try:
        return stats.figure_value(figure, org_path, as_of), True
    except Exception:
        if settings.HOOKS_STRICT:
            raise
        log.exception("figure %s failed", figure.key)
        return None, False


def figure_reading(user: Any, figure: stats.Figure, org: Any, as_of: dt.date) -> dict[str, Any]:
    """One figure for one organization and date, for a page or the API: ``{value, available, url}``."""
    from dangjian.stats import selectors as sel

    value, available = safe_value(figure, org.path, as_of)
    url = sel.drilldown_url(figure, org, as_of) if available and sel.may_view_records(user, figure, org) else ""
    return {"date": as_of, "value": value, "available": available, "url": url}
