from __future__ import annotations

from typing import Any

import pytest

from dangjian.opinions.forum.actions import do_create_board


@pytest.fixture
def board(users: Any) -> Any:
    return do_create_board({"name": "组织工作", "description": "支部建设"}, acting_user=users.admin)


@pytest.fixture(autouse=True)
def _fresh_rate_counters() -> None:
    """Posting-rate counters live in the cache; each test starts with none (user ids repeat)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _forum_env(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DANGJIAN = {**settings.DANGJIAN, "FORUM": {"SENSITIVE_WORDS": ["赌博", "badword"]}}
