from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.members.development.tests.helpers import Clock


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    """The wall clock, movable: ``clock.set(date)`` makes ``timezone.now()`` that day at 10:00
    Shanghai time (for the test and for a live server in the same process)."""
    c = Clock(monkeypatch)
    c.set(dt.date(2026, 11, 25))
    return c


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are asserted in English (the source language); the Chinese catalog is checked
    by ``tools/messages.sh check``."""
    from django.utils import translation

    with translation.override("en"):
        yield
