"""Demo data: a few applicants at different stages in the demo branch, written by the actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.core.idgen import make_id_number
from dangjian.members.development import PersonRole
from dangjian.members.development.actions import StepInput, clean_people, do_create_file, do_record_step
from dangjian.members.development.models import ApplicantFile

#: name, last step taken, days since the application (陈晓明's talk is overdue on purpose).
APPLICANTS = [("陈晓明", 1, 45), ("刘佳怡", 2, 20), ("孙浩然", 3, 200)]


def seed_development(ctx: Any) -> None:
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
