"""Demo data: a few applicants at different stages in the demo branch, written by the actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.idgen import make_id_number
from dangjian.members import AddType
from dangjian.members.development import PersonRole
from dangjian.members.development.actions import (
    ArchivedFile,
    StepInput,
    clean_people,
    do_create_file,
    do_record_archived_files,
    do_record_step,
)
from dangjian.members.development.models import ApplicantFile
from dangjian.members.models import Member

#: name, last step taken, days since the application (陈晓明's talk is overdue on purpose).
APPLICANTS = [("陈晓明", 1, 45), ("刘佳怡", 2, 20), ("孙浩然", 3, 200)]


def seed_development(ctx: Any) -> None:
    _seed_applicants(ctx)
    _seed_archived_files(ctx)


def _seed_applicants(ctx: Any) -> None:
    user = ctx.users.get("demo-secretary")
    if ctx.branch is None or user is None or ApplicantFile.objects.filter(org_path=ctx.branch.path).exists():
        return
    today: dt.date = ctx.today
    for i, (name, upto, days_ago) in enumerate(APPLICANTS):
        applied = today - dt.timedelta(days=days_ago)
        birth = dt.date(1995 + i, 3, 1 + i)
        f = do_create_file({"name": name, "organization": ctx.branch, "applied_on": applied,
                            "id_number": make_id_number("320321", birth, 900 + i), "birth_date": birth,
                            "sex": "male" if i % 2 == 0 else "female", "work_unit": "演示村委会"},
                           acting_user=user)
        for step in range(2, upto + 1):
            people = clean_people([{"role": PersonRole.TALKER, "name": "王书记"}] if step == 2 else [], f)
            do_record_step(f, step, StepInput(date=applied + dt.timedelta(days=7 * (step - 1)), people=people),
                           acting_user=user)


def _seed_archived_files(ctx: Any) -> None:
    """The paper files of the members developed since 1 January of last year, so that this year's
    and last year's statistics tables agree with the development files (their cross-check)."""
    admin = ctx.users.get("demo-admin")
    if admin is None:
        return
    today: dt.date = ctx.today
    members = list(Member.objects.filter(org_path__startswith=ctx.root.path, add_type=AddType.DEVELOPED,
                                         join_date__gte=dt.date(today.year - 1, 1, 1), join_date__lte=today,
                                         development_file__isnull=True, person__applicant_file__isnull=True)
                   .select_related("person").order_by("pk"))
    rng = ctx.rng
    entries = []
    for m in members:
        join = m.join_date
        if join is None:  # excluded by the filter; keeps the type checker sure
            continue
        candidate = join - dt.timedelta(days=rng.randint(60, 300))
        activist = candidate - dt.timedelta(days=370 + rng.randint(0, 200))  # more than a year as an activist
        applied = activist - dt.timedelta(days=rng.randint(30, 200))
        # approved within weeks of the vote, but in the year of joining (as the tables count it)
        approved = min(join + dt.timedelta(days=rng.randint(7, 40)), dt.date(join.year, 12, 31), today)
        entries.append(ArchivedFile(member=m, applied_on=applied, activist_on=activist, candidate_on=candidate,
                                    approved_on=approved))
    if entries:
        do_record_archived_files(entries, acting_user=admin)
