"""``check --deploy`` refuses weak secrets (SECRET_KEY, the field-encryption and HMAC keys)."""

from __future__ import annotations

import secrets

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks


def strong() -> str:
    return secrets.token_urlsafe(48)


def key_errors() -> list[str]:
    return [e.msg for e in run_checks(include_deployment_checks=True) if (e.id or "").startswith("dangjian.E00")]


@pytest.fixture
def strong_keys(settings):
    settings.SECRET_KEY = strong()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), strong()]
    settings.FIELD_HMAC_KEY = strong()
    return settings


def test_strong_keys_pass(strong_keys):
    assert key_errors() == []


@pytest.mark.parametrize("weak", [
    "k" * 40,  # long but one character
    "short-Key-9",  # too short
    # fixed strong-looking tails: parameters must be the same in every xdist worker
    "django-insecure-q7Vf2LzR9xKp4TnW8sYb3HcJm6DgE1uA5oQiNr0ZlXt",  # Django's placeholder prefix
    "demo-Gm4sP9wLq2XvZ7cNf1RkT8yHb3JdE6uAo0QiWnV5lKx",  # a demo value
    "abcdefghijklmnopabcdefghijklmnopabcdefghijklmnop",  # long, a repeated pattern
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",  # long, a run
])
@pytest.mark.parametrize("setting", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HMAC_KEY"])
def test_a_weak_key_fails_the_deploy_check(strong_keys, setting, weak):
    setattr(strong_keys, setting, [weak] if setting == "FIELD_ENCRYPTION_KEYS" else weak)
    errors = key_errors()
    assert len(errors) == 1 and errors[0].startswith(setting)


def test_an_old_encryption_key_is_checked_too(strong_keys):
    strong_keys.FIELD_ENCRYPTION_KEYS = [strong(), "x" * 44]
    assert key_errors() == ["FIELD_ENCRYPTION_KEYS[1] is weak: fewer than 12 distinct characters."]


def test_one_secret_for_two_purposes_fails(strong_keys):
    strong_keys.FIELD_HMAC_KEY = strong_keys.SECRET_KEY
    assert key_errors() == ["FIELD_HMAC_KEY is the same as SECRET_KEY: each secret must be its own."]
