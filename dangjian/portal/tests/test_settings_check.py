"""A malformed portal rate-limit setting stops start-up with a message naming it, instead of a
500 at the first comment (issue 13 §4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangjian.core.ratelimit import rate_setting

ROOT = Path(__file__).resolve().parents[3]


def test_start_up_refuses_a_malformed_rate():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangjian.settings", "PORTAL_COMMENT_RATE_LIMIT": "lots"}
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "PORTAL_COMMENT_RATE_LIMIT='lots'" in done.stderr


@pytest.mark.parametrize(("raw", "expected"), [("5/10m", (5, 600)), ("off", None), ("20/h", (20, 3600))])
def test_rate_setting_reads_the_setting(settings, raw, expected):
    settings.PORTAL_COMMENT_RATE_LIMIT = raw
    assert rate_setting("PORTAL_COMMENT_RATE_LIMIT", "5/10m") == expected


def test_rate_setting_names_the_bad_setting(settings):
    settings.PORTAL_COMMENT_RATE_LIMIT = "5 per minute"
    with pytest.raises(ImproperlyConfigured, match="PORTAL_COMMENT_RATE_LIMIT"):
        rate_setting("PORTAL_COMMENT_RATE_LIMIT", "5/10m")
