from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from dangjian.core.hooks import DemoContext
from dangjian.members.development.demo import APPLICANTS, seed_development
from dangjian.members.development.models import ApplicantFile

pytestmark = pytest.mark.django_db


def test_demo_seeder_adds_applicants_at_different_stages(tree: Any, users: Any, clock: Any) -> None:
    today = dt.date(2026, 11, 20)
    clock.set(today)
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"demo-secretary": users.secretary},
                      rng=random.Random(1), today=today, scale="small")
    seed_development(ctx)
    files = {f.person.name: f for f in ApplicantFile.objects.select_related("person")}
    assert {name: files[name].step for name, _s, _d in APPLICANTS} == {name: s for name, s, _d in APPLICANTS}
    assert files["陈晓明"].next_due_on < today  # type: ignore[operator]  # the overdue talk
    assert files["孙浩然"].stage == "activist"
    seed_development(ctx)  # idempotent
    assert ApplicantFile.objects.count() == len(APPLICANTS)
