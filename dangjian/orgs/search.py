"""Organization-name search for pickers at province scale (tens of thousands of branches).

One endpoint (``orgs:search``) and one form field (``OrgSearchField``) shared by every page that
picks an organization. What may be found is a *search scope*, registered by the module that owns
the page (e.g. ``transfers`` registers "transfer_target": any active branch on the platform):
who may search, which kinds, which subtrees. Results carry only what a picker needs: id, name
and the names of the parent organizations (no contact data, no member counts).

The name search is indexed (migration ``orgs.0002``): on SQLite an FTS5 trigram table kept by
triggers, on PostgreSQL a pg_trgm GIN index. A query of three or more characters is answered
from the index, joined with the search scope in one query, then limited; one or two characters
fall back to a bounded scan in tree order that stops at the first ``limit`` matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from dangjian.core.scoping import ALL, subtrees_q
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

MAX_QUERY = 50
DEFAULT_LIMIT = 20
FTS_TABLE = "orgs_organization_name_fts"


@dataclass(frozen=True)
class SearchScope:
    """What a picker may find. ``allowed(user)`` says who may search; ``within(user)`` returns the
    subtree paths to search in, or ALL for the whole platform."""

    name: str
    allowed: Callable[[Any], bool]
    kinds: frozenset[str] = BRANCH_KINDS
    within: Callable[[Any], Any] = field(default=lambda user: ALL)
    active_only: bool = True


_SCOPES: dict[str, SearchScope] = {}


def register_search_scope(scope: SearchScope) -> None:
    _SCOPES[scope.name] = scope


def get_scope(name: str) -> SearchScope | None:
    return _SCOPES.get(name)


@dataclass(frozen=True)
class OrgHit:
    pk: int
    name: str
    parents: tuple[str, ...]  # names of the parent organizations, nearest last (at most 3)

    @property
    def parent_path(self) -> str:
        return " › ".join(self.parents)


def scope_queryset(scope: SearchScope, user: Any) -> QuerySet[Organization]:
    qs = Organization.objects.all()
    if scope.kinds:
        qs = qs.filter(kind__in=scope.kinds)
    if scope.active_only:
        qs = qs.filter(is_active=True)
    within = scope.within(user)
    if within is not ALL:
        qs = qs.filter(subtrees_q(within, "path"))
    return qs


_FTS_SEEN: set[str] = set()


def _fts_available() -> bool:
    """SQLite with the trigram table of ``orgs.0002`` (remembered once seen, per database)."""
    if connection.vendor != "sqlite":
        return False
    key = str(connection.settings_dict.get("NAME"))
    if key in _FTS_SEEN:
        return True
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE])
        found = cur.fetchone() is not None
    if found:
        _FTS_SEEN.add(key)
    return found


def normalize_query(q: str | None) -> str:
    return " ".join((q or "").split())[:MAX_QUERY]


def search(scope: SearchScope, user: Any, q: str, *, limit: int = DEFAULT_LIMIT) -> tuple[list[OrgHit], bool]:
    """Up to ``limit`` organizations of ``scope`` whose name contains ``q``, in tree order, and
    whether there are more. Three queries at most (index hits, rows, parent names)."""
    q = normalize_query(q)
    if not q or not scope.allowed(user):
        return [], False
    qs = scope_queryset(scope, user)
    if len(q) >= 3 and _fts_available():
        # The index hits as a subquery of the scoped query: scope first, then the limit (a cap on
        # the hits before the scope hid a secretary's own branches behind a county's others).
        hits = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608, S611
                      ['"' + q.replace('"', '""') + '"'])
        qs = qs.filter(pk__in=hits)
    else:
        # PostgreSQL: LIKE '%q%' is served by the pg_trgm GIN index; SQLite (1–2 characters): a
        # scan in path order that stops at ``limit`` + 1 matches.
        qs = qs.filter(name__contains=q)
    rows = list(qs.order_by("path").values_list("pk", "name", "path")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return _with_parents(rows), more


def _with_parents(rows: Iterable[tuple[int, str, str]]) -> list[OrgHit]:
    rows = list(rows)
    step = Organization.steplen
    wanted: set[str] = set()
    for _pk, _name, path in rows:
        depth = len(path) // step
        wanted.update(path[: i * step] for i in range(max(1, depth - 3), depth))
    names = dict(Organization.objects.filter(path__in=wanted).values_list("path", "name")) if wanted else {}
    hits = []
    for pk, name, path in rows:
        depth = len(path) // step
        parents = tuple(names[p] for p in (path[: i * step] for i in range(max(1, depth - 3), depth)) if p in names)
        hits.append(OrgHit(pk=pk, name=name, parents=parents))
    return hits


def hit_for(scope: SearchScope, user: Any, pk: Any) -> OrgHit | None:
    """The one organization ``pk`` if the scope lets ``user`` pick it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not scope.allowed(user):
        return None
    rows = list(scope_queryset(scope, user).filter(pk=pk).values_list("pk", "name", "path")[:1])
    return _with_parents(rows)[0] if rows else None


# --- form field and widget ----------------------------------------------------------------------

class OrgSearchWidget(forms.Widget):
    """A search box (htmx: results while typing) over a list of radio buttons holding the chosen
    organization's id. Without JavaScript the "Search" button submits the form, the page comes
    back with the matches listed (the view shows them and saves nothing), and the user picks one."""

    template_name = "orgs/widgets/org_search.html"

    def __init__(self, scope: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.scope = scope
        self.user: Any = None
        self.query = ""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        self.query = normalize_query(data.get(f"{name}_q"))
        return data.get(name) or None

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_q" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        from django.urls import reverse

        ctx = super().get_context(name, value, attrs)
        scope = get_scope(self.scope)
        selected = hit_for(scope, self.user, value) if scope is not None and value not in (None, "") else None
        hits: list[OrgHit] = []
        more = False
        if scope is not None and self.query:
            hits, more = search(scope, self.user, self.query)
            if selected is not None:
                hits = [h for h in hits if h.pk != selected.pk]
        widget = ctx["widget"]
        widget.update({
            "search_url": reverse("orgs:search"), "scope": self.scope, "query": self.query,
            "selected": selected, "hits": hits, "more": more, "searched": bool(self.query),
            "results_id": f"{widget['attrs'].get('id', name)}_results",
        })
        return ctx

    def id_for_label(self, id_: str) -> str:
        return id_


class OrgSearchField(forms.Field):
    """The chosen organization's id (int). ``bind_user(form_field, user)`` before rendering or
    cleaning: the scope decides what this user may pick."""

    widget = OrgSearchWidget
    default_error_messages = {
        "invalid_choice": _("Choose an organization from the search results."),
    }

    def __init__(self, *, scope: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", OrgSearchWidget(scope))
        super().__init__(**kwargs)
        self.scope = scope

    def bind_user(self, user: Any) -> None:
        self.widget.user = user  # type: ignore[attr-defined]

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        scope = get_scope(self.scope)
        user = getattr(self.widget, "user", None)
        hit = hit_for(scope, user, value) if scope is not None else None
        if hit is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return hit.pk


def search_requested(data: Any, name: str) -> bool:
    """The no-JavaScript "Search" button of the widget named ``name`` was pressed."""
    return bool(data) and f"{name}_search" in data


def keep_search(form: forms.Form, name: str, data: Any) -> None:
    """Prepare an unbound ``form`` to show again what was typed after the no-JavaScript "Search"
    button was pressed: the other fields keep their values, the picker lists the matches, and
    nothing is validated or saved."""
    for key in form.fields:
        if key in data:
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            form.initial[key] = values if len(values) > 1 else values[0]
    widget = form.fields[name].widget
    widget.query = normalize_query(data.get(f"{name}_q"))  # type: ignore[attr-defined]
