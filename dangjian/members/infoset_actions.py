"""Writes (and the one read) for a member's info sets: posts, rewards and punishments, trips
abroad, hardship records, family members. One generic pair dispatching on the kind."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import require
from dangjian.members.infoset_forms import INFO_KINDS, InfoKind
from dangjian.members.models import Member

_SKIP = ("id", "member", "created_at")


def info_kind(kind: str) -> InfoKind:
    try:
        return INFO_KINDS[kind]
    except (KeyError, TypeError):
        raise Http404(_("Not found.")) from None


def info_sets(member: Member) -> dict[str, list[Any]]:
    """All of ``member``'s info-set records by kind (one query per kind). Call it only for a
    member already reached through ``access_member``."""
    return {key: list(kind.model._default_manager.filter(member=member)) for key, kind in INFO_KINDS.items()}


def get_info_record(member: Member, kind: str, pk: Any) -> Any:
    """One record of ``member`` of ``kind``; another member's record or a bad key → 404."""
    model = info_kind(kind).model
    try:
        record: Any = model._default_manager.get(member=member, pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None
    record.member = member
    return record


def _validated(kind: InfoKind, data: Any, instance: models.Model | None = None) -> Any:
    form = kind.form(data, instance=instance)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form


def _audit_payload(kind: str, record: models.Model) -> dict[str, Any]:
    return {"kind": kind, "id": record.pk, "fields": audit.snapshot(record, exclude=_SKIP)}


def do_add_info(member: Member, kind: str, data: Any, *, acting_user: ActingUser) -> Any:
    """Add one info-set record of ``kind`` to ``member``; ``data`` as the kind's form takes it."""
    info = info_kind(kind)
    require(acting_user, "members.change", member.org_path)
    form = _validated(info, data)
    record = form.save(commit=False)
    record.member = member
    with transaction.atomic():
        record.save()
        audit.record(acting_user, "member.info_added", member, after=_audit_payload(kind, record),
                     org_path=member.org_path)
    return record


def do_update_info(record: Any, data: Any, *, acting_user: ActingUser) -> Any:
    """Change one info-set record; the audit event keeps only the changed fields."""
    member = record.member
    require(acting_user, "members.change", member.org_path)
    kind = _kind_of(record)
    before = audit.snapshot(record, exclude=_SKIP)
    form = _validated(INFO_KINDS[kind], data, instance=record)
    with transaction.atomic():
        record = form.save()
        b, a = audit.diff(before, audit.snapshot(record, exclude=_SKIP))
        if a:
            audit.record(acting_user, "member.info_updated", member,
                         before={"kind": kind, "id": record.pk, "fields": b},
                         after={"kind": kind, "id": record.pk, "fields": a}, org_path=member.org_path)
    return record


def do_remove_info(record: Any, *, acting_user: ActingUser) -> None:
    """Delete one info-set record; the audit event keeps what it said."""
    member = record.member
    require(acting_user, "members.change", member.org_path)
    kind = _kind_of(record)
    payload = _audit_payload(kind, record)
    with transaction.atomic():
        record.delete()
        audit.record(acting_user, "member.info_removed", member, before=payload, after={"kind": kind},
                     org_path=member.org_path)


def _kind_of(record: models.Model) -> str:
    for key, kind in INFO_KINDS.items():
        if isinstance(record, kind.model):
            return key
    raise TypeError(f"not an info-set record: {record!r}")
