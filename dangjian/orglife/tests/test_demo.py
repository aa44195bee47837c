from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.core.models import AuditEvent
from dangjian.orglife.demo import seed_demo
from dangjian.orglife.models import Activity, CommitteeSeat
from dangjian.orglife.selectors import ledger
from dangjian.testing.fixtures import make_member


@pytest.mark.django_db
def test_demo_seeder_plans_and_closes_activities_of_the_demo_branch(tree: Any, users: Any) -> None:
    today = timezone.localdate()
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"demo-secretary": users.secretary},
                      rng=random.Random(7), today=today, scale="small")  # noqa: S311
    seed_demo(ctx)
    assert Activity.objects.filter(status="closed").count() == 2
    assert Activity.objects.filter(status="planned").count() == 1
    assert AuditEvent.objects.filter(action__startswith="orglife.").count() == 9  # the demo load stays small
    closed = Activity.objects.filter(status="closed").first()
    assert closed is not None and closed.present_full + closed.present_probationary >= 1 and closed.minutes
    years = {today.year, (today - dt.timedelta(days=40)).year}
    assert sum(len(ledger(tree.branch_a1, y)) for y in years) == 2


@pytest.mark.django_db
def test_demo_seeder_seats_a_committee_when_the_branch_has_three_full_members(tree: Any, users: Any, root_user: Any) -> None:
    make_member(tree.branch_a1, "周建国", acting_user=root_user)
    make_member(tree.branch_a1, "吴红梅", acting_user=root_user)
    today = timezone.localdate()
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"demo-secretary": users.secretary},
                      rng=random.Random(7), today=today, scale="small")  # noqa: S311
    seed_demo(ctx)
    seats = list(CommitteeSeat.objects.filter(organization=tree.branch_a1).order_by("pk"))
    assert [s.post for s in seats] == ["secretary", "deputy_secretary", "member"]
    assert all(s.start_date == dt.date(today.year, 1, 1) and s.end_date is None for s in seats)
    assert AuditEvent.objects.filter(action__startswith="orglife.").count() == 12
