"""A malformed login-limit setting stops start-up with a message naming it, instead of a 500 at
the first login (found on 2026-12-06: LOGIN_PAIR_RATE_LIMIT=off answered every login with 500)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from dangjian.core import login_throttle

ROOT = Path(__file__).resolve().parents[3]


def test_start_up_refuses_a_malformed_login_limit():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangjian.settings", "LOGIN_SOURCE_RATE_LIMIT": "lots"}
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "LOGIN_SOURCE_RATE_LIMIT" in done.stderr
    assert "'lots'" in done.stderr


@pytest.mark.parametrize("raw", ["off", "OFF", "none", ""])
def test_off_means_no_limit_of_that_kind(settings, raw):
    settings.LOGIN_RATE_LIMITS = {**settings.LOGIN_RATE_LIMITS, "pair": raw}
    login_throttle.check_settings()
    assert login_throttle.rates("pair") == []


def test_the_error_names_the_kind_and_its_environment_variable(settings):
    settings.LOGIN_RATE_LIMITS = {**settings.LOGIN_RATE_LIMITS, "account": "5 per hour"}
    with pytest.raises(ImproperlyConfigured, match=r"LOGIN_RATE_LIMITS\['account'\].*LOGIN_ACCOUNT_RATE_LIMIT"):
        login_throttle.check_settings()


def test_the_configured_limits_parse(settings):
    settings.LOGIN_RATE_LIMITS = {"pair": "5/15m,10/h", "source": "30/10m", "account": "50/h,200/d"}
    login_throttle.check_settings()
    assert login_throttle.rates("pair") == [(5, 900), (10, 3600)]
