"""The membership history's invariant, for tests (``members.spells``): every member's open spell
equals their row, and their spells follow each other without overlap or gap.

``assert_history_whole()`` can be called by any test. The autouse fixture
``_member_history_is_whole`` (``testing/fixtures.py``) calls it after every test that uses the
database, so a new write path that changes a member without recording the change fails the suite;
a test that breaks the history on purpose is marked ``@pytest.mark.history_unchecked``.
"""

from __future__ import annotations

from collections.abc import Iterable


def assert_history_whole(member_ids: Iterable[int] | None = None) -> None:
    from dangjian.members.spells import history_problems

    problems = history_problems(member_ids)
    assert not problems, "membership history out of step with the member rows (a write path that does not call " \
        "members.spells.record_change?):\n" + "\n".join(f"  member {p.member_id}: {p.kind}: {p.detail}" for p in problems[:20])
