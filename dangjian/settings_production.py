"""Production settings: HTTPS behind nginx, secrets from the environment, strict cookies.

Use with ``DJANGO_SETTINGS_MODULE=dangjian.settings_production``. ``manage.py check --deploy``
is clean under these settings (a test runs it).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from dangjian.settings import *  # noqa: F403
from dangjian.settings import env_bool

DEBUG = False
for _name in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HMAC_KEY"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

# nginx serves the public media folders (docs/deploy.md), so Django does not; it reads them as the
# group the service's files belong to (the service runs with that group, see the systemd units).
MEDIA_SERVE = env_bool("MEDIA_SERVE", False)
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# Lesson media goes out through nginx (X-Accel-Redirect) after the app has checked who asks.
LEARNING_MEDIA_ACCEL_PREFIX = os.environ.get("LEARNING_MEDIA_ACCEL_PREFIX", "/_protected_media/")
