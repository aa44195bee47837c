from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from dangjian.orglife.actions import do_plan_activity
from dangjian.orglife.periods import tz


@pytest.fixture(autouse=True)
def _orglife_env(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A Shanghai wall-clock time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=tz())


def plan(org: Any, user: Any, *, kind: str = "branch_assembly", starts_at: dt.datetime | None = None,
         hours: int = 2, **extra: Any) -> Any:
    start = starts_at or (timezone.now() - dt.timedelta(minutes=10))
    data = {"kind": kind, "topic": extra.pop("topic", "学习党章"), "starts_at": start,
            "ends_at": start + dt.timedelta(hours=hours), "place": extra.pop("place", "村委会议室"), **extra}
    attendee_ids = data.pop("attendee_ids", None)
    return do_plan_activity(org, data, acting_user=user, attendee_ids=attendee_ids)


@pytest.fixture
def ol(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Accounts for the branch's members: alice (full, users.member), bob (probationary)."""
    from dangjian.members.actions import do_link_account
    from dangjian.testing.fixtures import make_user

    bob_user = make_user("member-bob", "member", tree.branch_a1, acting_user=root_user)
    do_link_account(tree.bob, bob_user, acting_user=root_user)
    carol_user = make_user("member-carol", "member", tree.branch_a2, acting_user=root_user)
    do_link_account(tree.carol, carol_user, acting_user=root_user)
    return SimpleNamespace(alice=users.member, bob=bob_user, carol=carol_user)
