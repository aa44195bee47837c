"""The to-do registry (待办): every module says what work is waiting for whom.

A module registers a source from its ``AppConfig.ready()``::

    register_todo_source("transfers.approve", _("Transfers to approve"),
                         items=pending_approvals, count=pending_approval_count,
                         perm="transfers.approve")

``items(user, limit)`` returns up to ``limit`` :class:`Todo` for ``user``, scoped through
``core.scoping`` like any list of the module, most urgent first; ``count(user)`` the number of
them all (one query). Both read the records as they are now: an item disappears when its work
is done (the transfer approved, the opinion answered), never because it was clicked. ``perm``
or ``member`` let the registry skip a source without a query for users it cannot concern.

The workbench, the to-do page, ``GET /api/v1/me/todos``, the navigation badges and the daily
digest all read :func:`todos_for` / :func:`counts_for`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

#: Badge counts are kept this many seconds per user (the to-do list itself is always live).
BADGE_SECONDS = 30


@dataclass(frozen=True)
class Todo:
    title: str
    url: str
    org: str = ""
    due: dt.date | None = None
    urgent: bool = False
    #: What the item is about, stable across days ("transfer:12"): pins, digests and tests use it.
    ref: str = ""
    source: str = ""  # filled in by the registry


@dataclass(frozen=True)
class TodoSource:
    key: str
    label: Any
    items: Callable[[Any, int], Iterable[Todo]] = field(compare=False)
    count: Callable[[Any], int] = field(compare=False)
    perm: str | None = None
    member: bool = False
    visible: Callable[[Any], bool] | None = field(default=None, compare=False)


_sources: dict[str, TodoSource] = {}


def register_todo_source(
    key: str,
    label: Any,
    *,
    items: Callable[[Any, int], Iterable[Todo]],
    count: Callable[[Any], int],
    perm: str | None = None,
    member: bool = False,
    visible: Callable[[Any], bool] | None = None,
) -> None:
    _sources[key] = TodoSource(key, label, items, count, perm, member, visible)


def unregister_todo_source(key: str) -> None:
    _sources.pop(key, None)


def todo_sources() -> list[TodoSource]:
    return list(_sources.values())


def todo_source(key: str) -> TodoSource | None:
    return _sources.get(key)


def _concerns(user: Any, source: TodoSource) -> bool:
    from dangjian.core.ownmember import own_member
    from dangjian.core.scoping import has_any

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if source.perm is not None and not has_any(user, source.perm):
        return False
    if source.member and own_member(user) is None:
        return False
    return source.visible is None or bool(source.visible(user))


def _strict() -> bool:
    return bool(settings.HOOKS_STRICT)


def _guard(source: TodoSource, fn: Callable[[], Any], default: Any) -> Any:
    """One broken module never breaks the workbench (logged, skipped); in tests and under
    DEBUG it raises so the break is seen."""
    try:
        return fn()
    except Exception:
        if _strict():
            raise
        log.exception("to-do source %s failed", source.key)
        return default


def _count(source: TodoSource, user: Any) -> int:
    return int(_guard(source, partial(source.count, user), 0))


def _list_items(source: TodoSource, user: Any, limit: int) -> list[Todo]:
    return list(source.items(user, limit))


def _badge_key(user: Any) -> str:
    return f"todo-counts:{user.pk}"


def counts_for(user: Any, keys: Iterable[str] | None = None, *, fresh: bool = False) -> dict[str, int]:
    """``{source key: open items}`` for ``user`` (all sources, or ``keys``). Kept in the cache
    for ``BADGE_SECONDS``; ``fresh=True`` recounts (the workbench does, so its badges are live)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    wanted = set(_sources) if keys is None else {k for k in keys if k in _sources}
    if not wanted:
        return {}
    known: dict[str, int] = {} if fresh else (cache.get(_badge_key(user)) or {})
    missing = wanted - set(known)
    if missing:
        for key in missing:
            source = _sources[key]
            known[key] = _count(source, user) if _concerns(user, source) else 0
        cache.set(_badge_key(user), known, BADGE_SECONDS)
    return {k: known[k] for k in wanted}


def forget_counts(user: Any) -> None:
    cache.delete(_badge_key(user))


@dataclass
class TodoList:
    """A user's to-dos across modules: ``items`` (most urgent first), ``total`` (all open
    items, beyond those listed), ``counts`` per source and the sources' labels."""

    items: list[Todo]
    total: int
    counts: dict[str, int]
    labels: dict[str, Any]

    def buckets(self, today: dt.date | None = None) -> list[dict[str, Any]]:
        """The items as overdue / today / this week / later (empty buckets left out)."""
        today = today or timezone.localdate()
        week_end = today + dt.timedelta(days=6 - today.weekday())
        names = {"overdue": _("Overdue"), "today": _("Due today"), "week": _("This week"), "later": _("Later")}
        grouped: dict[str, list[Todo]] = {k: [] for k in names}
        for item in self.items:
            grouped[bucket_of(item, today, week_end)].append(item)
        return [{"key": k, "label": names[k], "items": v} for k, v in grouped.items() if v]


def bucket_of(item: Todo, today: dt.date, week_end: dt.date) -> str:
    if item.due is None:
        return "later"
    if item.due < today:
        return "overdue"
    if item.due == today:
        return "today"
    return "week" if item.due <= week_end else "later"


def _sort_key(item: Todo) -> tuple[Any, ...]:
    return (item.due is None, item.due or dt.date.max, not item.urgent, str(item.title))


def todos_for(user: Any, *, limit: int = 50, sources: Iterable[str] | None = None) -> TodoList:
    """Every source's open items for ``user``: up to ``limit`` from each, merged most urgent
    first (the earliest due date, then urgent ones, then those without a date)."""
    wanted = [s for s in _sources.values() if sources is None or s.key in set(sources)]
    items: list[Todo] = []
    counts: dict[str, int] = {}
    for source in wanted:
        if not _concerns(user, source):
            continue
        count = _count(source, user)
        if not count:
            continue
        counts[source.key] = count
        if limit > 0:
            got: list[Todo] = _guard(source, partial(_list_items, source, user, limit), [])
            items.extend(_with_source(t, source.key) for t in got[:limit])
    items.sort(key=_sort_key)
    if sources is None:
        cache.set(_badge_key(user), {k: counts.get(k, 0) for k in _sources}, BADGE_SECONDS)
    return TodoList(items, sum(counts.values()), counts, {s.key: s.label for s in wanted})


def _with_source(item: Todo, key: str) -> Todo:
    if item.source == key:
        return item
    return Todo(item.title, item.url, item.org, item.due, item.urgent, item.ref, key)
