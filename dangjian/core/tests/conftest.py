from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dangjian.testing.smtp_server import LocalSMTPServer


@pytest.fixture
def smtp(settings: Any) -> Iterator[LocalSMTPServer]:
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it (3 attempts a message)."""
    with LocalSMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        settings.DEFAULT_FROM_EMAIL = "noreply@dangjian.test"
        settings.SITE_URL = "https://dj.example.cn"
        settings.NOTIFY_MAX_ATTEMPTS = 3
        yield server
