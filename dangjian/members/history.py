"""A member's change history, read from the audit trail (the trail is the single record of changes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from dangjian.core import audit
from dangjian.core.models import AuditEvent
from dangjian.members.models import Member, Person

_ORG_KEYS = ("organization_id", "organization")


@dataclass
class Change:
    label: str
    before: Any
    after: Any


@dataclass
class HistoryEntry:
    event: AuditEvent
    label: str
    changes: list[Change] = field(default_factory=list)


def member_history(member: Member, *, limit: int = 50) -> list[AuditEvent]:
    """Audit events about ``member``, newest first (one indexed query)."""
    return list(
        AuditEvent.objects.filter(target_type="members.member", target_id=str(member.pk))
        .only("id", "created_at", "actor_label", "action", "before", "after", "reason")
        .order_by("-id")[:limit]
    )


def _field(attname: str) -> models.Field | None:
    for model in (Person, Member):
        for f in model._meta.concrete_fields:
            if f.attname == attname or f.name == attname:
                return f
    try:
        return Member._meta.get_field(attname)  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


def _display(f: models.Field | None, value: Any, org_names: dict[int, str]) -> Any:
    if value in (None, ""):
        return "—"
    if f is not None and f.name == "organization":
        return org_names.get(value, "—")  # an organization outside the viewer's scope: not named, not numbered
    if f is not None and f.choices:
        return dict(f.flatchoices).get(value, value)
    return value


def describe(events: list[AuditEvent], org_names: dict[int, str] | None = None) -> list[HistoryEntry]:
    """Turn events into display rows: the event's declared label (``members/events.py``) and each changed field's before → after."""
    org_names = org_names or {}
    entries = []
    for event in events:
        before = event.before if isinstance(event.before, dict) else {}
        after = event.after if isinstance(event.after, dict) else {}
        changes = []
        if event.action in ("member.updated", "member.status_changed"):
            for key in after:
                f = _field(key)
                label = str(f.verbose_name) if f is not None else key
                changes.append(Change(label, _display(f, before.get(key), org_names), _display(f, after[key], org_names)))
        entries.append(HistoryEntry(event, audit.event_label(event.action), changes))
    return entries


def org_ids_in(events: list[AuditEvent]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        for data in (event.before, event.after):
            if isinstance(data, dict):
                for key in _ORG_KEYS:
                    if isinstance(data.get(key), int):
                        ids.add(data[key])
    return ids


def history_for_display(member: Member, user: Any, *, limit: int = 50) -> list[HistoryEntry]:
    """``member_history`` ready to render; organization ids become names where ``user`` may see them."""
    from dangjian.orgs.selectors import orgs_for

    events = member_history(member, limit=limit)
    ids = org_ids_in(events)
    names = dict(orgs_for(user).filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return describe(events, names)
