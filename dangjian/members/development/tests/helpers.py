"""Test helpers: a movable clock and a driver that takes a file through the steps with valid
input, through the real actions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from dangjian.members.development import PersonRole
from dangjian.members.development.actions import (
    StepInput,
    Votes,
    clean_people,
    do_create_file,
    do_publish_notice,
    do_record_step,
)
from dangjian.members.development.models import ApplicantFile

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    def __init__(self, monkeypatch: Any) -> None:
        self._mp = monkeypatch
        self.now = dt.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, day: dt.date) -> None:
        self.now = dt.datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)

    @property
    def today(self) -> dt.date:
        return self.now.date()


def create(tree: Any, acting: Any, applied_on: dt.date, **extra: Any) -> ApplicantFile:
    data = {"name": "钱小红", "organization": tree.branch_a1, "applied_on": applied_on,
            "birth_date": dt.date(1998, 2, 28), "sex": "female", "id_number": "", "phone": "13900001111",
            "education": "bachelor", "work_unit": "甲镇中学", **extra}
    return do_create_file(data, acting_user=acting)


def step_input(f: ApplicantFile, step: int, on: dt.date, tree: Any, **overrides: Any) -> StepInput:
    """Valid input for ``step`` on day ``on``."""
    people: list[dict[str, Any]] = []
    votes = None
    details: dict[str, Any] = {}
    if step == 2:
        people = [{"role": PersonRole.TALKER, "name": "王书记"}]
    elif step == 5:
        people = [{"role": PersonRole.MENTOR, "member": tree.alice.pk}]
    elif step == 9:
        people = [{"role": PersonRole.SPONSOR, "member": tree.alice.pk},
                  {"role": PersonRole.SPONSOR, "name": "周介绍"}]
    elif step == 11:
        details = {"training_days": 3}
    elif step == 12:
        votes = Votes(entitled=3, present=3, yes=3, no=0, abstain=0)
    elif step in (15, 23):
        votes = Votes(entitled=1, present=1, yes=1, no=0, abstain=0)
    inp = StepInput(date=on, people=clean_people(people, f), votes=votes, details=details)
    for k, v in overrides.items():
        setattr(inp, k, v)
    return inp


def actor(step: int, users: Any) -> Any:
    from dangjian.members.development import STEPS, Actor

    if step == 24:
        return users.admin  # changes the member's status: needs members.change_status
    return users.organizer if STEPS[step].actor == Actor.HIGHER else users.secretary


def advance(f: ApplicantFile, to_step: int, tree: Any, users: Any, clock: Any) -> ApplicantFile:
    """Take ``f`` up to ``to_step``, each step on the earliest legal day (the clock follows)."""
    from dangjian.members.development import rules

    f.refresh_from_db()
    day = max(r.date for r in f.records.all())
    while f.step < to_step:
        step = f.step + 1
        day = day + dt.timedelta(days=1)
        if step == 7:
            day = max(day, rules.candidate_earliest(f.activist_on))  # type: ignore[arg-type]
        if step == 13:
            clock.set(day)
            do_publish_notice(f, start=day, acting_user=users.secretary)
            f.refresh_from_db()
        if step == 15:
            assert f.notice_ends_on is not None
            day = max(day, f.notice_ends_on + dt.timedelta(days=1))
        if step == 22:
            day = max(day, rules.full_application_earliest(f.probation_ends_on))  # type: ignore[arg-type]
        if step == 23:
            assert f.probation_ends_on is not None
            day = max(day, f.probation_ends_on)
        if clock.today < day:
            clock.set(day)
        do_record_step(f, step, step_input(f, step, day, tree), acting_user=actor(step, users))
        f.refresh_from_db()
    return f
