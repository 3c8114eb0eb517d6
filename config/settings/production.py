"""Production: the base settings, hardened. Refuses to start with a default secret."""

from config.env import EnvError, env_bool, env_int

from .base import *  # noqa: F401,F403
from .base import DEFAULT_SECRET_KEY, SECRET_KEY

if not SECRET_KEY or SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise EnvError(
        "Production needs SECRET_KEY (or SECRET_KEY_FILE): a random value of at least 50 "
        "characters, not the embedded default."
    )

DEBUG = env_bool("DEBUG", False)
if DEBUG:
    raise EnvError("DEBUG must be off in production.")
ALLOW_DEMO_DATA = False
WHITENOISE_USE_FINDERS = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
