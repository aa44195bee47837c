"""Reads for transfers, always through the scoping helpers (out of scope = 404).

A transfer is visible to users holding ``transfers.view`` over the member's former branch or
over the receiving branch (every hop on the route is an ancestor of one of them), and to the
member it concerns."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.scoping import ALL, in_scope, scope_paths, scoped, subtree_q, subtrees_q
from dangjian.members.transfers import ACTIVE_STATUSES, HopState, TransferStatus
from dangjian.members.transfers.models import Transfer, TransferHop, TransferLedgerEntry

LIST_FIELDS = ("pk", "number", "kind", "status", "name", "from_org_name", "to_org_name", "created_at",
               "valid_until", "member_id", "receipt_due_on")


def _own(user: Any) -> Q | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(member__person__user=user)


def _visible_q(user: Any, perm: str = "transfers.view") -> Q | None:
    """None: everything (superuser)."""
    paths = scope_paths(user, perm)
    if paths is ALL:
        return None
    q = subtrees_q(paths, "from_path") | subtrees_q(paths, "to_path")  # type: ignore[arg-type]
    own = _own(user)
    return q | own if own is not None else q


def transfers_for(user: Any) -> QuerySet[Transfer]:
    q = _visible_q(user)
    qs = Transfer.objects.all()
    return qs if q is None else qs.filter(q)


def access_transfer(user: Any, transfer_id: Any) -> Transfer:
    """One transfer the user may see, or 404 (never a leak of its existence)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404(_("Not found."))
    qs = Transfer.objects.select_related("member__person", "from_org", "to_org", "sending_org", "receiving_org")
    q = _visible_q(user)
    try:
        return (qs if q is None else qs.filter(q)).get(pk=int(str(transfer_id)))
    except (Transfer.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def outgoing(user: Any) -> QuerySet[Transfer]:
    return scoped(Transfer.objects.exclude(from_path=""), user, "transfers.view", path_field="from_path")


def incoming(user: Any) -> QuerySet[Transfer]:
    return scoped(Transfer.objects.exclude(to_path=""), user, "transfers.view", path_field="to_path")


def awaiting(user: Any) -> QuerySet[Transfer]:
    """Transfers whose current step is in the user's ``transfers.approve`` scope."""
    hops = scoped(
        TransferHop.objects.filter(state=HopState.PENDING, activated_at__isnull=False,
                                   transfer__status=TransferStatus.IN_PROGRESS),
        user, "transfers.approve", path_field="org_path",
    )
    return Transfer.objects.filter(pk__in=hops.values("transfer_id"))


def overdue_receipts(user: Any, *, today: Any = None) -> QuerySet[Transfer]:
    """Visible transfers whose receipt is past due (DOMAIN §7: within one month) and not yet back."""
    from django.utils import timezone

    return transfers_for(user).filter(status__in=sorted(ACTIVE_STATUSES),
                                      receipt_due_on__lt=today or timezone.localdate())


def for_list(qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    return qs.only(*LIST_FIELDS).order_by("-created_at", "-pk")


def hops_of(transfer: Transfer) -> list[TransferHop]:
    return list(transfer.hops.select_related("organization", "acted_by", "escalated_to").order_by("order"))


def can_approve(user: Any, hop: TransferHop | None) -> bool:
    return hop is not None and in_scope(user, "transfers.approve", hop.org_path)


def is_sender(user: Any, transfer: Transfer) -> bool:
    if transfer.from_path and in_scope(user, "transfers.start", transfer.from_path):
        return True
    return bool(transfer.started_by_member and getattr(user, "is_authenticated", False)
                and transfer.member.person.user_id == user.pk)


def active_transfer_of_member(member_id: int) -> Transfer | None:
    return Transfer.objects.filter(member_id=member_id, status__in=sorted(ACTIVE_STATUSES)).first()


def ledger_for(org_path: str) -> QuerySet[TransferLedgerEntry]:
    return TransferLedgerEntry.objects.filter(subtree_q(org_path, "org_path")).order_by("-on_date", "-pk")


def find_by_token(token: str) -> Transfer | None:
    token = (token or "").strip()
    if not token or len(token) > 64:
        return None
    return Transfer.objects.filter(verify_token=token).select_related("sending_org").first()
