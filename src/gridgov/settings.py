"""Django settings for gridgov, read from environment variables.
SQLite in var/ by default (WAL, immediate transactions); PostgreSQL when DATABASE_URL is set."""
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GRIDGOV_VAR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Written once so that sessions survive restarts; never committed (var/ is ignored).
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "treebeard",
    "gridgov.hierarchy",
    "gridgov.people",
    "gridgov.orgs",
    "gridgov.cases",
    "gridgov.assessment",
    "gridgov.participation",
    "gridgov.dashboard",
    "gridgov.api",
    "gridgov.web",
    "gridgov.demo",
    "axes",  # login throttling (lock-out per username + IP)
    "simple_history",  # audit history of cases, people and scores
    "gridgov.audit",
    "gridgov.ops",
]

MIDDLEWARE = [
    "gridgov.web.request_log.RequestLogMiddleware",  # outermost: times and logs every request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # history rows name the request's user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "gridgov.web.middleware.LoginRequiredMiddleware",
    "gridgov.audit.security.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lock-out into the login page with a message
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.web.context.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "gridgov.sqlite3",
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # Writers queue on BEGIN IMMEDIATE instead of failing on lock upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=30000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: a locked-out username + IP is refused before the password is even checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("GRIDGOV_LOGIN_FAILURES", 5))
AXES_COOLOFF_TIME = float(os.environ.get("GRIDGOV_LOGIN_COOLOFF_HOURS", 0.5))  # hours; the lock lifts by itself
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one office behind one NAT must not lock everyone out
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gridgov.audit.security.lockout_response"
AXES_VERBOSE = False
# Behind N reverse proxies set GRIDGOV_PROXY_COUNT=N: the client address is then read from X-Forwarded-For.
GRIDGOV_PROXY_COUNT = int(os.environ.get("GRIDGOV_PROXY_COUNT", 0))
AXES_CLIENT_IP_CALLABLE = "gridgov.audit.security.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_ROOT = VAR_DIR / "media"  # uploads (case photos); served only through scoped views
MEDIA_URL = "/media/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files come straight from the apps' static/ folders, so `gridgov demo` needs no
# collectstatic step; WhiteNoise serves them with or without DEBUG.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SESSION_COOKIE_HTTPONLY = True
# A shared office computer: GRIDGOV_SESSION_BROWSER=1 also ends the session when the browser closes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = _env_bool("GRIDGOV_SESSION_BROWSER", False)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS behind a TLS-terminating proxy: GRIDGOV_HTTPS=1. Off by default so that the demo and the tests
# on http://127.0.0.1 keep working.
GRIDGOV_HTTPS = _env_bool("GRIDGOV_HTTPS", False)
if GRIDGOV_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("GRIDGOV_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes talk plain http on loopback
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("GRIDGOV_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("GRIDGOV_HSTS_SUBDOMAINS", True)
    # The preload token only matters once someone submits the domain to the browsers' list.
    SECURE_HSTS_PRELOAD = _env_bool("GRIDGOV_HSTS_PRELOAD", True)
# Content-Security-Policy (gridgov.audit.security): GRIDGOV_CSP_REPORT_ONLY=1 only reports.
GRIDGOV_CSP_REPORT_ONLY = _env_bool("GRIDGOV_CSP_REPORT_ONLY", False)

# Uploads: imports are read in memory up to this size, larger ones are refused with a message.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
GRIDGOV_IMPORT_MAX_BYTES = int(os.environ.get("GRIDGOV_IMPORT_MAX_BYTES", 50 * 1024 * 1024))

# JSON lines on stderr with GRIDGOV_LOG_FORMAT=json (`gridgov serve` sets it): see gridgov.web.logging.
from gridgov.web.logging import config as _logging_config  # noqa: E402  (no Django imports in it)

LOGGING = _logging_config(os.environ.get("GRIDGOV_LOG_FORMAT", "text").strip().lower(), os.environ.get("LOG_LEVEL", "WARNING"))

# Cache: per process (LocMem) by default; Redis, shared by every app process, when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "gridgov",
        # A Redis that does not answer must fail a request (and /readyz) in a second, not hang a worker.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
