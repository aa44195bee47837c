from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from dangjian.cases.models import Case, Department
from dangjian.core.hooks import DemoContext
from dangjian.demo.cases import seed_cases
from dangjian.opinions.models import Opinion


@pytest.mark.django_db
def test_demo_seeder_makes_departments_and_cases_in_several_states(tree: Any, users: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"demo-admin": users.admin},
                      rng=random.Random(7), today=dt.date(2026, 11, 25), scale="small")  # noqa: S311
    seed_cases(ctx)
    assert Department.objects.count() == 3
    states = set(Case.objects.values_list("state", flat=True))
    assert states == {"assigned", "accepted", "replied", "rated"}
    assert Opinion.objects.filter(case__isnull=False).count() == 4
    assert Opinion.objects.filter(status="answered").exclude(answer="").count() == 2
