"""Settings shared by every way of running Kechuang Market.

With no environment at all this is the *embedded default*: SQLite under
``var/``, the database search backend, Celery tasks run eagerly, e-mail to the
console and media on the local disk. ``DATABASE_URL``, ``REDIS_URL`` /
``CELERY_BROKER_URL`` and ``ELASTICSEARCH_URL`` switch on the scale stack.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import EnvError, env_bool, env_choice, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# An obviously-unsafe key for the embedded default only; production.py refuses it.
DEFAULT_SECRET_KEY = "embedded-default-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Our apps first so their templates and translations win.
    "accounts",
    "marketplace",
    "search",
    "cms",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
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
    # Accounts
    "allauth",
    "allauth.account",
    # Search
    "django_elasticsearch_dsl",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "marketplace.views.deals.unread_notifications",
                "cms.context_processors.site_chrome",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    schemes={"sqlite", "postgres", "postgresql", "pgsql"},
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # SQLite: wait for a writer instead of failing at once (the eager tasks of a
    # request and the request itself share the file).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, results, cache --------------------------------------------
REDIS_URL = env_url("REDIS_URL", None, schemes={"redis", "rediss"})
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", REDIS_URL, schemes={"redis", "rediss", "amqp", "memory"}
)


def _redis_db(url: str, db: int) -> str:
    """The same Redis server, another logical database (cache flushes never hit the broker)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


# With no broker the embedded default runs every task inline, in the caller.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = REDIS_URL if REDIS_URL else None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request must not hang when the broker is down: fail fast, log, catch up later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = "Asia/Shanghai"
# Autodiscovery finds only each app's tasks.py; the worker must know these too.
CELERY_IMPORTS = (
    "accounts.tasks",
    "marketplace.tasks_challenges",
    "marketplace.tasks_contracts",
    "marketplace.tasks_dashboard",
    "marketplace.tasks_deals",
)
# Periodic work, run by `celery -A config beat` (one beat per deployment).
CELERY_BEAT_SCHEDULE = {
    "expire-needs": {  # spec §3: needs are archived automatically when they expire
        "task": "marketplace.tasks.expire_needs",
        "schedule": 6 * 60 * 60,
    },
    # spec §4: challenges close at their deadline and are awarded when publicity ends.
    "challenges-advance": {
        "task": "marketplace.tasks_challenges.advance_challenges",
        "schedule": 5 * 60,
    },
    "challenges-remind-deadlines": {  # deadline approaching (3 days), sent once
        "task": "marketplace.tasks_challenges.remind_challenge_deadlines",
        "schedule": 60 * 60,
    },
    # spec §8: last month's dashboard figures e-mailed to bureau staff (1st, 08:00 local time).
    "dashboard-monthly-report": {
        "task": "marketplace.tasks_dashboard.send_monthly_report",
        "schedule": crontab(day_of_month="1", hour=8, minute=0),
    },
    # spec §5: index updates missed while the broker or Elasticsearch was down.
    "search-reconcile": {"task": "search.tasks.reconcile_index", "schedule": 30 * 60},
    # spec §5: the topic model that re-ranks search and match results, fitted again at night.
    "search-refit-topics": {
        "task": "search.tasks.refit_topics",
        "schedule": crontab(hour=3, minute=30),
    },
    # spec §5: the daily digest of new matches and saved-search results (07:30 local time).
    "search-match-digests": {
        "task": "search.tasks.send_match_digests",
        "schedule": crontab(hour=7, minute=30),
    },
}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_url("CACHE_URL", _redis_db(REDIS_URL, 1), schemes={"redis", "rediss"}),
            "KEY_PREFIX": "kechuang",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Search -------------------------------------------------------------------
ELASTICSEARCH_URL = env_url("ELASTICSEARCH_URL", None, schemes={"http", "https"})
SEARCH_BACKEND = env_choice(
    "SEARCH_BACKEND",
    "elasticsearch" if ELASTICSEARCH_URL else "database",
    {"database", "elasticsearch"},
)
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise EnvError("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL.")
# Index names are <prefix>-<document>; tests use a random prefix.
SEARCH_INDEX_PREFIX = env_str("SEARCH_INDEX_PREFIX", "kechuang")
# Analyzer of the original title and text in Elasticsearch (not used by the ranking, which
# indexes the site's own words): smartcn or ik_max_word where the cluster has that plugin.
SEARCH_TEXT_ANALYZER = env_str("ELASTICSEARCH_TEXT_ANALYZER", "standard")
if not re.fullmatch(r"[a-z][a-z0-9_]*", SEARCH_TEXT_ANALYZER):
    raise EnvError("ELASTICSEARCH_TEXT_ANALYZER must be an analyzer name, such as smartcn.")
ELASTICSEARCH_DSL = {
    "default": {
        "hosts": ELASTICSEARCH_URL or "http://127.0.0.1:9200",
        "request_timeout": env_int("ELASTICSEARCH_TIMEOUT", 10, minimum=1),
    }
}
# Indexing is driven by search/'s own receivers through Celery, never inside the request.
ELASTICSEARCH_DSL_AUTOSYNC = False
ELASTICSEARCH_DSL_AUTO_REFRESH = False

WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[科创大市场] "
ACCOUNT_RATE_LIMITS = {
    # Failed logins: per IP and per account (spec §11: login is rate-limited).
    "login_failed": env_str("RATE_LIMIT_LOGIN_FAILED", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": env_str("RATE_LIMIT_SIGNUP", "20/m/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}

# --- E-mail -------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", None)
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "科创大市场 <noreply@kechuang.local>")

# --- Internationalisation and time ---------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Wagtail ------------------------------------------------------------------
WAGTAIL_SITE_NAME = "科创大市场"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILDOCS_EXTENSIONS = ["pdf", "xlsx", "docx"]

# --- The district (product spec §7) --------------------------------------------
DISTRICT_CODE = env_str("DISTRICT_CODE", "330302")
if not (DISTRICT_CODE.isdigit() and len(DISTRICT_CODE) == 6):
    raise EnvError(f"DISTRICT_CODE={DISTRICT_CODE!r} must be a 6-digit GB/T 2260 code.")
DISTRICT_NAME = env_str("DISTRICT_NAME", "温州市鹿城区")

# Open competitions (spec §4): days a challenge's result is publicised (公示) before the award.
CHALLENGE_PUBLICITY_DAYS = env_int("CHALLENGE_PUBLICITY_DAYS", 7, minimum=0)
if CHALLENGE_PUBLICITY_DAYS > 60:  # the model's limit (marketplace/models/challenges.py)
    raise EnvError(f"CHALLENGE_PUBLICITY_DAYS={CHALLENGE_PUBLICITY_DAYS} must be at most 60.")

# Demo accounts exist only where seed_demo may run (never in production).
ALLOW_DEMO_DATA = env_bool("ALLOW_DEMO_DATA", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "elastic_transport": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # Per-task chatter of eager Celery and Wagtail's immediate task backend.
        "celery.app.trace": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
    },
}
