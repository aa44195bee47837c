from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.learning.lectures.actions import do_create_lecture
from dangjian.testing.fixtures import make_user


@pytest.fixture
def lecture(tree: Any, users: Any, root_user: Any) -> Any:
    """A town A lecture (audience: alice, bob, carol) given by a lecturer account of its own."""
    make_user("lecturer-a", None, None, acting_user=root_user)
    return do_create_lecture(tree.town_a, {"title": "微党课", "lecturer": "lecturer-a",
                                            "starts_at": timezone.now() + dt.timedelta(minutes=5)},
                             acting_user=users.organizer)


@pytest.fixture
def lecturer(lecture: Any) -> Any:
    return lecture.lecturer
