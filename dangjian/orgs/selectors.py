"""Reads for organizations, always through the scoping helpers."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dangjian.core.hooks import org_member_counts
from dangjian.core.scoping import ALL, get_scoped_or_404, scope_paths, scoped
from dangjian.orgs.models import Organization


def orgs_for(user: Any, perm: str = "orgs.view") -> QuerySet[Organization]:
    return scoped(Organization.objects.all(), user, perm)


def access_org(user: Any, org_id: Any, perm: str = "orgs.view") -> Organization:
    return get_scoped_or_404(Organization.objects.all(), user, perm, pk=org_id)


def scope_roots(user: Any, perm: str = "orgs.view") -> list[Organization]:
    """The top organizations of the user's scope (the roots of the tree browser)."""
    paths = scope_paths(user, perm)
    if paths is ALL:
        return list(Organization.get_root_nodes())
    return list(Organization.objects.filter(path__in=paths).order_by("path"))


def with_member_counts(orgs: list[Organization]) -> list[Organization]:
    """Set ``member_count`` (current members in the subtree) on each organization; the member
    registry counts them (``core.hooks.register_org_member_counts``)."""
    counts = org_member_counts([o.path for o in orgs])
    for org in orgs:
        org.member_count = counts.get(org.path, 0)  # type: ignore[attr-defined]
    return orgs


def children(org: Organization) -> list[Organization]:
    return list(Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path"))


def ancestors(org: Organization) -> list[Organization]:
    paths = [org.path[: i * org.steplen] for i in range(1, org.depth)]
    return list(Organization.objects.filter(path__in=paths).order_by("depth"))


def org_choices(user: Any, perm: str, *, branches_only: bool = True, limit: int = 5000,
                levels: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of organizations in scope, in tree order. ``levels`` keeps only the top levels
    of the user's scope (e.g. 3: the scope roots and two levels below) for filter drop-downs,
    which would otherwise list every branch of a county."""
    from dangjian.orgs import BRANCH_KINDS

    qs = scoped(Organization.objects.all(), user, perm)
    if branches_only:
        qs = qs.filter(kind__in=BRANCH_KINDS)
    if levels is not None:
        paths = scope_paths(user, perm)
        top = 1 if paths is ALL or not paths else min(len(p) for p in paths) // Organization.steplen  # type: ignore[union-attr]
        qs = qs.filter(depth__lt=top + levels)
    return [(o.pk, o.name) for o in qs.order_by("path").only("pk", "name")[:limit]]
