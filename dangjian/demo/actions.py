"""The one write of the demo package: load a fictional county (``seed_demo``).

Speed: organizations are written with ``bulk_create`` and materialized paths computed here
(treebeard's ``add_child`` costs several queries per node); people and members go in batches;
pinyin is cached per name. One audit event ``demo.seeded`` records the whole load.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.hooks import DemoContext, run_demo_seeders
from dangjian.core.models import User
from dangjian.core.roles import Role
from dangjian.demo import events as _events  # noqa: F401 - declares the demo's audit event names (not an installed app)
from dangjian.demo.generator import MemberRecord, Namer, OrgNode, Scale, iter_branch_members, plan_tree, resolve_scale
from dangjian.members import AddType, MemberStatus, SpellChange
from dangjian.members.models import Member, MemberSpell, Person
from dangjian.members.pinyin import full_pinyin, initials
from dangjian.members.spells import initial_spells, member_state, plan_change
from dangjian.orgs.models import Organization, PartyGroup

DEMO_PASSWORD = "dangjian-demo"  # noqa: S105 - published demo password
DEMO_USERS = ("demo-admin", "demo-secretary", "demo-member")
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4
BATCH = 5000


def encode_step(n: int) -> str:
    """treebeard's path step: ``n`` in base 36 with the MP_Node alphabet, 4 characters."""
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = ALPHABET[r] + out
    if len(out) > STEPLEN:
        raise ValueError("too many siblings for steplen 4")
    return out.rjust(STEPLEN, "0")


def decode_step(step: str) -> int:
    return int(step, 36)


@functools.lru_cache(maxsize=400_000)
def _pinyin(name: str) -> tuple[str, str]:
    return full_pinyin(name), initials(name)


@dataclass
class SeedResult:
    root: Organization
    organizations: int
    members: int
    seconds: float
    timings: dict[str, float]
    demo_branch: Organization | None


def _assign_paths(root: OrgNode, root_path: str) -> None:
    root.path = root_path
    stack = [root]
    while stack:
        node = stack.pop()
        for i, child in enumerate(node.children, start=1):
            child.path = node.path + encode_step(i)
            stack.append(child)


def _org_row(node: OrgNode, rng: random.Random, namer: Namer, seq: int, today: dt.date) -> Organization:
    is_base = node.setting in ("village", "community", "grid")
    term_years = 5 if is_base else 3
    if node.secretary:
        secretary = node.secretary[0]
    else:
        secretary = namer.person(rng.random() < 0.8)
    contact = secretary if rng.random() < 0.5 else namer.person(rng.random() < 0.5)
    established = dt.date(rng.randint(1950 if node.setting == "village" else 1985, 2020), rng.randint(1, 12), rng.randint(1, 28))
    term_start = max(established, today - dt.timedelta(days=rng.randint(30, term_years * 365 - 30)))
    return Organization(
        path=node.path, depth=len(node.path) // STEPLEN, numchild=len(node.children),
        name=node.name, short_name=node.short_name[:60], kind=node.kind, grid_type=node.grid_type,
        unit_situation=node.unit_situation, code=f"3299{node.county + 1:02d}{seq:06d}",
        secretary_name=secretary, contact_person=contact,
        contact_phone=rng.choice(("138", "139", "150", "187")) + f"{rng.randrange(10**8):08d}",
        address=node.place[:200], postcode=f"2{node.county % 10}{rng.randint(1000, 9999)}",
        established_on=established, term_years=term_years, term_started_on=term_start,
    )


def _person(rec: MemberRecord) -> Person:
    p = Person(
        sex="male" if rec.male else "female", ethnicity=rec.ethnicity, birth_date=rec.birth_date,
        education=rec.education, address=rec.address[:200], work_unit=rec.work_unit[:200], job_post=rec.job_post[:100],
    )
    p.name = rec.name
    p.name_pinyin, p.name_initials = _pinyin(rec.name)
    p.set_id_number(rec.id_number)
    p.set_phone(rec.phone)
    return p


def do_seed_demo(scale_name: str, *, seed: int = 1, members: int | None = None, today: dt.date | None = None,
                 acting_user: ActingUser | None = None, progress: Callable[[str], None] | None = None) -> SeedResult:
    """Load the demo organization tree and members, and the three demo accounts.

    A system action (no acting user; the management command calls it). Runs in one transaction:
    a failure leaves nothing behind.
    """
    if scale_name not in ("small", "county", "province"):
        raise ValidationError({"scale": "Unknown scale."})
    scale: Scale = resolve_scale(scale_name, members)
    today = today or timezone.localdate()
    say = progress or (lambda _msg: None)
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    namer = Namer(rng)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    plan = plan_tree(rng, namer, scale)
    nodes = list(plan.walk())
    timings["plan"] = time.perf_counter() - t0
    say(f"planned {len(nodes)} organizations, {scale.members} members")

    with transaction.atomic():
        last_root = Organization.get_last_root_node()
        root_path = encode_step(decode_step(last_root.path[:STEPLEN]) + 1) if last_root else encode_step(1)
        _assign_paths(plan, root_path)
        t = time.perf_counter()
        rows = [_org_row(node, rng, namer, seq, today) for seq, node in enumerate(nodes, start=1)]
        Organization.objects.bulk_create(rows, batch_size=2000)
        by_path = dict(Organization.objects.filter(path__startswith=root_path).values_list("path", "pk"))
        for node in nodes:
            node.pk = by_path[node.path]
        timings["organizations"] = time.perf_counter() - t
        say(f"organizations written in {timings['organizations']:.1f} s")

        t = time.perf_counter()
        n_members = 0
        demo: dict[str, Any] = {}
        pending: list[tuple[OrgNode, list[MemberRecord]]] = []
        pending_n = 0
        last_report = t
        history = DemoHistory(seed, today)
        for node, records in iter_branch_members(rng, namer, plan, today):
            pending.append((node, records))
            pending_n += len(records)
            if node.setting == "village" and "branch" not in demo and node.kind == "branch" and len(records) >= 5:
                demo["branch"] = node
            if pending_n >= BATCH:
                n_members += _flush(pending, demo, history)
                pending, pending_n = [], 0
                if time.perf_counter() - last_report > 10:
                    last_report = time.perf_counter()
                    say(f"  {n_members} members ({n_members / (last_report - t):.0f}/s)")
        n_members += _flush(pending, demo, history)
        timings["members"] = time.perf_counter() - t
        say(f"{n_members} members written in {timings['members']:.1f} s")

        root = Organization.objects.get(path=root_path)
        branch = Organization.objects.get(pk=demo["branch"].pk) if "branch" in demo else None
        audit.record(
            acting_user, "demo.seeded", root,
            after={"scale": scale_name, "seed": seed, "counties": scale.counties, "organizations": len(nodes),
                   "members": n_members, "today": today.isoformat()},
            org_path=root.path,
        )
        t = time.perf_counter()
        if branch is not None:
            _demo_users(root, branch, demo, acting_user)
        timings["users"] = time.perf_counter() - t
        if branch is not None:
            t = time.perf_counter()
            users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}
            run_demo_seeders(DemoContext(root=root, branch=branch, users=users, rng=random.Random(seed),  # noqa: S311
                                         today=today, scale=scale_name))
            timings["modules"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return SeedResult(root, len(nodes), n_members, timings["total"], timings, branch)


class DemoHistory:
    """A membership history for the demo (the year-end tables need changes in the demo year):
    each member's history begins on the join date (probationary for a year, then full); a few
    full members left the roll this year (died, transferred out of the county, lapsed, removed)
    and a few came this year from another branch (the previous branch written). Draws from a
    random stream of its own, so the members themselves stay those of the seed."""

    LEAVE = 0.004
    MOVE = 0.01

    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed * 7919 + 1)  # noqa: S311 - demo data, not secrets
        self.today = today
        self.year_start = today.replace(month=1, day=1)
        self.previous: OrgNode | None = None  # the last branch flushed: where movers come from

    def _day(self, after: dt.date | None) -> dt.date | None:
        lo = max(self.year_start, after + dt.timedelta(days=1)) if after else self.year_start
        if lo > self.today:
            return None
        return lo + dt.timedelta(days=self.rng.randrange((self.today - lo).days + 1))

    def exit(self, rec: MemberRecord, secretary: bool) -> tuple[str, dt.date] | None:
        """(status, day) for a member who left the roll this year, else None."""
        if secretary or rec.status != MemberStatus.FULL or self.rng.random() >= self.LEAVE:
            return None
        day = self._day(rec.full_date)
        if day is None:
            return None
        status = self.rng.choices((MemberStatus.DECEASED, MemberStatus.TRANSFERRED_OUT, MemberStatus.LAPSED,
                                   MemberStatus.REMOVED), weights=(5, 4, 1, 1))[0]
        return status, day

    def move(self, rec: MemberRecord, node: OrgNode, secretary: bool) -> tuple[OrgNode, dt.date] | None:
        """(previous branch, day) for a member who came from another branch this year, else None."""
        if secretary or self.previous is None or self.previous is node or self.rng.random() >= self.MOVE:
            return None
        day = self._day(rec.join_date)
        return (self.previous, day) if day is not None else None

    def spells(self, member: Member, person: Person, rec: MemberRecord,
               moved: tuple[OrgNode, dt.date] | None) -> list[MemberSpell]:
        state = member_state(member, person)
        if moved is None:
            return initial_spells(member.pk, state, start=rec.join_date, change=SpellChange.CREATED)
        origin, day = moved
        before = {**state, "organization_id": origin.pk, "org_path": origin.path, "add_type": rec.add_type}
        first = initial_spells(member.pk, before, start=rec.join_date, change=SpellChange.CREATED)
        return plan_change(first, state, on_date=day, change=SpellChange.TRANSFERRED).spells


def _flush(pending: list[tuple[OrgNode, list[MemberRecord]]], demo: dict[str, Any], history: DemoHistory) -> int:
    if not pending:
        return 0
    groups: list[PartyGroup] = []
    for node, records in pending:
        if node.groups:
            leaders = {}
            for rec in records[1:]:
                if rec.group is not None and rec.group not in leaders:
                    leaders[rec.group] = rec.name
            for g in range(node.groups):
                groups.append(PartyGroup(branch_id=node.pk, name=f"第{'一二三四五'[g]}党小组", leader_name=leaders.get(g, "")))
    if groups:
        PartyGroup.objects.bulk_create(groups)
    people: list[Person] = []
    members: list[Member] = []
    moves: list[tuple[OrgNode, dt.date] | None] = []
    gi = 0
    for node, records in pending:
        node_groups = groups[gi: gi + node.groups]
        gi += node.groups
        for i, rec in enumerate(records):
            person = _person(rec)
            people.append(person)
            secretary = i == 0 and node.secretary is not None
            status, changed_on = rec.status, rec.status_changed_on
            left = history.exit(rec, secretary)
            if left is not None:
                status, changed_on = left
            moved = history.move(rec, node, secretary) if left is None else None
            member = Member(
                organization_id=node.pk, org_path=node.path,
                party_group_id=node_groups[rec.group].pk if rec.group is not None and node_groups else None,
                status=status, category=rec.category, join_date=rec.join_date, full_date=rec.full_date,
                add_type=AddType.TRANSFERRED_IN if moved else rec.add_type, status_changed_on=changed_on,
            )
            members.append(member)
            moves.append(moved)
            if demo.get("branch") is node and status in (MemberStatus.FULL, MemberStatus.PROBATIONARY):
                key = "secretary" if i == 0 else "member"
                demo.setdefault(key, member)
        history.previous = node
    Person.objects.bulk_create(people, batch_size=2000)
    for person, member in zip(people, members, strict=True):
        member.person_id = person.pk
    Member.objects.bulk_create(members, batch_size=2000)
    records = [rec for _node, recs in pending for rec in recs]
    spells = [s for member, person, rec, moved in zip(members, people, records, moves, strict=True)
              for s in history.spells(member, person, rec, moved)]
    _insert_spells(spells)
    return len(members)


#: The spell columns the demo writes (every column but the key).
_SPELL_FIELDS = [f for f in MemberSpell._meta.concrete_fields if not f.primary_key]


def _insert_spells(spells: list[MemberSpell]) -> None:
    """``bulk_create`` without Django's per-value preparation (a third of a seed's time at
    two spells per member): the values are plain strings, integers and dates, adapted here."""
    ops = connection.ops
    created = ops.adapt_datetimefield_value(timezone.now())
    names = [f.attname for f in _SPELL_FIELDS]
    dates = [f.get_internal_type() == "DateField" for f in _SPELL_FIELDS]

    def row(spell: MemberSpell) -> tuple[Any, ...]:
        values: list[Any] = []
        for name, is_date in zip(names, dates, strict=True):
            value: Any = created if name == "created_at" else getattr(spell, name)
            values.append(ops.adapt_datefield_value(value) if is_date else value)
        return tuple(values)

    table = ops.quote_name(MemberSpell._meta.db_table)
    columns = ", ".join(ops.quote_name(str(f.column)) for f in _SPELL_FIELDS)
    marks = ", ".join(["%s"] * len(_SPELL_FIELDS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - identifiers from the model
    with connection.cursor() as cursor:
        for start in range(0, len(spells), 2000):
            cursor.executemany(sql, [row(s) for s in spells[start:start + 2000]])


def _demo_users(root: Organization, branch: Organization, demo: dict[str, Any], acting_user: ActingUser | None) -> None:
    from dangjian.core.actions import do_create_user, do_grant_role

    if User.objects.filter(username__in=DEMO_USERS).exists():
        return
    admin = do_create_user(username="demo-admin", password=DEMO_PASSWORD, name="演示管理员", acting_user=acting_user)
    do_grant_role(admin, Role.COUNTY_ADMIN, root, acting_user=acting_user)
    for username, key, role in (("demo-secretary", "secretary", Role.SECRETARY), ("demo-member", "member", Role.MEMBER)):
        member: Member | None = demo.get(key)
        person = Person.objects.get(pk=member.person_id) if member else None
        user = do_create_user(username=username, password=DEMO_PASSWORD, name=person.name if person else username,
                              acting_user=acting_user)
        do_grant_role(user, role, branch, acting_user=acting_user)
        if person is not None:
            Person.objects.filter(pk=person.pk).update(user=user)
            if key == "secretary":
                Organization.objects.filter(pk=branch.pk).update(secretary_name=person.name)
    audit.record(acting_user, "demo.accounts_created", root, after={"users": list(DEMO_USERS), "branch": branch.pk},
                 org_path=root.path)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, what it shows) for the demo accounts that exist."""
    labels = {
        "demo-admin": "county organization-department administrator (whole county)",
        "demo-secretary": "branch secretary (one village branch)",
        "demo-member": "party member (own record, member home)",
        # made by the module seeders (demo/cases.py, demo/editor.py, reports/demo.py, services/demo.py)
        "demo-handler": "case handler in three county departments (answers citizen opinions as cases)",
        "demo-editor": "portal editor and first-stage reviewer (one article awaiting review, /cms/)",
        "demo-discipline": "discipline-inspection officer (reports; key passphrase demo-report-key)",
        "demo-grid": "grid worker of the county's first grid (its open requests on a phone, /services/grid/)",
    }
    existing = set(User.objects.filter(username__in=list(labels)).values_list("username", flat=True))
    return [(u, DEMO_PASSWORD, label) for u, label in labels.items() if u in existing]
