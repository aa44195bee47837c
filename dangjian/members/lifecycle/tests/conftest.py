from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from dangjian.core.roles import Role
from dangjian.testing.fixtures import make_user


@pytest.fixture(autouse=True)
def _lifecycle_env(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Beyond the standard users: the town committee's secretary (approves for branch_a1), the
    secretary of branch_b1 (a host branch in another town), and town_b's secretary (out of scope)."""
    p = SimpleNamespace(**vars(users))
    p.town_secretary = make_user("secretary-town-a", Role.SECRETARY, tree.town_a, acting_user=root_user)
    p.host_secretary = make_user("secretary-b1", Role.SECRETARY, tree.branch_b1, acting_user=root_user)
    p.other_town = make_user("secretary-town-b", Role.SECRETARY, tree.town_b, acting_user=root_user)
    from dangjian.orgs.actions import do_create_organization

    county2 = do_create_organization(None, {"name": "中共邻县委员会", "kind": "committee"}, acting_user=root_user)
    p.other_county = make_user("secretary-county-2", Role.SECRETARY, county2, acting_user=root_user)
    return p


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def issue_data(host: Any = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"reason": "外出务工", "host_unit": "某电子厂"}
    if host is not None:
        data["host_org"] = host.pk
    else:
        data["host_place"] = "广东省深圳市宝安区"
    data.update(extra)
    return data
