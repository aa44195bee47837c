from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _opinions_env(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.delenv("OPINION_RATE_LIMIT", raising=False)
    monkeypatch.delenv("OPINION_TRACK_RATE_LIMIT", raising=False)
    cache.clear()
    yield
    cache.clear()

