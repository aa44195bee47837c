"""Settings for Dangjian Cloud.

Everything that differs between one machine and a cluster is configuration read from the
environment (DATABASE_URL, REDIS_URL, ...). With nothing set, the embedded defaults apply:
SQLite in WAL mode, in-process cache, the database task backend, local files.
Production overrides live in ``dangjian.settings_production``.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", BASE_DIR / "var"))
# var/ holds the database, the keys and the cache: owner-only, whatever the umask.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if VAR_DIR.stat().st_uid == os.getuid() and VAR_DIR.stat().st_mode & 0o077:
    VAR_DIR.chmod(0o700)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _local_secret(name: str) -> str:
    """A secret generated once per installation and kept in var/ (embedded mode only)."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret("secret_key")
# Keys for personal-data encryption (comma-separated Fernet keys, newest first) and the HMAC key
# for exact-value lookups. Embedded mode generates them once into var/.
FIELD_ENCRYPTION_KEYS = [
    k.strip()
    for k in (os.environ.get("FIELD_ENCRYPTION_KEYS") or _local_secret("field_keys")).split(",")
    if k.strip()
]
FIELD_HMAC_KEY = os.environ.get("FIELD_HMAC_KEY") or _local_secret("hmac_key")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # for wagtail.contrib.sitemaps (portal)
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "dangjian.core",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.members.development",
    "dangjian.members.transfers",
    "dangjian.members.lifecycle",
    "dangjian.dues",
    "dangjian.orglife",
    "dangjian.opinions",
    "dangjian.opinions.forum",
    "dangjian.cases",
    "dangjian.stats",  # statistics: year-end tables, the overview screen (reads core.stats figures)
    "dangjian.ballots",  # secret-ballot democratic evaluation (issue 18)
    "dangjian.reports",  # reports to discipline inspection, encrypted on arrival (issue 19)
    "dangjian.services",  # the online service centre (issue 20)
    "dangjian.learning",  # the mobile party school (issue 16)
    "dangjian.learning.exams",  # mobile party school: exams and quizzes (issue 16)
    "dangjian.learning.lectures",  # mobile party school: live lectures, followed by polling (decision 0008)
    "dangjian.insight",  # opinion insight: hot spots, duplicates, sentiment, routing (issue 17)
    "dangjian.api",
    # Portal (issue 6): Wagtail and what it needs.
    "dangjian.portal",
    "dangjian.portal.channels",  # multi-channel publishing (三微一端)
    "dangjian.demo",  # the demo county (manage.py seed_demo); sits on top of every module
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    # first: anonymous portal pages from the whole-page cache, with the headers the chain gave them
    "dangjian.portal.middleware.PortalPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on personal data (the namespaces and prefixes below)
    "dangjian.core.middleware.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dangjian.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dangjian.core.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's middleware; relaxes the policy on the Wagtail admin path only (see portal/csp.py).
    "dangjian.portal.csp.PortalCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dangjian.core.middleware.PasswordChangeRequiredMiddleware",
    "dangjian.core.apikit.middleware.ApiMethodNotAllowedMiddleware",
]

# Pages, exports and API answers with personal data: never kept by a browser cache or a proxy
# (dangjian.core.middleware.NoStoreMiddleware). Public portal pages are not listed.
NO_STORE_URL_NAMESPACES = [
    "members", "members_excel", "development", "transfers", "lifecycle", "dues", "orglife",
    "opinions", "forum", "cases", "notifications", "orgs", "ballots", "reports", "services",
    "learning", "exams", "lectures", "insight",
]
NO_STORE_PATH_PREFIXES = ["/api/"]

ROOT_URLCONF = "dangjian.urls"
CSRF_FAILURE_VIEW = "dangjian.core.views_errors.csrf_failure"
WSGI_APPLICATION = "dangjian.wsgi.application"
ASGI_APPLICATION = "dangjian.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dangjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "dangjian.core.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", VAR_DIR / "dangjian.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates the database file with the process's umask (and its -wal/-shm files with the
    # database file's mode): create it empty and owner-only first.
    _db_file = Path(str(DATABASES["default"]["NAME"]))
    if str(_db_file) != ":memory:" and not str(_db_file).startswith("file:") and not _db_file.exists():
        _db_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(_db_file, os.O_WRONLY | os.O_CREAT, 0o600))
    # Keep each worker thread's connection between requests (SQLITE_CONN_MAX_AGE seconds, default
    # 60 like PostgreSQL's above; 0 closes it after every request): opening one costs ≈ 5 ms of CPU
    # (SQLite parses the whole schema, the PRAGMAs below run) — more than the rest of most requests
    # (decision 0021). Each connection's page cache (cache_size) is freed when it closes.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SQLITE_CONN_MAX_AGE", "60"))
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writing transaction takes the lock when it begins, so two writers queue
        # instead of failing half-way (and the audit chain stays linear).
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    # One machine without Redis: a file cache under var/ is shared by every gunicorn worker and
    # the task worker, so rate limits and cache invalidation (a portal page published in one
    # worker) hold across processes — a per-process LocMemCache would not.
    CACHES = {"default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- Tasks -------------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A task left RUNNING this long (its worker was killed) is queued again, at most this many claims
# in all (core.tasks.requeue_stale_tasks, every minute). Longer than the longest task runs.
TASKS_STALE_AFTER_SECONDS = int(os.environ.get("TASKS_STALE_AFTER_SECONDS", 3600))
TASKS_STALE_MAX_ATTEMPTS = int(os.environ.get("TASKS_STALE_MAX_ATTEMPTS", 3))

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_ADAPTER = "dangjian.core.accounts.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    # allauth's budgets (its defaults, these over them), counted by core.ratelimit in exact atomic
    # windows (core.allauth_ratelimit). Failed logins are counted by core.login_throttle
    # (LOGIN_RATE_LIMITS below), not by allauth, whose per-account lock let anyone lock the owner out.
    "login_failed": None,
    "signup": "20/h/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Dangjian Cloud"

# --- API ---------------------------------------------------------------------------------------
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", 24 * 7))
# Failed logins, web and API alike (core.login_throttle): per account and address together
# (growing waits), per address over all accounts, per account from addresses it never used.
LOGIN_RATE_LIMITS = {
    "pair": os.environ.get("LOGIN_PAIR_RATE_LIMIT", "5/15m,10/h,20/d"),
    "source": os.environ.get("LOGIN_SOURCE_RATE_LIMIT", "30/10m,300/d"),
    "account": os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "50/h,200/d"),
}

# --- I18n / time -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "dangjian" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# /media/ through Django (core/views_media.py) in the embedded mode; off in settings_production,
# where nginx serves the same public folders. Only these folders of MEDIA_ROOT are public (Wagtail's
# images and renditions); every other upload is private and goes through its app's checked view.
MEDIA_SERVE = env_bool("MEDIA_SERVE", True)
MEDIA_PUBLIC_PREFIXES = ["original_images/", "images/"]
MEDIA_CACHE_SECONDS = int(os.environ.get("MEDIA_CACHE_SECONDS", 86400))
# Uploads are owner-only (settings_production opens them to the group nginx reads with).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
from csp.constants import NONCE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": ["'none'"],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
    }
}

# --- E-mail, SMS, web push (notifications) -----------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dangjian@localhost")
# SMS through Tencent Cloud's SMS API (tencentcloud-sdk-python-sms). Empty secret = SMS disabled.
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "tencent")
SMS_SECRET_ID = os.environ.get("SMS_SECRET_ID", "")
SMS_SECRET_KEY = os.environ.get("SMS_SECRET_KEY", "")
SMS_APP_ID = os.environ.get("SMS_APP_ID", "")
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_ID = os.environ.get("SMS_TEMPLATE_ID", "")
SMS_REGION = os.environ.get("SMS_REGION", "ap-guangzhou")
SMS_ENDPOINT = os.environ.get("SMS_ENDPOINT", "sms.tencentcloudapi.com")
SMS_SCHEME = os.environ.get("SMS_SCHEME", "https")
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "mailto:admin@localhost")
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", 5))

# --- Platform rules (configurable, DOMAIN.md) --------------------------------------------------
DANGJIAN = {
    "PLATFORM_NAME": os.environ.get("PLATFORM_NAME", ""),
    "MEMBERS_PAGE_SIZE": 25,
    "MEMBERS_EXPORT_MAX_ROWS": 200_000,
    "MEMBERS_IMPORT_MAX_ROWS": 20_000,
}

# Recording an audit event whose name no app declared (``app/events.py``) raises when true; when
# false it logs an error and records the event anyway (see ``dangjian.core.audit``).
AUDIT_STRICT_EVENTS = env_bool("AUDIT_STRICT_EVENTS", DEBUG)
# A failing to-do source, search provider or workbench card raises (DEBUG, tests) instead of
# being logged and skipped (production: one broken module never breaks the workbench).
HOOKS_STRICT = env_bool("HOOKS_STRICT", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No full ID-card or phone number in any log line (dangjian/core/logredact.py): every handler
    # has the filter, and Django's own loggers ("django", "django.server"), which Django's default
    # configuration gives handlers of their own, are given ours.
    "filters": {
        "redact": {"()": "dangjian.core.logredact.RedactFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                                     "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["redact"]},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "filters": ["require_debug_false", "redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # The scheduler and the worker log every tick and task at INFO; keep the console readable.
        "apscheduler": {"level": os.environ.get("LOG_LEVEL_SCHEDULER", "WARNING")},
        "django_tasks": {"level": os.environ.get("LOG_LEVEL_TASKS", "WARNING")},
    },
}

# --- Notifications core (dangjian/core/notifications) ------------------------------------------
# Absolute base for links in e-mails ("https://dj.example.cn"); empty = links stay relative.
SITE_URL = os.environ.get("SITE_URL", "")
NOTIFY_EMAIL_DISABLED = env_bool("NOTIFY_EMAIL_DISABLED", False)
# Retry back-off: base × 2^(attempt−1) seconds, capped; NOTIFY_MAX_ATTEMPTS above.
NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", 60))
NOTIFY_RETRY_MAX_SECONDS = int(os.environ.get("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600))
# The outbox's worker claims this many deliveries at once (one SMTP connection per batch) and
# keeps draining batches until none is due or this many seconds are spent (core/outbox.py).
NOTIFY_BATCH_SIZE = int(os.environ.get("NOTIFY_BATCH_SIZE", 100))
NOTIFY_DRAIN_SECONDS = float(os.environ.get("NOTIFY_DRAIN_SECONDS", 20))
# A big batch of e-mails goes over up to this many SMTP connections in parallel.
NOTIFY_EMAIL_CONNECTIONS = int(os.environ.get("NOTIFY_EMAIL_CONNECTIONS", 4))
# Pipeline SMTP commands (RFC 2920) when the server offers PIPELINING: one round trip a message.
NOTIFY_EMAIL_PIPELINING = env_bool("NOTIFY_EMAIL_PIPELINING", True)
SMS_TIMEOUT = int(os.environ.get("SMS_TIMEOUT", 10))
WEBPUSH_TIMEOUT = int(os.environ.get("WEBPUSH_TIMEOUT", 10))
WEBPUSH_TTL = int(os.environ.get("WEBPUSH_TTL", 24 * 3600))
# Push-service hosts a browser subscription may point at (a leading dot matches subdomains);
# empty = the major browsers' services. Only https unless WEBPUSH_ALLOW_HTTP (tests).
WEBPUSH_ENDPOINT_HOSTS = [h.strip() for h in os.environ.get("WEBPUSH_ENDPOINT_HOSTS", "").split(",") if h.strip()]
WEBPUSH_ALLOW_HTTP = env_bool("WEBPUSH_ALLOW_HTTP", False)

# --- Portal (Wagtail, issue 6) -----------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("PLATFORM_NAME", "") or "党建云"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", SITE_URL or "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# One search index: the portal's jieba token index (portal/search.py). Wagtail's backend keeps no
# index of its own (the fallback backend searches the admin's titles with LIKE; nothing written on save).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database.fallback", "AUTO_UPDATE": False}}
WAGTAILEMBEDS_FINDERS: list = []  # no outbound oEmbed calls; videos are uploaded or linked
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf", "text/plain", "video/mp4", "video/webm"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "zip", "mp4", "webm", "ofd", "wps"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_WORKFLOW_ENABLED = True
# The last review publishes (三审三校); editors have no publish right, see portal/workflow.py.
WAGTAIL_FINISH_WORKFLOW_ACTION = "dangjian.portal.workflow.publish_approved"
WAGTAILADMIN_COMMENTS_ENABLED = True
# Where the Wagtail admin lives (the CSP is relaxed under this prefix only).
PORTAL_ADMIN_PREFIX = "/cms/"
PORTAL_CACHE_SECONDS = int(os.environ.get("PORTAL_CACHE_SECONDS", 300))
PORTAL_COMMENT_RATE_LIMIT = os.environ.get("PORTAL_COMMENT_RATE_LIMIT", "5/10m")
PORTAL_SEARCH_PAGE_SIZE = 10

# --- Opinion intake by e-mail and chat groups (issue 7) -----------------------------------------
# The mailbox read every 5 minutes over IMAP (off while OPINION_IMAP_HOST is empty).
OPINION_IMAP = {
    "HOST": os.environ.get("OPINION_IMAP_HOST", ""),
    "PORT": int(os.environ.get("OPINION_IMAP_PORT", "0") or 0),
    "USER": os.environ.get("OPINION_IMAP_USER", ""),
    "PASSWORD": os.environ.get("OPINION_IMAP_PASSWORD", ""),
    "SSL": env_bool("OPINION_IMAP_SSL", True),
    "FOLDER": os.environ.get("OPINION_IMAP_FOLDER", "INBOX"),
}
# Shared secret of the chat-group bot's webhook (POST /opinions/webhook/chat/); empty = off.
OPINION_WEBHOOK_SECRET = os.environ.get("OPINION_WEBHOOK_SECRET", "")

# --- Reverse proxies ---------------------------------------------------------------------------
# How many reverse proxies (nginx) stand in front of the app; their X-Forwarded-For entries are
# trusted for the client address used in throttles and audit records (0 = use REMOTE_ADDR).
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", 0))

# --- Party dues demo ---------------------------------------------------------------------------
# `make run` (tools/run.py) turns this on to pay through local WeChat Pay/Alipay simulators when no
# real gateway is configured in DANGJIAN["DUES"]; off by default, never on in production.
DUES_DEMO_SIMULATOR = env_bool("DUES_DEMO_SIMULATOR", False)

# --- Portal channels (三微一端, dangjian/portal/channels; docs/modules/channels.md) ----------------
# Credentials only here (env), never in the database: a section names an account of a channel.
# CHANNELS_ACCOUNTS='{"wechat": {"default": {"app_id": "wx…", "app_secret": "…"}},
#                     "weibo": {"default": {"access_token": "2.00…", "rip": "203.0.113.5"}}}'
CHANNELS_ACCOUNTS = json.loads(os.environ.get("CHANNELS_ACCOUNTS", "") or "{}")
CHANNELS_WECHAT_API_BASE = os.environ.get("CHANNELS_WECHAT_API_BASE", "https://api.weixin.qq.com")
CHANNELS_WEIBO_API_BASE = os.environ.get("CHANNELS_WEIBO_API_BASE", "https://api.weibo.com")
CHANNELS_SITE_URL = os.environ.get("CHANNELS_SITE_URL", "")  # absolute links sent out; default WAGTAILADMIN_BASE_URL
CHANNELS_MAX_ATTEMPTS = int(os.environ.get("CHANNELS_MAX_ATTEMPTS", 6))
CHANNELS_RETRY_BASE_SECONDS = int(os.environ.get("CHANNELS_RETRY_BASE_SECONDS", 60))
CHANNELS_RETRY_MAX_SECONDS = int(os.environ.get("CHANNELS_RETRY_MAX_SECONDS", 6 * 3600))
CHANNELS_HTTP_TIMEOUT = int(os.environ.get("CHANNELS_HTTP_TIMEOUT", 10))

# --- Reports to discipline inspection (issue 19, docs/modules/reports.md) ------------------------
# Argon2id (passes, bytes): staff passphrases (GlobaLeaks' 16 × 128 MiB) and receipt codes (3 × 64 MiB).
REPORTS_STAFF_KDF = (int(os.environ.get("REPORTS_STAFF_KDF_OPS", 16)),
                     int(os.environ.get("REPORTS_STAFF_KDF_MEM", 128 * 1024 * 1024)))
REPORTS_RECEIPT_KDF = (int(os.environ.get("REPORTS_RECEIPT_KDF_OPS", 3)),
                       int(os.environ.get("REPORTS_RECEIPT_KDF_MEM", 64 * 1024 * 1024)))
# The site-wide salt of receipt lookups; empty = derived from SECRET_KEY. Never change either
# while reports exist: every receipt code would stop working.
REPORTS_RECEIPT_SALT = os.environ.get("REPORTS_RECEIPT_SALT", "")
REPORTS_POW_BITS = int(os.environ.get("REPORTS_POW_BITS", 16))
REPORTS_SUBMIT_RATE = os.environ.get("REPORTS_SUBMIT_RATE", "10/h")
REPORTS_FOLLOW_RATE = os.environ.get("REPORTS_FOLLOW_RATE", "60/10m")
REPORTS_THROTTLE_SECRET = os.environ.get("REPORTS_THROTTLE_SECRET", "")  # empty: derived from SECRET_KEY
# Sending phone verification codes (real-name reports, when SMS_* is set): per phone and per client.
REPORTS_PHONE_RATE = os.environ.get("REPORTS_PHONE_RATE", "3/h")
# The SMS template of the code ({1} the code, {2} minutes valid); empty = SMS_TEMPLATE_ID.
REPORTS_SMS_TEMPLATE_ID = os.environ.get("REPORTS_SMS_TEMPLATE_ID", "")
REPORTS_UNLOCK_MINUTES = int(os.environ.get("REPORTS_UNLOCK_MINUTES", 30))
# The organization (path) whose discipline staff receive new reports; empty = the tree's first root.
REPORTS_INTAKE_ORG_PATH = os.environ.get("REPORTS_INTAKE_ORG_PATH", "")

# --- Party school (issue 16, docs/modules/learning.md) --------------------------------------------
# Honest progress (dangjian/learning/progress.py): the share of a lesson that completes it, the
# longest silence between two reports that still counts, the fastest playback credited and the
# tolerance on the server's clock; how long an article or PDF page must be shown.
LEARNING_COMPLETION_COVERAGE = float(os.environ.get("LEARNING_COMPLETION_COVERAGE", 0.9))
LEARNING_MAX_GAP_SECONDS = float(os.environ.get("LEARNING_MAX_GAP_SECONDS", 30))
LEARNING_MAX_RATE = float(os.environ.get("LEARNING_MAX_RATE", 2.0))
LEARNING_RATE_TOLERANCE = float(os.environ.get("LEARNING_RATE_TOLERANCE", 0.1))
LEARNING_PAGE_SECONDS = int(os.environ.get("LEARNING_PAGE_SECONDS", 20))
LEARNING_HEARTBEAT_SECONDS = int(os.environ.get("LEARNING_HEARTBEAT_SECONDS", 10))
# Lesson media: served by the app with byte ranges, or handed to nginx (X-Accel-Redirect to this
# internal location, which maps onto MEDIA_ROOT; docs/deploy.md) when set.
LEARNING_MEDIA_ACCEL_PREFIX = os.environ.get("LEARNING_MEDIA_ACCEL_PREFIX", "")
LEARNING_FFMPEG = os.environ.get("LEARNING_FFMPEG", "ffmpeg")
LEARNING_FFPROBE = os.environ.get("LEARNING_FFPROBE", "ffprobe")
