"""The evaluation-result registry of ``core.hooks``: listeners hear of a stored result only once
its transaction commits; a failing listener raises under HOOKS_STRICT, is logged and skipped
otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from dangjian.core.hooks import (
    evaluation_result_stored,
    register_evaluation_result_listener,
    unregister_evaluation_result_listener,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard() -> Any:
    got: list[dict[str, Any]] = []
    register_evaluation_result_listener(got.append)
    register_evaluation_result_listener(got.append)  # registering twice: once
    yield got
    unregister_evaluation_result_listener(got.append)


def test_listeners_run_on_commit_only(heard: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        evaluation_result_stored({"evaluation": "a"})
        assert heard == []
    assert heard == [{"evaluation": "a"}]
    try:
        with transaction.atomic():
            evaluation_result_stored({"evaluation": "b"})
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert heard == [{"evaluation": "a"}]


def test_a_failing_listener(heard: list[dict[str, Any]], settings: Any, caplog: Any) -> None:
    def broken(result: dict[str, Any]) -> None:
        raise ValueError("listener bug")

    register_evaluation_result_listener(broken)
    try:
        settings.HOOKS_STRICT = True
        with pytest.raises(ValueError, match="listener bug"), transaction.atomic():
            evaluation_result_stored({"evaluation": "c"})
        settings.HOOKS_STRICT = False
        with transaction.atomic():
            evaluation_result_stored({"evaluation": "d"})
        assert heard[-1] == {"evaluation": "d"}
        assert "evaluation result listener" in caplog.text
    finally:
        unregister_evaluation_result_listener(broken)
