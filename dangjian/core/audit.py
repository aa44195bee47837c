"""The audit trail: every write records who, when, what, before and after, hash-chained.

Call ``record(...)`` inside the action's ``transaction.atomic()`` block.

**One chain per top-level organization.** An event belongs to the chain named by the first step
of its ``org_path`` (``chain_of``: the top-level organization, the key a database sharded by
top-level organization keeps local); an event with no organization belongs to the global chain
"". Each chain's tip is its own ``AuditHead`` row, locked with ``SELECT ... FOR UPDATE`` while
appending (SQLite runs writing transactions one at a time anyway, see settings
``transaction_mode``), so writers in one chain append one after the other and the chain never
forks, while writers in different top-level subtrees never wait for each other.

A chain is opened (its head row created) by its first event, and the opening is itself recorded
in the global chain (``audit.chain_opened``), so deleting a whole chain — its events and its head —
is detected too. A transaction that writes to several chains locks their heads in the order it
writes; ``record_many`` locks them in key order. Two transactions writing the same two chains in
opposite orders can deadlock on PostgreSQL, which aborts one of them (nothing half-written; the
user retries). Only writes that span two top-level organizations can do that.

**Declared event names.** Every event name is declared once, with a translatable label, in its
app's ``events.py`` through ``declare_events`` (core imports each ``dangjian.<app>.events`` at
start-up). Recording an undeclared name raises ``UndeclaredAuditEvent`` when
``settings.AUDIT_STRICT_EVENTS`` is true (the default under ``DEBUG`` and in tests); in production
it logs an error and records the event anyway: the write has happened, and losing its audit
record would be worse than a name missing from the list.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from dangjian.core.models import AuditEvent, AuditHead

log = logging.getLogger(__name__)

GENESIS = "0" * 64
GLOBAL_CHAIN = ""
# One step of the organization tree's materialized path (``orgs.Organization.steplen``; core
# imports no app, a test keeps the two equal).
CHAIN_KEY_LENGTH = 4
CHAIN_OPENED = "audit.chain_opened"


def chain_of(org_path: str) -> str:
    """The chain an event with this ``org_path`` belongs to: its top-level organization's path."""
    return org_path[:CHAIN_KEY_LENGTH]


def chain_name(chain: str) -> str:
    """How reports name a chain."""
    return chain or "global"


# --- declared event names -------------------------------------------------------------------------

_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
_declared: dict[str, str | Promise] = {}


class UndeclaredAuditEvent(ValueError):
    """An event name no app declared in its ``events.py``."""


def declare_events(labels: Mapping[str, str | Promise]) -> Mapping[str, str | Promise]:
    """Declare audit event names (``"app_thing.verb"``) with their translatable labels.

    Called once per app, from ``dangjian.<app>.events``. A name declared twice is an error:
    each name has one owner.
    """
    for name, label in labels.items():
        if not _EVENT_NAME.fullmatch(name):
            raise ImproperlyConfigured(f"audit event name {name!r} is not of the form 'thing.verb'")
        if name in _declared and _declared[name] is not label:
            raise ImproperlyConfigured(f"audit event {name!r} is declared twice")
        _declared[name] = label
    return labels


def declared_events() -> dict[str, str | Promise]:
    """Every declared event name with its label."""
    return dict(_declared)


def event_label(action: str) -> str:
    """The human label of an event name (the name itself if it was never declared)."""
    label = _declared.get(action)
    return str(label) if label is not None else action


def _check_declared(action: str) -> None:
    if action in _declared:
        return
    if getattr(settings, "AUDIT_STRICT_EVENTS", settings.DEBUG):
        raise UndeclaredAuditEvent(f"audit event {action!r} is not declared; add it to its app's events.py")
    log.error("audit event %r is not declared in any app's events.py (recorded anyway)", action)



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
    if event.chain:
        # Only events of an organization's chain hash their chain (binding them to it); events of
        # the global chain hash what they always did, so rows written before chains still verify.
        payload["chain"] = event.chain
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


def _build(actor: Any, entry: Entry, prev_hash: str, chain: str) -> AuditEvent:
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
        chain=chain,
    )
    event.hash = compute_hash(prev_hash, event)
    return event


def _lock_head(chain: str) -> AuditHead:
    """The chain's head row, locked until the transaction ends; opens the chain on first use."""
    head = AuditHead.objects.select_for_update().filter(chain=chain).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            head = AuditHead.objects.create(chain=chain)
    except IntegrityError:  # another transaction opened it first (PostgreSQL waited for it to commit)
        return AuditHead.objects.select_for_update().get(chain=chain)
    if chain != GLOBAL_CHAIN:
        _append(GLOBAL_CHAIN, None, [Entry(CHAIN_OPENED, after={"chain": chain}, target_label=chain)])
    return head


def _append(chain: str, actor: Any, entries: list[Entry], batch_size: int = 1000) -> list[AuditEvent]:
    head = _lock_head(chain)
    events = []
    prev = head.last_hash
    for entry in entries:
        event = _build(actor, entry, prev, chain)
        events.append(event)
        prev = event.hash
    if len(events) == 1:
        events[0].save(force_insert=True)
    else:
        AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    last_id = events[-1].pk or AuditEvent.objects.filter(hash=prev).values_list("pk", flat=True).get()
    head.last_id = last_id
    head.last_hash = prev
    head.save(update_fields=["last_id", "last_hash"])
    return events


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"audit.{name}() must be called inside transaction.atomic()")


def record_many(actor: Any, entries: list[Entry], *, batch_size: int = 1000) -> list[AuditEvent]:
    """Append many events (bulk imports): each chain's head is locked once, chains in key order.

    Returns the events in the order given; within a chain they are appended in that order.
    """
    _require_transaction("record_many")
    for entry in entries:
        _check_declared(entry.action)
    by_chain: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        by_chain.setdefault(chain_of(entry.org_path), []).append(i)
    result: list[AuditEvent | None] = [None] * len(entries)
    for chain in sorted(by_chain):
        indexes = by_chain[chain]
        for i, event in zip(indexes, _append(chain, actor, [entries[i] for i in indexes], batch_size), strict=True):
            result[i] = event
    return [event for event in result if event is not None]


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
    """Append one event to its chain. Must run inside the caller's transaction."""
    _require_transaction("record")
    _check_declared(action)
    entry = Entry(action, target, before, after, reason, org_path, target_label, ip)
    return _append(chain_of(org_path), actor, [entry])[0]


@dataclass
class ChainProblem:
    event_id: int | None
    message: str
    chain: str = GLOBAL_CHAIN

    def __str__(self) -> str:
        return f"audit chain {chain_name(self.chain)!r} broken at entry {self.event_id}: {self.message}"


def _walk(chain: str, head: AuditHead | None, batch_size: int, opened: set[str] | None) -> ChainProblem | None:
    """Verify one chain from its genesis to its head; collect the chains it opened (global chain)."""
    prev_hash = GENESIS
    last_id = 0
    count = 0
    for event in AuditEvent.objects.filter(chain=chain).order_by("id").iterator(chunk_size=batch_size):
        count += 1
        if event.prev_hash != prev_hash:
            return ChainProblem(
                event.pk, "previous-hash link broken (an entry before it was deleted, moved or altered)", chain)
        if compute_hash(prev_hash, event) != event.hash:
            return ChainProblem(event.pk, "content does not match its hash (the entry was altered)", chain)
        if opened is not None and event.action == CHAIN_OPENED and isinstance(event.after, dict):
            opened.add(str(event.after.get("chain", "")))
        prev_hash = event.hash
        last_id = event.pk
    if head is None:
        return ChainProblem(None, "chain head is missing", chain) if count else None
    if head.last_id != last_id or head.last_hash != prev_hash:
        return ChainProblem(
            head.last_id or None, "the newest entries were deleted (chain head does not match the last entry)", chain)
    return None


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Verify every chain on its own; yield the first problem of each broken chain.

    The global chain is walked first: it records every chain's opening, so a chain whose events
    and head were all deleted, or a chain that was never opened (forged), is reported too.
    """
    heads = {h.chain: h for h in AuditHead.objects.all()}
    chains = set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct()) | set(heads)
    opened: set[str] = set()
    problem = _walk(GLOBAL_CHAIN, heads.get(GLOBAL_CHAIN), batch_size, opened)
    if problem is not None:
        yield problem
    for chain in sorted(chains - {GLOBAL_CHAIN}):
        problem = _walk(chain, heads.get(chain), batch_size, None)
        if problem is None and chain not in opened:
            problem = ChainProblem(
                None, "chain was never opened in the global chain (forged or its opening deleted)", chain)
        if problem is not None:
            yield problem
    for chain in sorted(opened - chains):
        yield ChainProblem(None, "chain was deleted (opened in the global chain, no entries and no head left)", chain)
