"""Hooks this module plugs into core: the member-home item and the demo seeder."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from dangjian.core.hooks import DemoContext
from dangjian.core.ui import own_member, safe_reverse
from dangjian.members.transfers import ACTIVE_STATUSES, HopState, TransferStatus
from dangjian.members.transfers.models import Transfer, TransferHop


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Show the member where their transfer is (two queries; none for users who are not members)."""
    member = own_member(request.user)
    if member is None:
        return []
    transfer = (Transfer.objects.filter(member_id=member.pk, status__in=sorted(ACTIVE_STATUSES))
                .only("pk", "number", "status", "to_org_name", "valid_until").first())
    if transfer is None:
        return [{"title": _("Transfer my party membership"),
                 "body": _("Changing work unit or residence? Ask your branch to transfer your membership."),
                 "url": safe_reverse("transfers:mine") or "", "order": 90}]
    url = safe_reverse("transfers:detail", transfer.pk) or ""
    title = _("Your transfer to %(org)s") % {"org": transfer.to_org_name}
    if transfer.status == TransferStatus.LETTER_ISSUED:
        body = _("Letter %(number)s is issued; take it to the receiving organization by %(date)s.") % {
            "number": transfer.number, "date": transfer.valid_until.isoformat() if transfer.valid_until else "—"}
    elif transfer.status == TransferStatus.RETURNED:
        body = _("Letter %(number)s was returned; your branch will follow it up.") % {"number": transfer.number}
    else:
        hop = (TransferHop.objects.filter(transfer_id=transfer.pk, state=HopState.PENDING, activated_at__isnull=False)
               .select_related("organization").order_by("order").first())
        body = _("Letter %(number)s is waiting for approval at %(org)s.") % {
            "number": transfer.number, "org": hop.organization.name if hop else "—"}
    return [{"title": title, "body": body, "url": url, "order": 20}]


def seed_demo(ctx: DemoContext) -> None:
    """One transfer in progress in the demo county: a member of the demo branch moving to a branch
    under another committee, approved by the demo branch and waiting at the sending committee."""
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member
    from dangjian.members.transfers.actions import do_approve_hop, do_start_transfer
    from dangjian.orgs import BRANCH_KINDS
    from dangjian.orgs.models import Organization

    actor = ctx.users.get("demo-secretary") or ctx.users.get("demo-admin")
    approver = ctx.users.get("demo-admin") or actor
    if actor is None:
        return
    parent_path = ctx.branch.path[: -Organization.steplen]
    target = (Organization.objects.filter(path__startswith=ctx.root.path, kind__in=BRANCH_KINDS, is_active=True)
              .exclude(path__startswith=parent_path).order_by("path").first())
    member = (Member.objects.filter(organization=ctx.branch, status__in=CURRENT_STATUSES)
              .exclude(person__user__isnull=False).order_by("-pk").first())
    if target is None or member is None:
        return
    transfer = do_start_transfer(member, {
        "to_org": target.pk, "reason": _("Moved to a new work unit."),
        "dues_paid_until": ctx.today.replace(day=1),
    }, acting_user=actor)
    hop = transfer.hops.order_by("order").first()
    if hop is not None:
        do_approve_hop(hop, acting_user=approver, reason=_("Agreed."))


def member_actions(request: HttpRequest, member: Any) -> list[dict[str, Any]]:
    """"Start a transfer" on the member's page, for users who may start one for this member."""
    from dangjian.core.scoping import in_scope
    from dangjian.members import CURRENT_STATUSES

    if member.status not in CURRENT_STATUSES or not in_scope(request.user, "transfers.start", member.org_path):
        return []
    url = safe_reverse("transfers:start")
    return [{"label": _("Start a transfer"), "url": f"{url}?member={member.pk}", "order": 20}] if url else []


def may_pick_transfer_target(user: Any) -> bool:
    """Who may search the receiving branch of a transfer: staff who start transfers, and a current
    member requesting their own transfer (orgs.search scope "transfer_target")."""
    from dangjian.core.scoping import has_any
    from dangjian.members import CURRENT_STATUSES

    if has_any(user, "transfers.start"):
        return True
    member = own_member(user)
    return member is not None and member.status in CURRENT_STATUSES
