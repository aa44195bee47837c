"""Per-person rules of a branch's year (DOMAIN.md §6), read from the records:

- **Heart-to-heart talks** (谈心谈话): each required pair talks at least once a year. The pairs
  come from ``HEART_TALK_PAIRS``: ``committee`` (default) = every pair of members who sat on the
  branch committee during the year; ``secretary_members`` = the secretary with each current member
  of the branch. A pair is done when both were present (signed in) at a closed heart-to-heart
  talk of the branch that started in the year (Asia/Shanghai).
- **Secretary's party lecture**: each member who was the branch's secretary during the year gave
  at least ``SECRETARY_LECTURES`` closed party lectures that year (``Activity.lecturer``).

A page of branches costs at most five queries whatever its size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Q

from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orglife import ActivityKind, ActivityStatus, CommitteePost, TalkPairRule
from dangjian.orglife.conf import conf
from dangjian.orglife.models import Activity, Attendee, CommitteeSeat


@dataclass
class Person:
    member_id: int
    name: str


@dataclass
class TalkPair:
    a: Person
    b: Person
    done: bool = False
    done_on: dt.date | None = None  # the first talk's day, when asked for (``dates=True``)


@dataclass
class TalkCompliance:
    pairs: list[TalkPair] = field(default_factory=list)

    @property
    def required(self) -> int:
        return len(self.pairs)

    @property
    def done(self) -> int:
        return sum(1 for p in self.pairs if p.done)

    @property
    def applies(self) -> bool:
        return bool(self.pairs)

    @property
    def missing(self) -> list[TalkPair]:
        return [p for p in self.pairs if not p.done]


@dataclass
class SecretaryLecture:
    secretary: Person
    lectures: int
    required: int

    @property
    def done(self) -> bool:
        return self.lectures >= self.required


def pair_rules() -> set[str]:
    raw = conf("HEART_TALK_PAIRS")
    rules = {raw} if isinstance(raw, str) else set(raw)
    unknown = rules - set(TalkPairRule.values)
    if unknown:
        raise ValueError(f"ORGLIFE HEART_TALK_PAIRS: unknown rule(s) {sorted(unknown)}; use {TalkPairRule.values}")
    return rules


@dataclass(frozen=True)
class Seat:
    """A committee seat as plain values (model instances with their member and person cost
    ~40 µs each; 2,000 branches' committees are ~8,500 seats: bench/module_orglife.py)."""

    member_id: int
    name: str
    post: str
    start_date: dt.date
    end_date: dt.date | None
    person: Person


def seats_in_year(branch_ids: list[int], year: int) -> dict[int, list[Seat]]:
    """Committee seats of each branch held at any time during ``year`` (one query)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out: dict[int, list[Seat]] = {}
    if not branch_ids:
        return out
    for org_id, member_id, name, post, start, end in (CommitteeSeat.objects
                            .filter(organization_id__in=branch_ids, start_date__lte=last)
                            .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
                            .order_by("organization_id", "start_date", "pk")
                            .values_list("organization_id", "member_id", "member__person__name", "post",
                                         "start_date", "end_date")):
        out.setdefault(org_id, []).append(Seat(member_id, name, post, start, end, Person(member_id, name)))
    return out


def _overlap(s1: Seat, s2: Seat) -> bool:
    far = dt.date.max
    return s1.start_date <= (s2.end_date or far) and s2.start_date <= (s1.end_date or far)


def _person(seat: Seat) -> Person:
    return seat.person


def talks_and_lectures(branch_ids: list[int], year: int, *, seats: dict[int, list[Seat]] | None = None,
                       dates: bool = True) -> tuple[dict[int, TalkCompliance], dict[int, list[SecretaryLecture]]]:
    """Heart-to-heart talk pairs and secretaries' lectures of each branch in ``year``. With
    ``dates=False`` the pairs' ``done_on`` stay empty (the dashboard shows counts only): the
    talks are then read as integers alone, with no datetime to convert per row (2,000
    branches: ~27,000 attendee rows, bench/module_orglife.py)."""
    from dangjian.orglife.periods import year_bounds

    rules = pair_rules()
    seats = seats if seats is not None else seats_in_year(branch_ids, year)
    start, end = year_bounds(year)
    required: dict[int, dict[frozenset[int], TalkPair]] = {b: {} for b in branch_ids}
    if TalkPairRule.COMMITTEE in rules:
        for b, rows in seats.items():
            # Two members form a pair when their seats overlapped during the year.
            for s1, s2 in combinations(rows, 2):
                if s1.member_id == s2.member_id or not _overlap(s1, s2):
                    continue
                key = frozenset((s1.member_id, s2.member_id))
                if key not in required[b]:
                    x, y = (s1, s2) if s1.member_id < s2.member_id else (s2, s1)
                    required[b][key] = TalkPair(x.person, y.person)
    if TalkPairRule.SECRETARY_MEMBERS in rules and seats:
        roster: dict[int, list[Person]] = {}
        for pk, org_id, name in (Member.objects.filter(organization_id__in=list(seats), status__in=CURRENT_STATUSES)
                                 .order_by("person__name_pinyin", "pk").values_list("pk", "organization_id", "person__name")):
            roster.setdefault(org_id, []).append(Person(pk, name))
        for b, rows in seats.items():
            for s in rows:
                if s.post != CommitteePost.SECRETARY:
                    continue
                for p in roster.get(b, []):
                    key = frozenset((s.member_id, p.member_id))
                    if p.member_id != s.member_id and key not in required[b]:
                        required[b][key] = TalkPair(s.person, p)
    wanted = [b for b, pairs in required.items() if pairs]
    if wanted:
        from dangjian.orglife.periods import tz

        talks_qs = Activity.objects.filter(organization_id__in=wanted, kind=ActivityKind.HEART_TALK,
                                           status=ActivityStatus.CLOSED, starts_at__gte=start, starts_at__lt=end)
        present: dict[int, tuple[int, list[int]]] = {}
        signed_in = (Attendee.objects.filter(activity__in=talks_qs, checked_in_at__isnull=False)
                     .values_list("activity_id", "activity__organization_id", "member_id"))
        # In time order only when the days are wanted (the first talk of a pair gives its day).
        signed_in = signed_in.order_by("activity__starts_at", "activity_id") if dates else signed_in.order_by()
        for activity_id, org_id, member_id in signed_in:
            present.setdefault(activity_id, (org_id, []))[1].append(member_id)
        first_talk: dict[tuple[int, frozenset[int]], int] = {}
        for activity_id, (org_id, members) in present.items():
            for m1, m2 in combinations(sorted(set(members)), 2):
                pair = required[org_id].get(frozenset((m1, m2)))
                if pair is not None and not pair.done:
                    pair.done = True
                    first_talk[(org_id, frozenset((m1, m2)))] = activity_id
        if dates and first_talk:
            # The same talks again (not a list of ids: a committee-wide page would pass tens of
            # thousands of parameters).
            day = {pk: at.astimezone(tz()).date() for pk, at in talks_qs.values_list("pk", "starts_at").order_by()}
            for (org_id, key), activity_id in first_talk.items():
                required[org_id][key].done_on = day[activity_id]
    talks = {b: TalkCompliance(list(required[b].values())) for b in branch_ids}

    per_year = int(conf("SECRETARY_LECTURES"))
    lectures: dict[int, list[SecretaryLecture]] = {b: [] for b in branch_ids}
    secretaries = {(b, s.member_id): _person(s) for b, rows in seats.items() for s in rows
                   if s.post == CommitteePost.SECRETARY}
    if per_year > 0 and secretaries:
        given: dict[int, int] = {}
        for lecturer_id in (Activity.objects.filter(
                lecturer_id__in={m for _b, m in secretaries}, kind=ActivityKind.PARTY_LECTURE,
                status=ActivityStatus.CLOSED, starts_at__gte=start, starts_at__lt=end)
                .values_list("lecturer_id", flat=True).order_by()):
            given[lecturer_id] = given.get(lecturer_id, 0) + 1
        for (b, member_id), person in secretaries.items():
            lectures[b].append(SecretaryLecture(person, given.get(member_id, 0), per_year))
    return talks, lectures
