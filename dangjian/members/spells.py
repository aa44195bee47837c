"""The one writer of the membership history (``MemberSpell``, see ``models_history.py``).

Every action that changes a member's organization, status, category or education (or corrects
one of the facts copied onto every spell: sex, ethnicity, birth date, join date) calls
:func:`record_change` inside its own transaction, after it has written the ``Member`` row; bulk
writes (the Excel import, the demo) call :func:`start_histories`. The history is then brought in
line with the row *from the change's date on*:

- a change dated on or after the open spell's start closes the open spell and opens a new one
  (a change on the open spell's first day replaces it: no zero-length spells);
- a change dated earlier (a death reported after a later transfer was recorded, say) is applied
  from its date on: the spell holding that date is split, the changed attributes are set on it and
  on every later spell. It is refused when a later spell already changed the same attribute (the
  later record would be silently overwritten) or when the date lies before the member's history
  begins;
- consecutive spells that end up equal are merged.

The add type (how the member came onto a roll) is not a change of its own: it is kept on the
spells of the member's current stay in their organization. Sex, ethnicity, birth date and join
date are facts, not history: a correction is written on every spell (they are copied so that the
statistics count spells without joining the member and person tables).

:func:`history_problems` and :func:`repair` serve ``manage.py check_member_history`` and the tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.members import MemberStatus, SpellChange
from dangjian.members.models import Member, MemberSpell, Person

#: Attributes whose change starts a new spell.
TRACKED = ("organization_id", "org_path", "status", "category", "education")
#: Copied onto every spell (corrections rewrite them all).
FACTS = ("sex", "ethnicity", "birth_date", "join_date")
#: What :func:`initial_spells` reads: Member columns, and these from the person.
STATE_FIELDS = ("organization_id", "org_path", "status", "category", "add_type", "full_date",
                "status_changed_on", "join_date", "created_at")
PERSON_FIELDS = ("education", "sex", "ethnicity", "birth_date")

State = Mapping[str, Any]


def member_state(member: Member, person: Person | None = None) -> dict[str, Any]:
    """The history-relevant values of an in-memory ``Member`` and its person (``member.person``
    unless given)."""
    person = person or member.person
    state = {f: getattr(member, f) for f in STATE_FIELDS}
    state.update({f: getattr(person, f) for f in PERSON_FIELDS})
    return _clean(state)


def _clean(state: dict[str, Any]) -> dict[str, Any]:
    for f in ("education", "sex", "ethnicity"):
        state[f] = state[f] or ""
    return state


def _locked_state(member_id: int) -> dict[str, Any]:
    """The member's row as stored (locked until the transaction ends), history-relevant values."""
    row = (Member.objects.select_for_update(of=("self",)).filter(pk=member_id)
           .values(*STATE_FIELDS, *(f"person__{f}" for f in PERSON_FIELDS)).get())
    for f in PERSON_FIELDS:
        row[f] = row.pop(f"person__{f}")
    return _clean(row)


def default_start(state: State) -> dt.date:
    """Where a member's history begins when nothing else is known: the join date, else the day
    the record was created."""
    if state.get("join_date"):
        return state["join_date"]  # type: ignore[no-any-return]
    created = state.get("created_at")
    return timezone.localdate(created) if created else timezone.localdate()


def initial_spells(member_id: int, state: State, *, start: dt.date, change: str) -> list[MemberSpell]:
    """The first spells of a member whose history begins on ``start``, from the row's values:
    probationary until the full-membership date, full after it; a member who is no longer on
    the roll (or is suspended) changes to that status on ``status_changed_on``. Unsaved."""
    status = state["status"]
    full_date: dt.date | None = state.get("full_date")
    changed_on: dt.date | None = state.get("status_changed_on")
    points: list[tuple[dt.date, str, str]]
    if status == MemberStatus.PROBATIONARY:
        points = [(start, status, change)]
    else:
        if full_date and full_date > start:
            points = [(start, MemberStatus.PROBATIONARY, change), (full_date, MemberStatus.FULL, SpellChange.STATUS)]
        else:
            points = [(start, MemberStatus.FULL, change)]
        if status != MemberStatus.FULL:
            if changed_on and changed_on > start:
                points = [p for p in points if p[0] < changed_on] + [(changed_on, status, SpellChange.STATUS)]
            else:
                points = [(start, status, change)]
    spells = []
    for k, (day, st, ch) in enumerate(points):
        spells.append(MemberSpell(
            member_id=member_id, organization_id=state["organization_id"], org_path=state["org_path"], status=st,
            category=state["category"], education=state["education"], add_type=state["add_type"],
            sex=state["sex"], ethnicity=state["ethnicity"], birth_date=state["birth_date"], join_date=state["join_date"],
            valid_from=day, valid_to=points[k + 1][0] if k + 1 < len(points) else None,
            prev_org_path=state["org_path"] if k else "", prev_status=points[k - 1][1] if k else "", change=ch,
        ))
    return spells


def start_histories(members: Iterable[Member], *, change: str, batch_size: int = 2000) -> int:
    """Bulk form for members just written with ``bulk_create`` (the Excel import): each member's
    history begins on its join date (else today). ``member.person`` must be set. Inside the
    caller's transaction."""
    _require_transaction()
    today = timezone.localdate()
    spells: list[MemberSpell] = []
    for m in members:
        state = member_state(m)
        spells += initial_spells(m.pk, state, start=m.join_date or today, change=change)
    MemberSpell.objects.bulk_create(spells, batch_size=batch_size)
    return len(spells)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the membership history is written inside the caller's transaction")


def record_change(member: Member | int, *, on_date: dt.date, change: str, date_field: str = "on_date") -> None:
    """Bring the history of ``member`` in line with its stored row from ``on_date`` on (see the
    module's docstring). Call it inside the action's transaction, after the row is written.
    A member without history gets its first spells from ``on_date``. Raises ``ValidationError``
    on ``date_field`` when the date cannot be taken."""
    _require_transaction()
    member_id = member if isinstance(member, int) else member.pk
    state = _locked_state(member_id)
    spells = list(MemberSpell.objects.filter(member_id=member_id).order_by("valid_from"))
    if not spells:
        MemberSpell.objects.bulk_create(initial_spells(member_id, state, start=on_date, change=change))
        return
    _persist(spells, plan_change(spells, state, on_date=on_date, change=change, date_field=date_field))


@dataclass
class Plan:
    spells: list[MemberSpell]  # the member's spells after the change, in order
    deleted: list[int]  # primary keys of spells merged away


def _values(spell: MemberSpell) -> tuple[Any, ...]:
    return tuple(getattr(spell, f) for f in TRACKED)


def _copy(spell: MemberSpell, **changes: Any) -> MemberSpell:
    fields = {f.attname: getattr(spell, f.attname) for f in MemberSpell._meta.concrete_fields if not f.primary_key}
    fields.update(created_at=timezone.now(), **changes)
    return MemberSpell(**fields)


def plan_change(spells: list[MemberSpell], state: State, *, on_date: dt.date, change: str,
                date_field: str = "on_date") -> Plan:
    """The member's spells after applying ``state`` from ``on_date`` on (pure: nothing is
    written; ``spells`` are modified in place and marked ``_dirty``)."""
    spells = list(spells)
    current = spells[-1]
    changed = [f for f in TRACKED if getattr(current, f) != state[f]]
    if changed:
        first = spells[0].valid_from
        if on_date < first:
            raise ValidationError({date_field: _("This member's history begins on %(date)s; a change cannot be "
                                                 "dated earlier.") % {"date": first.isoformat()}})
        for before, after in zip(spells, spells[1:], strict=False):
            if after.valid_from > on_date and any(getattr(before, f) != getattr(after, f) for f in changed):
                raise ValidationError({date_field: _(
                    "A later change of this member, on %(date)s, is already recorded; date this change on or "
                    "after that day.") % {"date": after.valid_from.isoformat()}})
        i = max(k for k, s in enumerate(spells) if s.valid_from <= on_date)
        held = spells[i]
        if held.valid_from < on_date:
            split = _copy(held, valid_from=on_date, change=change)
            held.valid_to = on_date
            held._dirty = True  # type: ignore[attr-defined]
            spells.insert(i + 1, split)
            i += 1
        elif held.prev_status:  # a second change on the spell's first day replaces it
            held.change = change
            held._dirty = True  # type: ignore[attr-defined]
        for s in spells[i:]:
            for f in changed:
                setattr(s, f, state[f])
            s._dirty = True  # type: ignore[attr-defined]
    # Facts (not history) are the same on every spell.
    for s in spells:
        for f in FACTS:
            if getattr(s, f) != state[f]:
                setattr(s, f, state[f])
                s._dirty = True  # type: ignore[attr-defined]
    # The add type belongs to the current stay in the current organization.
    for s in reversed(spells):
        if s.organization_id != state["organization_id"]:
            break
        if s.add_type != state["add_type"]:
            s.add_type = state["add_type"]
            s._dirty = True  # type: ignore[attr-defined]
    return _normalize(spells)


def _normalize(spells: list[MemberSpell]) -> Plan:
    """Merge consecutive equal spells, make them follow each other, recompute prev_*."""
    kept: list[MemberSpell] = []
    deleted: list[int] = []
    for s in spells:
        if kept and _values(kept[-1]) == _values(s) and kept[-1].add_type == s.add_type:
            if s.pk:
                deleted.append(s.pk)
            continue
        kept.append(s)
    for k, s in enumerate(kept):
        valid_to = kept[k + 1].valid_from if k + 1 < len(kept) else None
        prev = (kept[k - 1].org_path, kept[k - 1].status) if k else ("", "")
        if s.valid_to != valid_to or (s.prev_org_path, s.prev_status) != prev:
            s.valid_to = valid_to
            s.prev_org_path, s.prev_status = prev
            s._dirty = True  # type: ignore[attr-defined]
    return Plan(kept, deleted)


def _persist(old: list[MemberSpell], plan: Plan) -> None:
    """Write a plan: deletions, then updates (spells closed before a spell is reopened, for the
    one-open-spell constraint), then new spells."""
    if plan.deleted:
        MemberSpell.objects.filter(pk__in=plan.deleted).delete()
    dirty = [s for s in plan.spells if s.pk and getattr(s, "_dirty", False)]
    for s in sorted(dirty, key=lambda s: s.valid_to is None):
        s.save()
    new = [s for s in plan.spells if not s.pk]
    if new:
        MemberSpell.objects.bulk_create(new)


# --- checks and repair -------------------------------------------------------------------------


_NO_DATE = dt.date(1, 1, 1)


def open_spell_matches() -> Exists:
    """``Exists`` of an open spell equal to the outer ``Member`` row (and its person)."""
    def date(name: str | OuterRef) -> Coalesce:
        return Coalesce(name, Value(_NO_DATE), output_field=DateField())

    return Exists(MemberSpell.objects.alias(b=date("birth_date"), j=date("join_date")).filter(
        member=OuterRef("pk"), valid_to__isnull=True, organization_id=OuterRef("organization_id"),
        org_path=OuterRef("org_path"), status=OuterRef("status"), category=OuterRef("category"),
        education=OuterRef("person__education"), add_type=OuterRef("add_type"), sex=OuterRef("person__sex"),
        ethnicity=OuterRef("person__ethnicity"), b=date(OuterRef("person__birth_date")),
        j=date(OuterRef("join_date")),
    ))


def mismatched_members(qs: QuerySet[Member] | None = None) -> QuerySet[Member]:
    """Members whose open spell is missing or disagrees with their row (one query)."""
    qs = Member.objects.all() if qs is None else qs
    return qs.filter(~open_spell_matches())


@dataclass(frozen=True)
class Problem:
    member_id: int
    kind: str  # "mismatch" | "tiling" | "prev"
    detail: str


def _tiling_problems(member_id: int, spells: list[tuple[Any, ...]]) -> Iterator[Problem]:
    """``spells``: (valid_from, valid_to, org_path, status, prev_org_path, prev_status) in order."""
    for k, (start, end, _path, _status, prev_path, prev_status) in enumerate(spells):
        nxt = spells[k + 1] if k + 1 < len(spells) else None
        if nxt is None and end is not None:
            yield Problem(member_id, "tiling", f"no open spell (last ends {end})")
        elif nxt is not None and end != nxt[0]:
            what = "overlap" if end is None or end > nxt[0] else "gap"
            yield Problem(member_id, "tiling", f"{what}: spell from {start} ends {end}, next starts {nxt[0]}")
        expected = (spells[k - 1][2], spells[k - 1][3]) if k else ("", "")
        if (prev_path, prev_status) != expected:
            yield Problem(member_id, "prev", f"spell from {start}: previous recorded as {prev_path!r}/{prev_status!r}, "
                                             f"is {expected[0]!r}/{expected[1]!r}")


def history_problems(member_ids: Iterable[int] | None = None) -> list[Problem]:
    """Every member whose history disagrees with the row, and every overlap, gap or wrong
    ``prev_*`` (one query for the rows, one streamed pass over the spells)."""
    members = Member.objects.all() if member_ids is None else Member.objects.filter(pk__in=list(member_ids))
    problems = [Problem(pk, "mismatch", "open spell missing or different from the member's row")
                for pk in mismatched_members(members).values_list("pk", flat=True)]
    spells = MemberSpell.objects.all() if member_ids is None else MemberSpell.objects.filter(member_id__in=members.values("pk"))
    rows = spells.order_by("member_id", "valid_from").values_list(
        "member_id", "valid_from", "valid_to", "org_path", "status", "prev_org_path", "prev_status")
    current: int | None = None
    batch: list[tuple[Any, ...]] = []
    for member_id, *rest in rows.iterator(chunk_size=5000):
        if member_id != current:
            if current is not None:
                problems += _tiling_problems(current, batch)
            current, batch = member_id, []
        batch.append(tuple(rest))
    if current is not None:
        problems += _tiling_problems(current, batch)
    return problems


def do_repair_member_history(member_ids: Iterable[int], *, acting_user: ActingUser | None = None) -> None:
    """Repair the history of ``member_ids`` (``manage.py check_member_history --repair``; a system
    action: no permission check) in one transaction, one ``member.history_corrected`` audit
    event per member."""
    ids = sorted(set(member_ids))
    with transaction.atomic():
        for member_id in ids:
            repair(member_id)
        members = Member.objects.select_related("person").filter(pk__in=ids)
        audit.record_many(acting_user, [
            audit.Entry("member.history_corrected", m, reason="check_member_history --repair", org_path=m.org_path)
            for m in members
        ])


def repair(member_id: int, *, today: dt.date | None = None) -> None:
    """Make one member's history whole: spells made to follow each other (an overlap is cut at the
    next spell's start, a gap closed), ``prev_*`` recomputed, and the row's values recorded as a
    ``corrected`` change dated today (a history that is missing begins on the join date). Inside
    the caller's transaction."""
    _require_transaction()
    today = today or timezone.localdate()
    state = _locked_state(member_id)
    spells = list(MemberSpell.objects.filter(member_id=member_id).order_by("valid_from"))
    if not spells:
        MemberSpell.objects.bulk_create(initial_spells(member_id, state, start=default_start(state),
                                                       change=SpellChange.CORRECTED))
        return
    # Cut overlaps and close gaps first: the open-spell constraint allows one open spell only, so
    # the spells already follow each other by start date.
    tiled = _normalize(spells)
    _persist(spells, tiled)
    spells = tiled.spells
    on_date = max(today, spells[-1].valid_from)
    _persist(spells, plan_change(spells, state, on_date=on_date, change=SpellChange.CORRECTED))
