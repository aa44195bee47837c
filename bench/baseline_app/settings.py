"""A bare Django project: one view returning ~6 KB of HTML, no database, no templates.

The floor every page benchmark is compared with (docs/benchmarks.md); served by gunicorn with the
same worker settings as the real application, in the same run.
"""

SECRET_KEY = "bench-only-not-secret"  # noqa: S105 - serves one static string on 127.0.0.1
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "baseline_app.urls"
DATABASES: dict = {}
USE_I18N = False
USE_TZ = True
LOGGING_CONFIG = None
