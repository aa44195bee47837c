"""Bench helper (not a benchmark): a logged-in session for demo-admin, made directly with
Django's SessionStore, and a fallback API token issued by the real action (used only when
POST /api/v1/auth/login is not available). Prints ``BENCH_JSON {...}``."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import emit, setup_django  # noqa: E402


def main() -> None:
    setup_django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from dangjian.core.actions import do_issue_api_token
    from dangjian.core.models import User
    from dangjian.orgs.models import Organization

    user = User.objects.get(username="demo-admin")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    root = Organization.get_root_nodes().first()
    assert root is not None
    emit({
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "fallback_token": do_issue_api_token(user),
        "root_id": root.pk,
        "root_name": root.name,
    })


if __name__ == "__main__":
    main()
