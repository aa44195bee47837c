from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.core.roles import Role
from dangjian.testing.fixtures import make_user


@pytest.fixture
def approvers(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """A secretary on each organization of the fixture tree (users.secretary holds branch_a1)."""
    a = SimpleNamespace(branch_a1=users.secretary)
    for name in ("town_a", "town_b", "branch_a2", "branch_b1", "county"):
        setattr(a, name, make_user(f"sec-{name}", Role.SECRETARY, getattr(tree, name), acting_user=root_user))
    return a

