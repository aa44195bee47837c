"""Membership moves for the transfers sub-app (``dangjian.members.transfers``).

Kept apart from ``members/actions.py``: the transfer actions check the permission (the approver
of the last hop on the route) and call this inside their own transaction, so the move, the
transfer's completion and both ledgers commit together or not at all.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.members import AddType, SpellChange
from dangjian.members.models import Member
from dangjian.members.spells import record_change
from dangjian.orgs.models import Organization


def move_member_for_transfer(member: Member, to_org: Organization, *, acting_user: ActingUser | None, reason: str,
                             letter_number: str, on_date: dt.date | None = None) -> Member:
    """Move ``member`` to ``to_org`` in one UPDATE of one row (organization and org_path together,
    so there is no moment where the member belongs to both branches or to neither), and record
    the move in the membership history on ``on_date`` (the day the transfer completed; default
    today). The caller has already checked the permission; this must run inside the caller's
    transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("move_member_for_transfer must run inside a transaction")
    locked = Member.objects.select_for_update().get(pk=member.pk)
    before = {"organization": locked.organization_id, "party_group": locked.party_group_id, "add_type": locked.add_type}
    updated = Member.objects.filter(pk=locked.pk, organization_id=locked.organization_id).update(
        organization=to_org, org_path=to_org.path, party_group=None, add_type=AddType.TRANSFERRED_IN,
        updated_at=timezone.now(),
    )
    if updated != 1:  # pragma: no cover - the row is locked above
        raise RuntimeError("member changed during the transfer")
    record_change(locked, on_date=on_date or timezone.localdate(), change=SpellChange.TRANSFERRED)
    audit.record(
        acting_user, "member.transferred", locked, before=before,
        after={"organization": to_org.pk, "party_group": None, "add_type": AddType.TRANSFERRED_IN,
               "letter_number": letter_number},
        reason=reason,
        org_path=to_org.path,
    )
    member.refresh_from_db()
    return member
