"""Settings for the test suite: the embedded defaults with test-friendly backends.

pytest-django imports settings before any conftest runs, so the overrides live here (named in
pyproject.toml) rather than in conftest.py. Each can still be overridden from the environment.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
for _kind in ("PAIR", "SOURCE", "ACCOUNT"):  # tests of the throttle set their own limits
    os.environ.setdefault(f"LOGIN_{_kind}_RATE_LIMIT", "1000/m")
# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run there
# unless told it is safe (it is: the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from dangjian.settings import *  # noqa: E402, F403

# An undeclared audit event name fails the test that records it.
AUDIT_STRICT_EVENTS = True
HOOKS_STRICT = True
# Uploads and generated files (demo images, documents) go to a per-run temporary directory,
# never into the checkout's media/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dangjian-test-media-"))
# Each test process keeps its own cache (parallel test workers must not share one).
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
