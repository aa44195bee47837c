"""The workbench to-do source of transfers: the steps waiting for the user's decision.

A step (hop) is the user's to-do when it is the current step of a transfer in progress and its
organization is one the user holds ``transfers.approve`` on directly — or it has no approver of
its own (then, like the "awaiting approval" notice of ``actions.approver_ids``, the organizations
above it decide), or it was escalated to the user's organization for being overdue. Its due
date is the step's own deadline (``hop.due_on``: ``TRANSFER_HOP_WORKDAYS`` working days after
the letter reached it). The item ends when the step is approved or returned (the hop leaves
"pending") — read live, never because it was opened.

One query for the count, one for the items (plus the user's role assignments, cached per
request by ``core.scoping``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import Todo
from dangjian.core.models import RoleAssignment
from dangjian.core.roles import roles_with
from dangjian.core.scoping import ALL, roles_of, scope_paths, subtrees_q
from dangjian.core.ui import safe_reverse
from dangjian.members.transfers import HopState, TransferStatus
from dangjian.members.transfers.models import TransferHop

PERM = "transfers.approve"


def _own_paths(user: Any) -> list[str]:
    """The organizations the user holds ``transfers.approve`` on directly."""
    roles = roles_with(PERM)
    return sorted({a.organization.path for a in roles_of(user) if a.organization is not None and a.role in roles})


def pending_hops(user: Any) -> QuerySet[TransferHop]:
    """The current steps waiting for ``user``'s decision (see the module docs)."""
    base = TransferHop.objects.filter(state=HopState.PENDING, activated_at__isnull=False,
                                      transfer__status=TransferStatus.IN_PROGRESS)
    paths = scope_paths(user, PERM)
    if paths is ALL:
        return base
    if not paths:
        return base.none()
    own = _own_paths(user)
    staffed = Exists(RoleAssignment.objects.filter(organization_id=OuterRef("organization_id"),
                                                   role__in=sorted(roles_with(PERM)), user__is_active=True))
    mine = Q(org_path__in=own) | Q(escalated_to__path__in=own) | (subtrees_q(paths, "org_path") & ~staffed)  # type: ignore[arg-type]
    return base.filter(mine)


def count(user: Any) -> int:
    return pending_hops(user).count()


def items(user: Any, limit: int) -> list[Todo]:
    today = timezone.localdate()
    rows = (pending_hops(user).select_related("organization", "transfer")
            .order_by("due_on", "pk")[:limit])
    out = []
    for hop in rows:
        transfer = hop.transfer
        out.append(Todo(
            title=_("Approve transfer %(number)s: %(name)s → %(to)s") % {
                "number": transfer.number, "name": transfer.name, "to": transfer.to_org_name},
            url=safe_reverse("transfers:detail", transfer.pk) or "",
            org=hop.organization.name,
            due=hop.due_on,
            urgent=bool(hop.escalated_at or (hop.due_on and hop.due_on <= today)),
            ref=f"transfer:{transfer.pk}",
        ))
    return out
