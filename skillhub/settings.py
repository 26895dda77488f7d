"""Skillhub settings: one file, configured from the environment (12-factor).

Every variable is read once here through a small typed helper; nothing else in
the project reads os.environ.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url  # type: ignore[import-untyped]  # it ships no type information
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from catalog import archives, plugin_names, skilltree

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Unset or empty is the default; anything but the usual spellings of yes and no
    stops the start: USE_TLS=ture must not quietly turn secure cookies and HSTS off."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is neither true nor false: use 1, true, yes or on, "
        "or 0, false, no or off (or leave it empty for the default)."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "catalog",
    "editor",
]

MIDDLEWARE = [
    "skillhub.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that reads the database: a query string holding NUL is a 400 here.
    "skillhub.errors.QueryStringMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A 404 at an item's old name (a rename) becomes a redirect to its current name.
    "catalog.redirects.RenamedItemMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a flagged lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "skillhub.urls"
WSGI_APPLICATION = "skillhub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "editor.context_processors.inbox",  # the header's unread count
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for the lock instead of failing with "database is locked",
    # and BEGIN IMMEDIATE makes select_for_update-style serialisation real.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): five wrong passwords for one username from one
# address lock that pair out for a quarter of an hour; other users and other
# addresses are unaffected. Axes' backend goes first so that a locked-out pair is
# refused before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind TRUSTED_PROXY_COUNT proxies every client arrives from the nearest proxy's
# address, so the client's own address is taken from X-Forwarded-For instead
# (django-ipware reads it). Leave it at 0 when clients connect directly: the header
# is then forgeable. ipware counts only the proxies listed in the header, and the
# nearest one is REMOTE_ADDR, not in it: hence one less. A header with more entries
# than expected (a client forging one) falls back to REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT > 0:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/edit/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"  # None in the suite (tests/settings.py)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. HSTS and secure cookies only make sense behind TLS, which
# the proxy terminates; it tells us so with X-Forwarded-Proto.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_TLS = env_bool("USE_TLS", not DEBUG)
SESSION_COOKIE_SECURE = USE_TLS
CSRF_COOKIE_SECURE = USE_TLS
SECURE_SSL_REDIRECT = USE_TLS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if USE_TLS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = USE_TLS
SECURE_HSTS_PRELOAD = USE_TLS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_HTTPONLY = True
# A failed CSRF check under /api/ is answered in JSON, like every other API answer.
CSRF_FAILURE_VIEW = "skillhub.errors.csrf_failure"

# Hosts whose https images a rendered skill may show (comma-separated). Default none: a
# remote image is shown as a link with its alt text, so reading a skill never tells a
# third party who reads it. Applies to versions rendered (saved) after a change.
SKILLHUB_IMAGE_HOSTS = [host.lower() for host in env_list("SKILLHUB_IMAGE_HOSTS")]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # The nonce only where a page asks for it (request.csp_nonce): the code editor's
        # styles, for browsers without constructable stylesheets.
        "style-src": [SELF, NONCE],
        # Remote images only from SKILLHUB_IMAGE_HOSTS: the renderer shows the rest as
        # links, and this keeps any image it missed from loading.
        "img-src": [SELF, "data:", *(f"https://{host}" for host in SKILLHUB_IMAGE_HOSTS)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    },
}

# Request and upload limits: a clear 413/400 instead of a worker tied up.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 11 * 1024 * 1024)

# Skillhub's own limits (see ../shared/adversarial/archives.md). Each has its default in
# the pure module that enforces it, which imports no Django; here the environment may
# change it. One .md item is at most 1 MiB (catalog/skillfile's MAX_FILE_BYTES,
# docs/skill-format.md §3), which nothing here changes.
# A skill's folder (catalog/skilltree.py): per file, per version (the Skills API's
# limit) and files per skill, SKILL.md included.
_tree = skilltree.DEFAULT_TREE_LIMITS
SKILLHUB_SKILL_LIMITS = {
    "max_file_bytes": env_int("SKILLHUB_SKILL_FILE_BYTES", _tree.max_file_bytes),
    "max_total_bytes": env_int("SKILLHUB_SKILL_TOTAL_BYTES", _tree.max_total_bytes),
    "max_files": env_int("SKILLHUB_SKILL_FILES", _tree.max_files),
}
# A plugin release (catalog/models/plugins.py) is rendered, stored, zipped and cloned
# whole, in memory: files and bytes in all.
SKILLHUB_RELEASE_FILES = env_int("SKILLHUB_RELEASE_FILES", 10_000)
SKILLHUB_RELEASE_BYTES = env_int("SKILLHUB_RELEASE_BYTES", 64 * 1024 * 1024)
# Uploads and folders given to import_skills (catalog/archives.py): room for a whole
# skills repository and for a skill at its limits; a file may be as large as a skill's
# file may be. The import page takes the file as an upload, which
# DATA_UPLOAD_MAX_MEMORY_SIZE does not count; an upload over FILE_UPLOAD_MAX_MEMORY_SIZE
# waits in a temporary file, and the form refuses one over max_upload_bytes before
# reading it.
_archive = archives.DEFAULT_LIMITS
SKILLHUB_ARCHIVE_LIMITS = {
    "max_upload_bytes": env_int("SKILLHUB_MAX_UPLOAD_BYTES", _archive.max_upload_bytes),
    "max_entries": env_int("SKILLHUB_MAX_ENTRIES", _archive.max_entries),
    "max_file_bytes": SKILLHUB_SKILL_LIMITS["max_file_bytes"],
    "max_total_bytes": env_int("SKILLHUB_MAX_TOTAL_BYTES", _archive.max_total_bytes),
    "max_path_chars": _archive.max_path_chars,
    "max_path_depth": env_int("SKILLHUB_MAX_PATH_DEPTH", _archive.max_path_depth),
}
# Where the bytes of skills' files go (catalog/blobs.py): empty keeps them in the
# database, the only thing to back up; "s3" puts them in an S3-compatible bucket through
# django-storages (`pip install 'skillhub[s3]'`), the STORAGES alias of the same name.
SKILLHUB_BLOB_STORAGE = env_str("SKILLHUB_BLOB_STORAGE", "")
if SKILLHUB_BLOB_STORAGE == "s3":
    if not env_str("SKILLHUB_S3_BUCKET"):
        raise ImproperlyConfigured(
            "SKILLHUB_BLOB_STORAGE=s3 needs SKILLHUB_S3_BUCKET, the name of an existing bucket "
            "(and SKILLHUB_S3_ENDPOINT_URL for a store other than AWS, such as MinIO)."
        )
    STORAGES["s3"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("SKILLHUB_S3_BUCKET"),
            # None: AWS itself; a URL: any S3-compatible store (MinIO, Ceph, R2, …).
            "endpoint_url": env_str("SKILLHUB_S3_ENDPOINT_URL") or None,
            "region_name": env_str("SKILLHUB_S3_REGION") or None,
            # Unset keys leave boto3 its own chain (an instance or task role, ~/.aws).
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "security_token": env_str("AWS_SESSION_TOKEN") or None,
            # A blob's name is its address (blobs/<sha[:2]>/<sha>): never renamed on a
            # clash, which can only be the same bytes; and never public.
            "file_overwrite": True,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
elif SKILLHUB_BLOB_STORAGE:
    raise ImproperlyConfigured(
        f"SKILLHUB_BLOB_STORAGE={SKILLHUB_BLOB_STORAGE!r} is not a blob store: leave it empty "
        "to keep files in the database, or set it to s3 (with SKILLHUB_S3_BUCKET)."
    )
SKILLHUB_PAGE_SIZE = 50
# The Claude Code plugin of /export.zip?layout=plugin (catalog/exporting.py). Its name,
# unless the request names one with ?plugin=, is kebab-case as Claude Code wants it. The
# author is "Name" or "Name <email>", by default the site's host; the license (an SPDX
# id such as MIT) goes into plugin.json only when set.
SKILLHUB_PLUGIN_NAME = env_str("SKILLHUB_PLUGIN_NAME", "skillhub")
if not plugin_names.is_kebab(SKILLHUB_PLUGIN_NAME):
    raise ImproperlyConfigured(
        f"SKILLHUB_PLUGIN_NAME={SKILLHUB_PLUGIN_NAME!r} is not kebab-case: use 1-64 lowercase "
        "letters and digits in words joined by single hyphens, such as backend-kit."
    )
SKILLHUB_PLUGIN_AUTHOR = env_str("SKILLHUB_PLUGIN_AUTHOR")
SKILLHUB_PLUGIN_LICENSE = env_str("SKILLHUB_PLUGIN_LICENSE")
# This site as a Claude Code plugin marketplace (catalog/marketplace.py): its name, as
# people type it in `claude plugin install <plugin>@<name>`, is kebab-case and not one
# Claude Code keeps for Anthropic's; the owner is "Name" or "Name <email>".
# SKILLHUB_PUBLIC_URL (https://skills.example.com) makes every URL the marketplace hands
# out absolute on that origin; unset, they are on the host a request came to.
SKILLHUB_MARKETPLACE_NAME = env_str("SKILLHUB_MARKETPLACE_NAME", "skillhub")
if problem := plugin_names.marketplace_name_problem(SKILLHUB_MARKETPLACE_NAME):
    raise ImproperlyConfigured(f"SKILLHUB_MARKETPLACE_NAME: {problem}")
SKILLHUB_MARKETPLACE_OWNER = env_str("SKILLHUB_MARKETPLACE_OWNER", "Skillhub")
SKILLHUB_MARKETPLACE_DESCRIPTION = env_str(
    "SKILLHUB_MARKETPLACE_DESCRIPTION", "Claude Code plugins released on Skillhub"
)
SKILLHUB_PUBLIC_URL = env_str("SKILLHUB_PUBLIC_URL").rstrip("/")
if SKILLHUB_PUBLIC_URL and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", SKILLHUB_PUBLIC_URL):
    raise ImproperlyConfigured(
        f"SKILLHUB_PUBLIC_URL={SKILLHUB_PUBLIC_URL!r} is not a site URL: use one such as "
        "https://skills.example.com"
    )
# A client fetching the same published version again within this many seconds adds no
# download (catalog/downloads.py); 0 counts every fetch. The memory of who fetched what
# is the cache: per process unless REDIS_URL is set, which production with several
# workers or app servers should do.
SKILLHUB_DOWNLOAD_WINDOW = env_int("SKILLHUB_DOWNLOAD_WINDOW", 3600)
# Seconds between an open editor's heartbeats (catalog/models/editing.py): who else is
# editing, and whether a newer version landed, show within about this long.
SKILLHUB_PRESENCE_SECONDS = env_int("SKILLHUB_PRESENCE_SECONDS", 10)
if SKILLHUB_PRESENCE_SECONDS < 1:
    raise ImproperlyConfigured("SKILLHUB_PRESENCE_SECONDS must be at least 1.")
# Review before publish (catalog/models/reviews.py): how many approvals of a version a
# publication needs (0: publishers publish directly), and whether an author's own
# approval counts.
SKILLHUB_REQUIRED_APPROVALS = env_int("SKILLHUB_REQUIRED_APPROVALS", 1)
if SKILLHUB_REQUIRED_APPROVALS < 0:
    raise ImproperlyConfigured("SKILLHUB_REQUIRED_APPROVALS must be 0 or more.")
SKILLHUB_SELF_APPROVAL = env_bool("SKILLHUB_SELF_APPROVAL", False)

# E-mail (notifications of reviews): EMAIL_URL (smtp://user:password@host:587/?tls=True,
# parsed by dj-email-url), or Django's own EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS. Without either, development prints mail to the
# console and production sends none (the inbox page still has every notification).
if env_str("EMAIL_URL"):
    _email = dj_email_url.parse(env_str("EMAIL_URL"))
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"]
elif env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "skillhub@localhost")
if EMAIL_BACKEND.endswith(".smtp.EmailBackend") and not SKILLHUB_PUBLIC_URL:
    raise ImproperlyConfigured(
        "E-mail is configured but SKILLHUB_PUBLIC_URL is not: set it to the site's URL "
        "(https://skills.example.com), which the links in e-mails need."
    )

LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "skillhub.observability.TextFormatter"},
        "json": {"()": "skillhub.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Our request log replaces django.server's and django.request's lines.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR", "handlers": ["console"], "propagate": False},
    },
}
