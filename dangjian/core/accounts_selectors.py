"""Reads for account management: accounts are visible through the roles they hold in scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.models import RoleAssignment, User
from dangjian.core.scoping import ALL, scope_paths, scoped, subtrees_q


def assignments_in_scope(user: Any) -> QuerySet[RoleAssignment]:
    return scoped(RoleAssignment.objects.select_related("organization", "user"), user, "roles.grant",
                  path_field="organization__path")


def accounts_for(user: Any, q: str = "") -> QuerySet[User]:
    """Accounts holding at least one role inside the user's ``roles.grant`` scope."""
    paths = scope_paths(user, "roles.grant")
    if paths is ALL:
        qs = User.objects.all()
    elif not paths:
        return User.objects.none()
    else:
        qs = User.objects.filter(
            pk__in=RoleAssignment.objects.filter(subtrees_q(paths, "organization__path")).values("user_id")  # type: ignore[arg-type]
        )
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(name__icontains=q))
    # Only the roles inside the viewer's scope are shown (``visible_roles``); the others are
    # counted, never named, so organizations outside the scope do not leak.
    return qs.order_by("username").annotate(role_count=Count("role_assignments", distinct=True)).prefetch_related(
        Prefetch("role_assignments", queryset=assignments_in_scope(user).order_by("id"), to_attr="visible_roles")
    )


def access_account(user: Any, account_id: Any) -> User:
    try:
        return accounts_for(user).get(pk=account_id)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def access_assignment(user: Any, assignment_id: Any) -> RoleAssignment:
    try:
        return assignments_in_scope(user).get(pk=assignment_id)
    except (RoleAssignment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None
