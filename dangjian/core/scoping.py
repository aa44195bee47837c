"""The one scoping mechanism (DESIGN.md §4 rule 3).

A role granted on an organization covers that organization's subtree. Every protected list,
page, export and API call filters through ``scoped()``; single objects are fetched with
``get_scoped_or_404()`` so that an object outside the user's scope is simply "not found".
Writes call ``require()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.roles import ROLE_PERMISSIONS

M = TypeVar("M", bound=models.Model)

_TREE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (binary order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose ``field`` starts with ``prefix``, in a form the database's index can serve.

    SQLite: a range ``field >= p AND field < next(p)`` (SQLite's LIKE is case-insensitive and
    cannot use a plain index). PostgreSQL: ``LIKE 'p%'``, served by the ``varchar_pattern_ops``
    index Django creates for indexed text columns. Meant for case-normalized columns
    (materialized paths, lowercase pinyin).
    """
    if not prefix:
        return Q()
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": next_prefix(prefix)})
    return Q(**{f"{field}__startswith": prefix})


def subtree_q(path: str, field: str = "path") -> Q:
    """Rows whose materialized path lies in the subtree rooted at ``path``."""
    return prefix_q(field, path)


def minimal_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths already covered by an ancestor in the list."""
    result: list[str] = []
    for p in sorted(set(paths)):
        if not result or not p.startswith(result[-1]):
            result.append(p)
    return result


def subtrees_q(paths: Iterable[str], field: str = "path") -> Q:
    q = Q(pk__in=[])
    for p in minimal_paths(paths):
        q |= subtree_q(p, field)
    return q


class _All:
    """Marker: the user's scope for this permission is everything."""

    def __repr__(self) -> str:
        return "ALL"


ALL = _All()


def _assignments(user: Any) -> list[Any]:
    cache = getattr(user, "_dj_assignments", None)
    if cache is None:
        cache = list(user.role_assignments.select_related("organization"))
        user._dj_assignments = cache
    return cache


def scope_paths(user: Any, perm: str) -> list[str] | _All:
    """The organization paths whose subtrees ``user`` holds ``perm`` on (or ALL)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return ALL
    cache = getattr(user, "_dj_scope", None)
    if cache is None:
        cache = user._dj_scope = {}
    if perm not in cache:
        paths = [
            a.organization.path
            for a in _assignments(user)
            if a.organization is not None and perm in ROLE_PERMISSIONS.get(a.role, ())
        ]
        cache[perm] = minimal_paths(paths)
    return cache[perm]


def has_any(user: Any, perm: str) -> bool:
    paths = scope_paths(user, perm)
    return paths is ALL or bool(paths)


def roles_of(user: Any) -> list[Any]:
    if not getattr(user, "is_authenticated", False):
        return []
    return _assignments(user)


def in_scope(user: Any, perm: str, path: str) -> bool:
    paths = scope_paths(user, perm)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)  # type: ignore[union-attr]


def scoped(qs: QuerySet[M], user: Any, perm: str, *, path_field: str = "path", extra: Q | None = None) -> QuerySet[M]:
    """Filter ``qs`` to the rows ``user`` may see with ``perm``.

    ``path_field`` names the materialized-path column of the owning organization, e.g.
    ``"path"`` for organizations or ``"org_path"`` for members. ``extra`` ORs in rows granted
    some other way (a member's own record).
    """
    paths = scope_paths(user, perm)
    if paths is ALL:
        return qs
    q = subtrees_q(paths, path_field)  # type: ignore[arg-type]
    if extra is not None:
        q |= extra
    return qs.filter(q)


def get_scoped_or_404(qs: QuerySet[M], user: Any, perm: str, *, path_field: str = "path", extra: Q | None = None, **lookup: Any) -> M:
    try:
        return scoped(qs, user, perm, path_field=path_field, extra=extra).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def require(user: Any, perm: str, path: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``perm`` on the node at ``path``."""
    if not in_scope(user, perm, path):
        raise PermissionDenied(_("You do not have permission for this organization."))
