"""A hand-counted county for the year-end tables (as of 31 December 2025).

On the roll at 2025-12-31 (7): alice (a1, woman, 35, bachelor), bob (a1, probationary, 29, junior
college), carol (a2, Hui, 45, master), dave (b1, 65, senior), erin (a1, woman, probationary, 26,
bachelor, student, developed 2025-05-01), frank (b1, 75, junior, retired, transferred in
2025-03-01), hank (b1, 40, bachelor, joined 2012, transferred out 2026-03-10: still in 2025's table).
Left in 2025: gina (a2, died 2025-06-01). At 2024-12-31: 6 (alice, bob, carol, dave, gina, hank).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.members.actions import do_change_member_status, do_update_member
from dangjian.stats.tests.figures import FIGURES, only
from dangjian.testing.fixtures import make_member

AS_OF = dt.date(2025, 12, 31)


@pytest.fixture
def test_figures() -> Iterator[None]:
    with only(*FIGURES):
        yield


@pytest.fixture
def county(tree: Any, root_user: Any, test_figures: None) -> SimpleNamespace:
    def update(member: Any, **data: Any) -> None:
        do_update_member(member, data, acting_user=root_user)

    update(tree.alice, sex="female", birth_date=dt.date(1990, 3, 1), education="bachelor")
    update(tree.bob, birth_date=dt.date(1996, 5, 1), education="junior_college")
    update(tree.carol, birth_date=dt.date(1980, 1, 1), education="master", ethnicity="回族")
    update(tree.dave, birth_date=dt.date(1960, 6, 1), education="senior")
    tree.erin = make_member(tree.branch_a1, "陈二", acting_user=root_user, status="probationary", sex="female",
                            birth_date=dt.date(1999, 2, 1), education="bachelor", category="student",
                            join_date=dt.date(2025, 5, 1), full_date=None, add_type="developed")
    tree.frank = make_member(tree.branch_b1, "孙福", acting_user=root_user, birth_date=dt.date(1950, 1, 1),
                             education="junior", category="retired", join_date=dt.date(2025, 3, 1),
                             full_date=dt.date(2025, 3, 1), add_type="transferred_in")
    tree.gina = make_member(tree.branch_a2, "周吉", acting_user=root_user, sex="female",
                            birth_date=dt.date(1940, 1, 1), education="primary", category="retired",
                            join_date=dt.date(1970, 7, 1), full_date=dt.date(1971, 7, 1))
    do_change_member_status(tree.gina, "deceased", acting_user=root_user, reason="病故", on_date=dt.date(2025, 6, 1))
    tree.hank = make_member(tree.branch_b1, "吴汉", acting_user=root_user, birth_date=dt.date(1985, 1, 1),
                            education="bachelor", join_date=dt.date(2012, 7, 1), full_date=dt.date(2013, 7, 1))
    do_change_member_status(tree.hank, "transferred_out", acting_user=root_user, reason="转出",
                            on_date=dt.date(2026, 3, 10))
    return tree
