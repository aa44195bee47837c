"""The audit trail: every write records who, when, what, before and after, hash-chained.

Call ``record(...)`` inside the action's ``transaction.atomic()`` block. The chain tip is kept in
the single ``AuditHead`` row, locked with ``SELECT ... FOR UPDATE`` on PostgreSQL (SQLite runs
writing transactions one at a time, see settings ``transaction_mode``), so concurrent writers
append one after the other and the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from dangjian.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None, *, exclude: Iterable[str] = ()) -> dict:
    """A JSON-ready dict of a model's concrete fields (FKs by id) for before/after records."""
    skip = set(exclude)
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in skip:
            continue
        data[field.attname] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys that changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _roundtrip(value: Any) -> Any:
    """What the JSON column gives back, so the hash computed now matches the one verified later."""
    if value is None:
        return None
    return json.loads(json.dumps(_jsonable(value), ensure_ascii=False))


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "org_path": event.org_path,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "ip": event.ip,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(event)).hexdigest()


@dataclass
class Entry:
    """One event to append with ``record_many`` (the arguments of ``record``)."""

    action: str
    target: models.Model | None = None
    before: dict | None = None
    after: dict | None = None
    reason: str = ""
    org_path: str = ""
    target_label: str = ""
    ip: str | None = None


def _build(actor: Any, entry: Entry, prev_hash: str) -> AuditEvent:
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    target = entry.target
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor_obj,
        actor_label=(actor_obj.get_username() if actor_obj else (str(actor) if actor else "system")),
        action=entry.action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(entry.target_label or (str(target) if target is not None else ""))[:200],
        org_path=entry.org_path,
        before=_roundtrip(entry.before),
        after=_roundtrip(entry.after),
        reason=entry.reason,
        ip=entry.ip,
        prev_hash=prev_hash,
    )
    event.hash = compute_hash(prev_hash, event)
    return event


def record_many(actor: Any, entries: list[Entry], *, batch_size: int = 1000) -> list[AuditEvent]:
    """Append many events in order, locking the chain head once (bulk imports)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must be called inside transaction.atomic()")
    if not entries:
        return []
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    events = []
    prev = head.last_hash
    for entry in entries:
        event = _build(actor, entry, prev)
        events.append(event)
        prev = event.hash
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    last_id = AuditEvent.objects.filter(hash=prev).values_list("pk", flat=True).get()
    head.last_id = last_id
    head.last_hash = prev
    head.save(update_fields=["last_id", "last_hash"])
    return events


def record(
    actor: Any,
    action: str,
    target: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    org_path: str = "",
    target_label: str = "",
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside transaction.atomic()")
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    event = _build(actor, Entry(action, target, before, after, reason, org_path, target_label, ip), head.last_hash)
    event.save(force_insert=True)
    head.last_id = event.pk
    head.last_hash = event.hash
    head.save(update_fields=["last_id", "last_hash"])
    return event


@dataclass
class ChainProblem:
    event_id: int | None
    message: str


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Walk the whole chain; yield the first problem found (and stop)."""
    prev_hash = GENESIS
    last_id = 0
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        count += 1
        if event.prev_hash != prev_hash:
            yield ChainProblem(event.pk, "previous-hash link broken (an entry before it was deleted or altered)")
            return
        if compute_hash(prev_hash, event) != event.hash:
            yield ChainProblem(event.pk, "content does not match its hash (the entry was altered)")
            return
        prev_hash = event.hash
        last_id = event.pk
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        if count:
            yield ChainProblem(None, "chain head is missing")
        return
    if head.last_id != last_id or head.last_hash != prev_hash:
        yield ChainProblem(head.last_id or None, "the newest entries were deleted (chain head does not match the last entry)")
