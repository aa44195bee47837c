"""The demo seeder: one transfer in progress, written through the actions."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.members.transfers import HopState, TransferStatus
from dangjian.members.transfers.hooks import seed_demo
from dangjian.members.transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_seeder_leaves_one_transfer_in_progress(tree: Any, users: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1,
                      users={"demo-secretary": users.secretary, "demo-admin": users.admin},
                      rng=random.Random(1), today=timezone.localdate(), scale="small")  # noqa: S311
    seed_demo(ctx)
    t = Transfer.objects.get()
    assert t.status == TransferStatus.IN_PROGRESS and t.member == tree.bob  # alice has an account: left alone
    assert t.to_org == tree.branch_b1
    hops = list(t.hops.order_by("order"))
    assert hops[0].state == HopState.APPROVED and hops[1].state == HopState.PENDING and hops[1].activated_at
