"""The verified-activity registry of ``core.hooks``: listeners run inside the announcing
module's transaction (what they write commits or rolls back with it); a failing listener is
rolled back to its savepoint and skipped (raised under HOOKS_STRICT)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from dangjian.core.hooks import activities_verified, register_activity_listener, unregister_activity_listener

pytestmark = pytest.mark.django_db

EVENT = {"kind": "meeting_attended", "key": "test:1", "user_id": 1, "day": dt.date(2026, 12, 7), "label": "x"}


@pytest.fixture
def heard() -> Any:
    got: list[list[dict[str, Any]]] = []
    register_activity_listener(got.append)
    register_activity_listener(got.append)  # registering twice: once
    yield got
    unregister_activity_listener(got.append)


def test_listeners_hear_each_announcement_once_and_nothing_for_an_empty_one(heard: list[Any]) -> None:
    activities_verified([EVENT])
    activities_verified([])
    assert heard == [[EVENT]]


def test_what_a_listener_writes_rolls_back_with_the_caller(heard: list[Any]) -> None:
    def writer(events: list[dict[str, Any]]) -> None:
        get_user_model().objects.create(username="written-by-listener")

    register_activity_listener(writer)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            activities_verified([EVENT])
            raise RuntimeError("the caller's write failed")
    finally:
        unregister_activity_listener(writer)
    assert not get_user_model().objects.filter(username="written-by-listener").exists()


def test_a_failing_listener_is_rolled_back_and_skipped(heard: list[Any], settings: Any, caplog: Any) -> None:
    def broken(events: list[dict[str, Any]]) -> None:
        get_user_model().objects.create(username="half-written")
        raise ValueError("listener bug")

    register_activity_listener(broken)
    try:
        settings.HOOKS_STRICT = True
        with pytest.raises(ValueError):
            activities_verified([EVENT])
        settings.HOOKS_STRICT = False
        with transaction.atomic():
            activities_verified([EVENT])
            get_user_model().objects.create(username="the-callers-write")
    finally:
        unregister_activity_listener(broken)
    assert not get_user_model().objects.filter(username="half-written").exists()
    assert get_user_model().objects.filter(username="the-callers-write").exists()
    assert "listener bug" in caplog.text or "activity listener" in caplog.text
