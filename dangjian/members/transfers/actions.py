"""Writes for transfers (DESIGN.md §4 rule 1): permission, validation, one transaction, audit,
notifications after commit.

Flow: ``do_start_transfer`` computes the route and creates one hop per organization on it; the
hops decide in order (``do_approve_hop`` / ``do_return_hop``). When the sending committee
approves, the letter is issued (validity starts). When the last hop of an internal transfer
approves, the membership moves (``members.transfer_support``) and both ledgers are written, in
the same transaction. An external transfer ends with ``do_record_receipt`` (receipt by hand).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, workdays
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.hooks import member_fact
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.core.scoping import in_scope, require
from dangjian.core.sequences import next_value
from dangjian.core.ui import safe_reverse
from dangjian.members import CURRENT_STATUSES, AddType, MemberStatus
from dangjian.members.actions import do_change_member_status, do_create_member
from dangjian.members.models import Member
from dangjian.members.transfer_support import move_member_for_transfer
from dangjian.members.transfers import ACTIVE_STATUSES, HopState, LedgerDirection, TransferKind, TransferStatus
from dangjian.members.transfers.models import Transfer, TransferHop, TransferLedgerEntry
from dangjian.members.transfers.routing import route_for
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

DEFAULT_VALIDITY_DAYS = 30
DEFAULT_MAX_VALIDITY_DAYS = 90
DEFAULT_HOP_WORKDAYS = 5
DEFAULT_RECEIPT_MONTHS = 1  # DOMAIN §7: the receipt comes back within one month
REASON_MAX = 500
NAME_MAX = 200


def _setting(name: str, default: int) -> int:
    value: Any = settings.DANGJIAN.get(name, default)
    return int(value)


def validity_default() -> int:
    return _setting("TRANSFER_VALIDITY_DAYS", DEFAULT_VALIDITY_DAYS)


def validity_max() -> int:
    return _setting("TRANSFER_MAX_VALIDITY_DAYS", DEFAULT_MAX_VALIDITY_DAYS)


def hop_workdays() -> int:
    return _setting("TRANSFER_HOP_WORKDAYS", DEFAULT_HOP_WORKDAYS)


def receipt_months() -> int:
    return _setting("TRANSFER_RECEIPT_MONTHS", DEFAULT_RECEIPT_MONTHS)


def receipt_due(kind: str, issued_on: dt.date, valid_until: dt.date) -> dt.date:
    """When the receipt is due (DOMAIN §7, one month): for a letter inside the platform, from the
    day it reaches the receiving committee (its issue); outside the platform the member may report
    up to the letter's last valid day, so from then."""
    from dangjian.core.months import add_months

    start = valid_until if kind == TransferKind.OUTGOING_EXTERNAL else issued_on
    return add_months(start, receipt_months())


def _text(value: Any) -> str:
    return str(value or "").strip()


def parse_year_month(value: Any) -> dt.date | None:
    """"2026-05" (or a date) → 2026-05-01; blank → None; anything else → ValueError."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value).strip()
    parts = text.split("-")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        raise ValueError(text)
    year, month = int(parts[0]), int(parts[1])
    if not (1949 <= year <= 2200 and 1 <= month <= 12):
        raise ValueError(text)
    return dt.date(year, month, 1)


def _next_number(year: int) -> str:
    """``ZJ2026-000001``: the year and the year's sequence (``core.sequences``)."""
    return f"ZJ{year}-{next_value('transfers.letter', str(year)):06d}"


def _age(birth: dt.date | None, on: dt.date) -> int | None:
    if not birth:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- who decides, who is told -----------------------------------------------------------------


def _prefixes(path: str) -> list[str]:
    step = Organization.steplen
    return [path[: i * step] for i in range(1, len(path) // step + 1)]


def approver_ids(path: str, *, above: bool = False) -> tuple[list[int], Organization | None]:
    """Users holding ``transfers.approve`` on the organization at ``path`` itself — or, if nobody
    does (or ``above``), on its nearest ancestor that has such users. Returns the ids and the
    organization they were found on."""
    prefixes = _prefixes(path)
    if above:
        prefixes = prefixes[:-1]
    rows = list(
        RoleAssignment.objects.filter(
            organization__path__in=prefixes, role__in=sorted(roles_with("transfers.approve")), user__is_active=True,
        ).values_list("user_id", "organization__path")
    )
    for prefix in reversed(prefixes):
        ids = sorted({uid for uid, p in rows if p == prefix})
        if ids:
            return ids, Organization.objects.filter(path=prefix).first()
    return [], None


def _detail_url(transfer: Transfer) -> str:
    return safe_reverse("transfers:detail", transfer.pk) or ""


def _notify_hop(hop: TransferHop) -> None:
    ids, _org = approver_ids(hop.org_path)
    transfer = hop.transfer
    if ids:
        notify(
            ids, "transfers.hop",
            title=_("Transfer %(number)s awaits your approval") % {"number": transfer.number},
            body=_("%(name)s: %(from)s → %(to)s. Decide by %(due)s.") % {
                "name": transfer.name, "from": transfer.from_org_name, "to": transfer.to_org_name,
                "due": hop.due_on.isoformat() if hop.due_on else "—"},
            url=_detail_url(transfer),
        )


#: The notices that ask an approver to act on a transfer; read once the approver has acted.
ACTION_KINDS = ("transfers.hop", "transfers.overdue")


def _mark_acted(transfer: Transfer, acting_user: ActingUser | None) -> None:
    """The approver decided: their notices asking for that decision ("… awaits your approval",
    "overdue") on this transfer are marked read, so none stays unread after the work is done.
    (Caller's transaction; other approvers' notices are theirs to read.)"""
    from dangjian.core.models import Notification
    from dangjian.core.notifications.actions import do_mark_read

    user = as_user(acting_user)
    url = _detail_url(transfer)
    if user is None or not url:
        return
    for item in Notification.objects.filter(recipient=user, kind__in=ACTION_KINDS, url=url,
                                            read_at__isnull=True).order_by("pk")[:50]:
        do_mark_read(item, acting_user=user)


def _notify_starter(transfer: Transfer, title: str, body: str = "") -> None:
    recipients = {transfer.started_by_id} if transfer.started_by_id else set()
    user_id = Member.objects.filter(pk=transfer.member_id).values_list("person__user_id", flat=True).first()
    if user_id:
        recipients.add(user_id)
    if recipients:
        notify(sorted(recipients), "transfers.progress", title=title, body=body, url=_detail_url(transfer))


# --- helpers over the hops ---------------------------------------------------------------------


def current_hop(hops: list[TransferHop]) -> TransferHop | None:
    """The first hop not yet approved (pending or returned), in route order."""
    for hop in hops:
        if hop.state != HopState.APPROVED:
            return hop
    return None


def _activate(hop: TransferHop, now: dt.datetime) -> None:
    hop.state = HopState.PENDING
    hop.activated_at = now
    hop.due_on = workdays.deadline(now, hop_workdays())
    hop.escalated_at = None
    hop.escalated_to = None
    hop.save(update_fields=["state", "activated_at", "due_on", "escalated_at", "escalated_to"])


def _set_status(transfer: Transfer, new_status: str) -> None:
    transfer.check_transition(new_status)
    transfer.status = new_status


def _is_own(member: Member, user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and member.person.user_id == user.pk


# --- start -----------------------------------------------------------------------------------------


def _clean_start(member: Member, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if member.status not in CURRENT_STATUSES:
        errors["member"] = [_("Only full and probationary members can be transferred; %(name)s is “%(status)s”.") % {
            "name": member.person.name, "status": MemberStatus(member.status).label}]
    raw_org = data.get("to_org")
    ext = data.get("to_external") or {}
    ext_name = _text(ext.get("name") if isinstance(ext, Mapping) else ext)
    ext_address = _text(ext.get("address")) if isinstance(ext, Mapping) else ""
    to_org = None
    if raw_org not in (None, "") and ext_name:
        errors["to_org"] = [_("Choose either a receiving branch on the platform or an organization outside it, not both.")]
    elif raw_org not in (None, ""):
        if isinstance(raw_org, Organization):
            to_org = raw_org
        else:
            try:
                to_org = Organization.objects.filter(pk=int(str(raw_org)), is_active=True).first()
            except (TypeError, ValueError, OverflowError):
                to_org = None
        if to_org is None or not to_org.is_active:
            errors["to_org"] = [_("Unknown receiving organization.")]
            to_org = None
        elif to_org.kind not in BRANCH_KINDS:
            errors["to_org"] = [_("The receiving organization must be a branch; “%(org)s” is not a branch.") % {
                "org": to_org.name}]
        elif to_org.pk == member.organization_id:
            errors["to_org"] = [_("The member already belongs to “%(org)s”.") % {"org": to_org.name}]
    elif not ext_name:
        errors["to_org"] = [_("Choose the receiving branch, or enter the organization outside the platform.")]
    if len(ext_name) > NAME_MAX:
        errors["to_external"] = [_("The organization name can be at most %(max)d characters.") % {"max": NAME_MAX}]
    if len(ext_address) > NAME_MAX:
        errors["to_external"] = [_("The address can be at most %(max)d characters.") % {"max": NAME_MAX}]
    out.update(to_org=to_org, ext_name=ext_name, ext_address=ext_address)

    reason = _text(data.get("reason"))
    if not reason:
        errors["reason"] = [_("Give the reason for the transfer (e.g. new work unit or new residence).")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("The reason can be at most %(max)d characters.") % {"max": REASON_MAX}]
    out["reason"] = reason

    raw_days = data.get("validity_days")
    days = validity_default()
    if raw_days not in (None, ""):
        try:
            days = int(str(raw_days))
        except (TypeError, ValueError):
            days = 0
    if not 1 <= days <= validity_max():
        errors["validity_days"] = [_("The letter's validity must be 1 to %(max)d days.") % {"max": validity_max()}]
    out["validity_days"] = days

    try:
        out["dues_paid_until"] = parse_year_month(data.get("dues_paid_until"))
    except ValueError:
        errors["dues_paid_until"] = [_("Enter the month dues are paid up to as year-month, e.g. 2026-05.")]
    if errors:
        raise ValidationError(errors)
    return out


def dues_paid_up_to(member: Member) -> dt.date | None:
    """The month the member's dues are settled to, from the dues module's bills (None when the
    dues module is not installed or has no settled bill); the starter may enter it instead. The
    dues module provides it as the member fact ``dues_paid_up_to`` (``core.hooks``)."""
    return member_fact("dues_paid_up_to", member)


def do_start_transfer(member: Member, data: Mapping[str, Any], *, acting_user: ActingUser) -> Transfer:
    """Start a transfer of ``member``: by a user with ``transfers.start`` on the member's branch, or
    by the member (a request for the branch to approve). ``data``: ``to_org`` (a branch on the
    platform) or ``to_external`` (``{name, address}``), ``reason``, optional ``validity_days`` and
    ``dues_paid_until`` (year-month)."""
    by_member = _is_own(member, acting_user) and not in_scope(acting_user, "transfers.start", member.org_path)
    if not by_member:
        require(acting_user, "transfers.start", member.org_path)
    clean = _clean_start(member, data)
    if clean["dues_paid_until"] is None:
        clean["dues_paid_until"] = dues_paid_up_to(member)
    if Transfer.objects.filter(member=member, status__in=sorted(ACTIVE_STATUSES)).exists():
        raise ValidationError({"member": _("%(name)s already has a transfer in progress.") % {"name": member.person.name}})
    from_org = member.organization
    to_org: Organization | None = clean["to_org"]
    route = route_for(from_org, to_org)
    orgs = Organization.objects.in_bulk(route.ids)
    sending = orgs[route.sending]
    person = member.person
    now = timezone.now()
    today = timezone.localdate(now)
    try:
        with transaction.atomic():
            transfer = Transfer(
                number=_next_number(today.year),
                kind=TransferKind.INTERNAL if to_org else TransferKind.OUTGOING_EXTERNAL,
                member=member, from_org=from_org, from_path=from_org.path,
                to_org=to_org, to_path=to_org.path if to_org else "",
                sending_org=sending, receiving_org=orgs[route.receiving] if route.receiving else None,
                from_org_name=from_org.name, to_org_name=to_org.name if to_org else clean["ext_name"],
                external_address=clean["ext_address"], route=route.ids, reason=clean["reason"],
                validity_days=clean["validity_days"],
                name=person.name, sex=person.sex, age=_age(person.birth_date, today), ethnicity=person.ethnicity,
                membership=member.status, dues_paid_until=clean["dues_paid_until"],
                sender_address=sending.address, sender_phone=sending.contact_phone, sender_postcode=sending.postcode,
                verify_token=secrets.token_urlsafe(32), started_by=as_user(acting_user),
                started_by_member=by_member, created_at=now,
            )
            transfer.set_id_number(person.id_number or "")
            transfer.set_phone(person.phone or "")
            transfer.save(force_insert=True)
            hops = TransferHop.objects.bulk_create([
                TransferHop(transfer=transfer, order=i, organization=orgs[org_id], org_path=orgs[org_id].path,
                            receiving=i > route.sending_index)
                for i, org_id in enumerate(route.ids)
            ])
            first = TransferHop.objects.get(transfer=transfer, order=0)
            _activate(first, now)
            audit.record(
                acting_user, "transfer.started", transfer,
                after={"number": transfer.number, "member": member.pk, "from": from_org.pk,
                       "to": to_org.pk if to_org else None, "to_external": clean["ext_name"],
                       "route": route.ids, "validity_days": transfer.validity_days, "by_member": by_member},
                reason=transfer.reason, org_path=from_org.path,
            )
            transaction.on_commit(lambda: _notify_hop(first), robust=True)
    except IntegrityError:
        # Another start for the same member won the race (one active transfer per member).
        raise ValidationError({"member": _("%(name)s already has a transfer in progress.") % {"name": person.name}}) from None
    assert len(hops) == len(route.ids)
    return transfer


# --- decisions -----------------------------------------------------------------------------------


def _lock(transfer: Transfer) -> tuple[Transfer, list[TransferHop]]:
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    hops = list(TransferHop.objects.filter(transfer=locked).select_related("organization").order_by("order"))
    return locked, hops


def _check_current(hop: TransferHop, hops: list[TransferHop], transfer: Transfer) -> TransferHop:
    fresh = next((h for h in hops if h.pk == hop.pk), None)
    if fresh is None:
        raise ValidationError({"hop": _("This step does not belong to the transfer.")})
    if transfer.status != TransferStatus.IN_PROGRESS or fresh.state != HopState.PENDING or current_hop(hops) != fresh:
        raise ValidationError({"hop": _("This step was already decided or is not the current step.")})
    return fresh


def check_letter_valid(transfer: Transfer, on: dt.date) -> None:
    if transfer.valid_until and on > transfer.valid_until:
        raise ValidationError({"valid_until": _(
            "The introduction letter expired on %(date)s and cannot be accepted; the sending side must "
            "issue a new one.") % {"date": transfer.valid_until.isoformat()}})


def _ledger(transfer: Transfer, org: Organization, direction: str, counterpart: str, on: dt.date) -> None:
    TransferLedgerEntry.objects.create(
        organization=org, org_path=org.path, direction=direction, transfer=transfer, member_name=transfer.name,
        membership=transfer.membership, letter_number=transfer.external_number or transfer.number,
        counterpart=counterpart, on_date=on,
    )


def do_approve_hop(hop: TransferHop, *, acting_user: ActingUser | None, reason: str = "") -> Transfer:
    """Approve the current step. Two approvals of one step at the same moment: the transfer row is
    locked, so exactly one wins and the other is told the step was already decided."""
    require(acting_user, "transfers.approve", hop.org_path)
    reason = _text(reason)[:REASON_MAX]
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        transfer, hops = _lock(hop.transfer)
        hop = _check_current(hop, hops, transfer)
        if hop.receiving:
            check_letter_valid(transfer, today)
        hop.state = HopState.APPROVED
        hop.acted_by = as_user(acting_user)
        hop.acted_at = now
        hop.reason = reason
        hop.save(update_fields=["state", "acted_by", "acted_at", "reason"])
        after: dict[str, Any] = {"hop": hop.order, "organization": hop.organization_id}
        nxt = current_hop(hops)
        sending_last = not hop.receiving and (nxt is None or nxt.receiving)
        if sending_last:
            transfer.issued_on = today
            transfer.valid_until = today + dt.timedelta(days=transfer.validity_days)
            transfer.receipt_due_on = receipt_due(transfer.kind, today, transfer.valid_until)
            after.update(issued_on=today, valid_until=transfer.valid_until, receipt_due_on=transfer.receipt_due_on)
        if nxt is None and transfer.kind == TransferKind.OUTGOING_EXTERNAL:
            _set_status(transfer, TransferStatus.LETTER_ISSUED)
        elif nxt is None:
            _complete_internal(transfer, acting_user=acting_user, today=today)
        else:
            _activate(nxt, now)
        transfer.save()
        after["status"] = transfer.status
        audit.record(acting_user, "transfer.hop_approved", transfer, after=after, reason=reason,
                     org_path=hop.org_path)
        _mark_acted(transfer, acting_user)
        if nxt is not None:
            transaction.on_commit(lambda: _notify_hop(nxt), robust=True)
        elif transfer.status == TransferStatus.COMPLETED:
            transaction.on_commit(lambda: _notify_starter(
                transfer, _("Transfer %(number)s received") % {"number": transfer.number},
                _("%(name)s now belongs to %(org)s.") % {"name": transfer.name, "org": transfer.to_org_name}),
                robust=True)
        else:
            transaction.on_commit(lambda: _notify_starter(
                transfer, _("Letter %(number)s issued") % {"number": transfer.number},
                _("Print the letter and give it to the member; record the receipt when it comes back.")),
                robust=True)
    return transfer


def _complete_internal(transfer: Transfer, *, acting_user: ActingUser | None, today: dt.date) -> None:
    """The receiving branch accepted: move the membership and write both ledgers (caller's
    transaction; the transfer row is locked)."""
    assert transfer.to_org is not None and transfer.from_org is not None
    _set_status(transfer, TransferStatus.COMPLETED)
    transfer.received_on = today
    transfer.closed_at = timezone.now()
    move_member_for_transfer(transfer.member, transfer.to_org, acting_user=acting_user, reason=transfer.reason,
                             letter_number=transfer.number, on_date=today)
    _ledger(transfer, transfer.from_org, LedgerDirection.OUT, transfer.to_org_name, today)
    _ledger(transfer, transfer.to_org, LedgerDirection.IN, transfer.from_org_name, today)


def do_return_hop(hop: TransferHop, *, acting_user: ActingUser, reason: str) -> Transfer:
    """Send the transfer back with a reason (refusing without cause is not allowed: DOMAIN §7)."""
    require(acting_user, "transfers.approve", hop.org_path)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for returning the transfer.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason can be at most %(max)d characters.") % {"max": REASON_MAX}})
    now = timezone.now()
    with transaction.atomic():
        transfer, hops = _lock(hop.transfer)
        hop = _check_current(hop, hops, transfer)
        hop.state = HopState.RETURNED
        hop.acted_by = as_user(acting_user)
        hop.acted_at = now
        hop.reason = reason
        hop.save(update_fields=["state", "acted_by", "acted_at", "reason"])
        _set_status(transfer, TransferStatus.RETURNED)
        transfer.save()
        audit.record(acting_user, "transfer.hop_returned", transfer,
                     after={"hop": hop.order, "organization": hop.organization_id, "status": transfer.status},
                     reason=reason, org_path=hop.org_path)
        _mark_acted(transfer, acting_user)
        org_name = hop.organization.name
        transaction.on_commit(lambda: _notify_starter(
            transfer, _("Transfer %(number)s was returned") % {"number": transfer.number},
            _("%(org)s returned it: %(reason)s") % {"org": org_name, "reason": reason}), robust=True)
    return transfer


def _require_sender(transfer: Transfer, acting_user: ActingUser) -> None:
    """The sending side (``transfers.start`` on the member's former branch), or the member who
    asked for the transfer."""
    if transfer.from_path and in_scope(acting_user, "transfers.start", transfer.from_path):
        return
    if transfer.started_by_member and _is_own(transfer.member, acting_user):
        return
    raise PermissionDenied(_("Only the sending side can change this transfer."))


def do_resubmit_transfer(transfer: Transfer, *, acting_user: ActingUser, reason: str = "") -> Transfer:
    """After a return: send the transfer again to the step that returned it."""
    _require_sender(transfer, acting_user)
    now = timezone.now()
    with transaction.atomic():
        transfer, hops = _lock(transfer)
        _set_status(transfer, TransferStatus.IN_PROGRESS)
        hop = current_hop(hops)
        assert hop is not None
        _activate(hop, now)
        transfer.save()
        audit.record(acting_user, "transfer.resubmitted", transfer, after={"hop": hop.order},
                     reason=_text(reason)[:REASON_MAX], org_path=transfer.from_path)
        transaction.on_commit(lambda: _notify_hop(hop), robust=True)
    return transfer


def do_cancel_transfer(transfer: Transfer, *, acting_user: ActingUser, reason: str) -> Transfer:
    _require_sender(transfer, acting_user)
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling the transfer.")})
    with transaction.atomic():
        transfer, _hops = _lock(transfer)
        _set_status(transfer, TransferStatus.CANCELLED)
        transfer.closed_reason = reason[:REASON_MAX]
        transfer.closed_at = timezone.now()
        transfer.save()
        audit.record(acting_user, "transfer.cancelled", transfer, after={"status": transfer.status},
                     reason=reason, org_path=transfer.from_path)
    return transfer


def do_record_receipt(transfer: Transfer, *, received_on: dt.date, note: str = "", acting_user: ActingUser) -> Transfer:
    """A letter to an organization outside the platform came back with its receipt: record it by
    hand. The member leaves the roll (transferred out) and the sending ledger gets its row."""
    if transfer.sending_org is None:
        raise ValidationError({"transfer": _("This transfer has no sending committee.")})
    require(acting_user, "transfers.approve", transfer.sending_org.path)
    today = timezone.localdate()
    if not isinstance(received_on, dt.date):
        raise ValidationError({"received_on": _("Enter the date the receiving organization signed the receipt.")})
    if received_on > today:
        raise ValidationError({"received_on": _("This date is in the future.")})
    with transaction.atomic():
        transfer, _hops = _lock(transfer)
        if transfer.kind != TransferKind.OUTGOING_EXTERNAL or transfer.status != TransferStatus.LETTER_ISSUED:
            raise ValidationError({"status": _("A receipt can be recorded only for an issued letter to an organization "
                                               "outside the platform.")})
        if transfer.issued_on and received_on < transfer.issued_on:
            raise ValidationError({"received_on": _("The receipt cannot be dated before the letter was issued.")})
        check_letter_valid(transfer, received_on)
        _set_status(transfer, TransferStatus.COMPLETED)
        transfer.received_on = received_on
        transfer.receipt_note = _text(note)[:200]
        transfer.closed_at = timezone.now()
        transfer.save()
        member = transfer.member
        do_change_member_status(
            member, MemberStatus.TRANSFERRED_OUT, acting_user=acting_user,
            reason=_("Transferred out with letter %(number)s to %(org)s.") % {
                "number": transfer.number, "org": transfer.to_org_name},
            on_date=received_on,
        )
        assert transfer.from_org is not None
        _ledger(transfer, transfer.from_org, LedgerDirection.OUT, transfer.to_org_name, received_on)
        audit.record(acting_user, "transfer.receipt_recorded", transfer,
                     after={"received_on": received_on, "status": transfer.status},
                     reason=transfer.receipt_note, org_path=transfer.from_path)
    return transfer


def do_register_incoming(member_data: Mapping[str, Any], letter: Mapping[str, Any], *, acting_user: ActingUser) -> Transfer:
    """A receiving branch registers a member who arrives with a letter from outside the platform:
    the member is created with the members' own action, and the transfer and the receiving ledger
    row are recorded in the same transaction. ``letter``: ``number``, ``from_org_name``,
    ``valid_until``, ``received_on``, optional ``dues_paid_until`` and ``reason``."""
    errors: dict[str, list[str]] = {}
    number = _text(letter.get("number"))
    from_name = _text(letter.get("from_org_name"))
    valid_until = letter.get("valid_until")
    received_on = letter.get("received_on") or timezone.localdate()
    if not number:
        errors["number"] = [_("Enter the number printed on the introduction letter.")]
    elif len(number) > 40:
        errors["number"] = [_("The letter number can be at most %(max)d characters.") % {"max": 40}]
    if not from_name:
        errors["from_org_name"] = [_("Enter the organization that issued the letter.")]
    elif len(from_name) > NAME_MAX:
        errors["from_org_name"] = [_("The organization name can be at most %(max)d characters.") % {"max": NAME_MAX}]
    if not isinstance(valid_until, dt.date):
        errors["valid_until"] = [_("Enter the date the letter is valid until.")]
    elif isinstance(received_on, dt.date) and received_on > valid_until:
        errors["valid_until"] = [_("The introduction letter expired on %(date)s and cannot be accepted; the sending "
                                   "side must issue a new one.") % {"date": valid_until.isoformat()}]
    try:
        dues = parse_year_month(letter.get("dues_paid_until"))
    except ValueError:
        errors["dues_paid_until"] = [_("Enter the month dues are paid up to as year-month, e.g. 2026-05.")]
        dues = None
    if member_data.get("status") not in CURRENT_STATUSES:
        errors["status"] = [_("Only full and probationary members can be transferred in.")]
    if errors:
        raise ValidationError(errors)
    assert isinstance(valid_until, dt.date)
    org = member_data["organization"]
    org = org if isinstance(org, Organization) else Organization.objects.filter(pk=org).first()
    if org is None:
        raise ValidationError({"organization": _("Unknown receiving organization.")})
    require(acting_user, "transfers.approve", org.path)
    today = timezone.localdate()
    with transaction.atomic():
        member = do_create_member({**member_data, "add_type": AddType.TRANSFERRED_IN}, acting_user=acting_user,
                                  on_date=received_on if isinstance(received_on, dt.date) else today)
        person = member.person
        transfer = Transfer(
            number=_next_number(today.year), kind=TransferKind.INCOMING_EXTERNAL, status=TransferStatus.COMPLETED,
            member=member, to_org=org, to_path=org.path, from_org_name=from_name, to_org_name=org.name,
            route=[], reason=_text(letter.get("reason"))[:REASON_MAX] or _("Transferred in from outside the platform."),
            validity_days=max((valid_until - received_on).days, 0) if isinstance(received_on, dt.date) else 0,
            valid_until=valid_until, name=person.name, sex=person.sex, age=_age(person.birth_date, today),
            ethnicity=person.ethnicity, membership=member.status, dues_paid_until=dues,
            verify_token=secrets.token_urlsafe(32), started_by=as_user(acting_user), external_number=number,
            received_on=received_on, closed_at=timezone.now(),
        )
        transfer.set_id_number(person.id_number or "")
        transfer.set_phone(person.phone or "")
        transfer.save(force_insert=True)
        _ledger(transfer, org, LedgerDirection.IN, from_name, received_on)
        audit.record(acting_user, "transfer.registered_incoming", transfer,
                     after={"number": transfer.number, "letter": number, "from": from_name, "member": member.pk},
                     org_path=org.path)
    return transfer


def do_print_letter(transfer: Transfer, *, acting_user: ActingUser, ip: str | None = None) -> Transfer:
    """The printed letter shows the full ID-card number and phone: only for the sending side with
    the personal-data right, and always logged."""
    if not transfer.from_path or not in_scope(acting_user, "members.view_pii", transfer.from_path):
        raise PermissionDenied(_("Only the sending side, with the right to see personal data, prints the letter."))
    if transfer.issued_on is None or transfer.kind == TransferKind.INCOMING_EXTERNAL:
        raise ValidationError({"status": _("The letter has not been issued yet.")})
    with transaction.atomic():
        audit.record(acting_user, "transfer.letter_printed", transfer, org_path=transfer.from_path, ip=ip)
    return transfer


# --- the clock ------------------------------------------------------------------------------------


#: Statuses the expiry job closes. An issued letter to an organization outside the platform is not
#: among them: the member may have reported in time and the receipt be on its way (it is due one
#: month after the last valid day); the sending side chases it (``remind_overdue_receipts``).
EXPIRING_STATUSES = sorted(ACTIVE_STATUSES - {TransferStatus.LETTER_ISSUED})


def expire_letters(*, today: dt.date | None = None) -> list[int]:
    """Mark transfers whose letter validity has passed before they were received (system action)."""
    today = today or timezone.localdate()
    ids = list(Transfer.objects.filter(
        status__in=EXPIRING_STATUSES, valid_until__lt=today).values_list("pk", flat=True)[:1000])
    done: list[int] = []
    for pk in ids:
        with transaction.atomic():
            transfer = Transfer.objects.select_for_update().get(pk=pk)
            if (transfer.status not in EXPIRING_STATUSES or not transfer.valid_until
                    or transfer.valid_until >= today):
                continue
            _set_status(transfer, TransferStatus.EXPIRED)
            transfer.closed_at = timezone.now()
            transfer.save()
            audit.record(None, "transfer.expired", transfer, after={"valid_until": transfer.valid_until},
                         org_path=transfer.from_path or transfer.to_path)
            transaction.on_commit(lambda t=transfer: _notify_starter(  # type: ignore[misc]
                t, _("Letter %(number)s expired") % {"number": t.number},
                _("The letter was not received in time; start a new transfer.")), robust=True)
            done.append(pk)
    return done


def escalate_overdue_hops(*, now: dt.datetime | None = None) -> list[int]:
    """Steps past their due date (working days) that nobody decided: remind the step's approvers
    and escalate to the approvers of the organization above, once per activation (system action)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = list(
        TransferHop.objects.filter(state=HopState.PENDING, due_on__lt=today, escalated_at__isnull=True,
                                   transfer__status=TransferStatus.IN_PROGRESS, activated_at__isnull=False)
        .select_related("transfer", "organization").order_by("due_on", "pk")[:500]
    )
    done: list[int] = []
    for hop in candidates:
        with transaction.atomic():
            locked = TransferHop.objects.select_for_update().select_related("transfer", "organization").get(pk=hop.pk)
            if locked.state != HopState.PENDING or locked.escalated_at is not None:
                continue
            own_ids, _own_org = approver_ids(locked.org_path)
            up_ids, up_org = approver_ids(locked.org_path, above=True)
            locked.escalated_at = now
            locked.escalated_to = up_org
            locked.save(update_fields=["escalated_at", "escalated_to"])
            audit.record(None, "transfer.escalated", locked.transfer,
                         after={"hop": locked.order, "due_on": locked.due_on,
                                "escalated_to": up_org.pk if up_org else None},
                         org_path=locked.org_path)
            transfer = locked.transfer
            overdue = workdays.workdays_between(locked.due_on, today) if locked.due_on else 0
            values = {"number": transfer.number, "org": locked.organization.name,
                      "due": locked.due_on.isoformat() if locked.due_on else "—", "days": overdue}
            url = _detail_url(transfer)

            def send(own: list[int] = own_ids, up: list[int] = up_ids, v: dict[str, Any] = values,
                     link: str = url) -> None:
                if own:
                    notify(own, "transfers.overdue",
                           title=_("Transfer %(number)s is overdue at %(org)s") % v,
                           body=_("It was due on %(due)s (%(days)d working days ago). Please decide now.") % v, url=link)
                up_only = [u for u in up if u not in own]
                if up_only:
                    notify(up_only, "transfers.overdue",
                           title=_("Escalated: transfer %(number)s is overdue at %(org)s") % v,
                           body=_("The step was due on %(due)s (%(days)d working days ago). Please follow it up.") % v,
                           url=link)

            transaction.on_commit(send, robust=True)
            done.append(locked.pk)
    return done


def remind_overdue_receipts(*, today: dt.date | None = None) -> list[int]:
    """Receipts not back within one month (DOMAIN §7): once per transfer, tell those who must act —
    inside the platform the receiving committee (and, above it, whoever supervises it), outside
    it the sending committee, which chases the receiving organization (system action)."""
    today = today or timezone.localdate()
    candidates = list(
        Transfer.objects.filter(status__in=sorted(ACTIVE_STATUSES), receipt_due_on__lt=today,
                                receipt_reminded_at__isnull=True)
        .select_related("receiving_org", "sending_org").order_by("receipt_due_on", "pk")[:500])
    done: list[int] = []
    for t in candidates:
        with transaction.atomic():
            locked = Transfer.objects.select_for_update().get(pk=t.pk)
            if locked.status not in ACTIVE_STATUSES or locked.receipt_reminded_at is not None:
                continue
            locked.receipt_reminded_at = timezone.now()
            locked.save(update_fields=["receipt_reminded_at"])
            external = locked.kind == TransferKind.OUTGOING_EXTERNAL
            org = t.sending_org if external else (t.receiving_org or t.sending_org)
            ids: list[int] = []
            if org is not None:
                ids, _org = approver_ids(org.path)
                if not external:
                    ids = sorted(set(ids) | set(approver_ids(org.path, above=True)[0]))
            audit.record(None, "transfer.receipt_overdue", locked,
                         after={"receipt_due_on": locked.receipt_due_on, "notified": len(ids)},
                         org_path=(org.path if org else locked.from_path))
            values = {"number": locked.number, "org": locked.to_org_name,
                      "due": locked.receipt_due_on.isoformat() if locked.receipt_due_on else "—"}
            if external:
                title = _("Receipt overdue: letter %(number)s to %(org)s") % values
                body = _("The receipt was due by %(due)s. Ask the receiving organization for it and record it "
                         "on the transfer.") % values
            else:
                title = _("Receipt overdue: transfer %(number)s to %(org)s") % values
                body = _("The receiving side should have received the member and returned the receipt by "
                         "%(due)s. Please decide now.") % values
            url = _detail_url(locked)
            if ids:
                transaction.on_commit(lambda i=ids, ti=title, b=body, u=url: notify(  # type: ignore[misc]
                    i, "transfers.overdue", title=ti, body=b, url=u), robust=True)
            done.append(locked.pk)
    return done
