from __future__ import annotations

import random
from typing import Any

import pytest

from dangjian.core.hooks import DemoContext
from dangjian.opinions.forum.demo import seed_forum
from dangjian.opinions.forum.models import Board, Thread

pytestmark = pytest.mark.django_db


def test_demo_seeder_two_boards_some_threads(users: Any, tree: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1,
                      users={"demo-admin": users.admin, "demo-member": users.member},
                      rng=random.Random(1), today=None, scale="small")
    seed_forum(ctx)
    seed_forum(ctx)  # runs once only
    assert Board.objects.count() == 2 and Thread.objects.count() == 2
    assert Thread.objects.filter(reply_count=1).count() == 1
