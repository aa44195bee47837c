"""Writes for members (DESIGN.md §4 rule 1): permission, one transaction, audit, side effects
after commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import require
from dangjian.members import MemberStatus, SpellChange
from dangjian.members.models import Member, Person
from dangjian.members.spells import record_change
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

_PERSON_AUDIT_EXCLUDE = ("id_number", "id_number_digest", "phone", "phone_digest", "name_pinyin", "name_initials", "updated_at", "created_at")
_MEMBER_AUDIT_EXCLUDE = ("updated_at", "created_at", "org_path")


def member_snapshot(member: Member) -> dict:
    """Before/after record for the audit trail — masked personal data only."""
    data = audit.snapshot(member.person, exclude=_PERSON_AUDIT_EXCLUDE)
    data.update(audit.snapshot(member, exclude=_MEMBER_AUDIT_EXCLUDE))
    return data


def _organization(org: Organization | int) -> Organization:
    if isinstance(org, Organization):
        return org
    try:
        return Organization.objects.get(pk=org)
    except (Organization.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"organization": _("Unknown organization.")}) from None


def _check_branch(org: Organization) -> None:
    if org.kind not in BRANCH_KINDS:
        raise ValidationError({"organization": _("Members belong to a branch; “%(org)s” is not a branch.") % {"org": org.name}})


def _apply_person(person: Person, data: dict[str, Any]) -> None:
    if "name" in data:
        person.set_name(data["name"])
    if "id_number" in data:
        person.set_id_number(data["id_number"] or "")
    if "phone" in data:
        person.set_phone(data["phone"] or "")
    for field in ("sex", "ethnicity", "birth_date", "education", "address", "work_unit", "job_post"):
        if field in data:
            setattr(person, field, data[field] if data[field] is not None else ("" if field != "birth_date" else None))


def _check_id_unique(id_number: str, exclude_person: int | None = None) -> None:
    if not id_number:
        return
    qs = Person.objects.filter(id_number_digest=crypto.digest(id_number, purpose="id"))
    if exclude_person:
        qs = qs.exclude(pk=exclude_person)
    if qs.exists():
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")})


def build_member(data: dict[str, Any], org: Organization) -> tuple[Person, Member]:
    """Unsaved Person and Member from cleaned form data (shared by create and import)."""
    person = Person()
    _apply_person(person, data)
    member = Member(
        person=person,
        organization=org,
        org_path=org.path,
        status=data.get("status") or MemberStatus.FULL,
        category=data.get("category") or "in_service",
        join_date=data.get("join_date"),
        full_date=data.get("full_date"),
        add_type=data.get("add_type") or "developed",
        note=data.get("note") or "",
    )
    return person, member


def do_create_member(data: dict[str, Any], *, acting_user: ActingUser, on_date: dt.date | None = None) -> Member:
    """Register a member from cleaned ``MemberForm`` data. The membership history begins on
    ``on_date`` (the day the member came onto the branch's roll, e.g. a transfer's receipt), else
    on the join date (a record entered after the fact), else today."""
    org = _organization(data["organization"])
    require(acting_user, "members.add", org.path)
    _check_branch(org)
    _check_id_unique(data.get("id_number") or "")
    person, member = build_member(data, org)
    try:
        with transaction.atomic():
            person.save()
            member.person = person
            member.save()
            record_change(member, on_date=on_date or member.join_date or timezone.localdate(),
                          change=SpellChange.CREATED)
            audit.record(acting_user, "member.created", member, after=member_snapshot(member), org_path=org.path)
    except IntegrityError:
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")}) from None
    return member


def _spell_values(member: Member) -> tuple:
    """What the membership history holds of a member: an edit that changes any of it is recorded."""
    p = member.person
    return (member.organization_id, member.category, member.add_type, member.join_date,
            p.education, p.sex, p.ethnicity, p.birth_date)


def do_update_member(member: Member, data: dict[str, Any], *, acting_user: ActingUser, reason: str = "") -> Member:
    """Edit person and membership data. Moving to another organization needs rights on both."""
    require(acting_user, "members.change", member.org_path)
    new_org = _organization(data["organization"]) if "organization" in data else member.organization
    if new_org.pk != member.organization_id:
        require(acting_user, "members.change", new_org.path)
        _check_branch(new_org)
    if "id_number" in data:
        _check_id_unique(data["id_number"] or "", exclude_person=member.person_id)
    before = member_snapshot(member)
    person = member.person
    spell_before = _spell_values(member)
    _apply_person(person, data)
    for field in ("category", "join_date", "full_date", "add_type", "note"):
        if field in data:
            setattr(member, field, data[field] if data[field] is not None else ("" if field == "note" else None))
    if member.status == MemberStatus.FULL and member.join_date and not member.full_date:
        raise ValidationError({"full_date": _("A full member needs the date of full membership.")})
    member.organization = new_org
    member.org_path = new_org.path
    if member.party_group_id and member.party_group and member.party_group.branch_id != new_org.pk:
        member.party_group = None
    try:
        with transaction.atomic():
            person.save()
            member.save()
            if _spell_values(member) != spell_before:
                record_change(member, on_date=timezone.localdate(),
                              change=SpellChange.TRANSFERRED if new_org.pk != spell_before[0] else SpellChange.UPDATED)
            b, a = audit.diff(before, member_snapshot(member))
            if a:
                audit.record(acting_user, "member.updated", member, before=b, after=a, reason=reason,
                             org_path=new_org.path)
    except IntegrityError:
        # Another registration took the same ID-card number between the check and the save.
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")}) from None
    return member


def do_change_member_status(member: Member, new_status: str, *, acting_user: ActingUser, reason: str,
                            on_date: dt.date | None = None) -> Member:
    """One function for every status change; refuses illegal transitions (DESIGN.md §4 rule 5)."""
    require(acting_user, "members.change_status", member.org_path)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the status change.")})
    member.check_transition(new_status)
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        locked.check_transition(new_status)
        before = {"status": locked.status, "full_date": locked.full_date, "status_changed_on": locked.status_changed_on}
        locked.status = new_status
        locked.status_changed_on = on_date
        if new_status == MemberStatus.FULL and not locked.full_date:
            locked.full_date = on_date
        locked.save(update_fields=["status", "status_changed_on", "full_date", "updated_at"])
        record_change(locked, on_date=on_date, change=SpellChange.STATUS)
        audit.record(
            acting_user, "member.status_changed", locked, before=before,
            after={"status": new_status, "full_date": locked.full_date, "status_changed_on": on_date},
            reason=reason, org_path=locked.org_path,
        )
    member.refresh_from_db()
    return member


def do_reveal_member_pii(member: Member, *, acting_user: ActingUser, ip: str | None = None, purpose: str = "") -> dict[str, str]:
    """Return the unmasked ID-card number and phone; only for roles allowed, and always logged."""
    try:
        require(acting_user, "members.view_pii", member.org_path)
    except PermissionDenied:
        raise PermissionDenied(_("Your role may not see full ID-card and phone numbers.")) from None
    with transaction.atomic():
        audit.record(acting_user, "member.pii_viewed", member, reason=purpose, org_path=member.org_path, ip=ip)
    return {"id_number": member.person.id_number, "phone": member.person.phone}


def do_link_account(member: Member, user: Any, *, acting_user: ActingUser) -> Member:
    """Link a login account to the member's person record (so the member sees their home)."""
    require(acting_user, "members.change", member.org_path)
    with transaction.atomic():
        person = member.person
        before = {"user": person.user_id}
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        audit.record(acting_user, "member.account_linked", member, before=before, after={"user": user.pk if user else None}, org_path=member.org_path)
    return member
