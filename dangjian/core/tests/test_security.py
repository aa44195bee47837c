import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password

from dangjian.testing.fixtures import PASSWORD

ROOT = Path(__file__).resolve().parents[3]


def test_passwords_hash_with_argon2(settings):
    from dangjian import settings as real_settings

    settings.PASSWORD_HASHERS = real_settings.PASSWORD_HASHERS
    assert real_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = make_password("a long enough password")
    assert encoded.startswith("argon2$")
    assert check_password("a long enough password", encoded)


def test_login_is_throttled(client, users, settings, django_assert_max_num_queries):
    from django.core.cache import cache

    cache.clear()
    from dangjian.core.login_throttle import DEFAULT_RATES

    settings.LOGIN_RATE_LIMITS = {**DEFAULT_RATES, "pair": "3/m"}
    for _ in range(3):
        response = client.post("/accounts/login/", {"login": "secretary-a1", "password": "wrong-password"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    # Throttled now: even the right password is refused, with a message saying why.
    response = client.post("/accounts/login/", {"login": "secretary-a1", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors
    assert "登录失败次数过多" in response.content.decode()  # Chinese by default
    cache.clear()


def test_security_headers_on_every_page(client, db):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


def test_forms_require_csrf(users):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"login": "secretary-a1", "password": PASSWORD})
    assert response.status_code == 403


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangjian.settings_production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HMAC_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "dangjian.example.org",
        "DANGJIAN_VAR_DIR": str(tmp_path),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HMAC_KEY")}
    env.update({"DJANGO_SETTINGS_MODULE": "dangjian.settings_production", "DANGJIAN_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "must be set in production" in result.stderr


def test_session_expiry_and_login_throttle_configured():
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.LOGIN_RATE_LIMITS["pair"] and settings.LOGIN_RATE_LIMITS["source"]
