"""Chains over the organization tree: where each step of a matter sits for one applicant, and
who signs it. Reads only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from dangjian.core.models import RoleAssignment
from dangjian.core.roles import roles_with
from dangjian.orgs.models import Organization
from dangjian.services import Anchor
from dangjian.services.models import Delegation, GridWorker, StepDefinition

APPROVE = "services.approve"
STEPLEN = Organization.steplen


def ancestor_paths(path: str) -> list[str]:
    """The paths of the node's ancestors, nearest first (the node itself excluded)."""
    return [path[:n] for n in range(len(path) - STEPLEN, 0, -STEPLEN)]


def resolve(definitions: list[StepDefinition], org: Organization) -> list[tuple[StepDefinition, Organization]]:
    """Each step definition with the organization it lands on for an applicant of ``org``; one
    query for the ancestors. A step that lands nowhere (the root has no parent) refuses the
    application with a message naming the step."""
    paths = ancestor_paths(org.path)
    ancestors = {o.path: o for o in Organization.objects.filter(path__in=paths)} if paths else {}
    chain = []
    for d in definitions:
        target: Organization | None = None
        if d.anchor == Anchor.OWN:
            target = org
        elif d.anchor == Anchor.PARENT:
            target = ancestors.get(paths[0]) if paths else None
        elif d.anchor == Anchor.ANCESTOR:
            target = next((ancestors[p] for p in paths if p in ancestors and ancestors[p].kind == d.anchor_kind),
                          None)
        else:
            target = d.fixed_organization
        if target is None:
            raise ValidationError({"matter": _("The step “%(step)s” has no organization above yours: this matter "
                                               "cannot be applied for from your organization.") % {"step": d.name}})
        chain.append((d, target))
    return chain


def approvers_of(org: Organization) -> list[int]:
    """Users holding ``services.approve`` on the organization itself (not on one above it), and
    the grid workers appointed to it (a grid branch)."""
    roles = RoleAssignment.objects.filter(organization=org, role__in=roles_with(APPROVE),
                                          user__is_active=True).order_by().values_list("user_id", flat=True)
    workers = GridWorker.objects.filter(grid=org, user__is_active=True).order_by().values_list("user_id", flat=True)
    return sorted(set(roles.union(workers)))


GRIDS_MEMO = "_dj_grid_ids"


def worker_grids(user: Any) -> list[int]:
    """The grid branches ``user`` is a grid worker of (ids). Kept on the user object for the rest of
    the request, like its role assignments (the navigation and the inbox both ask); appointing and
    removing forget it on the instance they were given."""
    if not getattr(user, "is_authenticated", False):
        return []
    memo = getattr(user, GRIDS_MEMO, None)
    if memo is None:
        memo = list(GridWorker.objects.filter(user_id=user.pk).values_list("grid_id", flat=True)[:100])
        setattr(user, GRIDS_MEMO, memo)
    return list(memo)


def nearest_with_approvers(path: str) -> tuple[Organization | None, list[int]]:
    """The nearest organization above ``path`` where someone holds ``services.approve``, with its
    approvers; ``(None, [])`` when nobody above does. Two queries."""
    paths = ancestor_paths(path)
    if not paths:
        return None, []
    found: dict[str, set[int]] = {}
    for p, user_id in RoleAssignment.objects.filter(organization__path__in=paths, role__in=roles_with(APPROVE),
                                                     user__is_active=True).values_list("organization__path",
                                                                                       "user_id"):
        found.setdefault(p, set()).add(user_id)
    nearest = next((p for p in paths if p in found), None)
    if nearest is None:
        return None, []
    return Organization.objects.get(path=nearest), sorted(found[nearest])


def delegators_of(user: Any, day: dt.date) -> list[int]:
    """The approvers whose sign-offs ``user`` holds on ``day`` (a delegation in force)."""
    return list(Delegation.objects.filter(delegate_id=user.pk, starts_on__lte=day, ends_on__gte=day)
                .values_list("delegator_id", flat=True))


def escalated_approvers_q(user: Any) -> Q:
    """Steps escalated to an organization where ``user`` approves."""
    orgs = RoleAssignment.objects.filter(user_id=user.pk, role__in=roles_with(APPROVE)).values("organization_id")
    return Q(escalated_to_id__in=orgs)
