"""The suite's settings: the production ones, read from an environment made up for the
suite, and the few things only tests may have."""

import os

# What a deployment's environment would give: a key (the suite's own, never a real
# one) and plain HTTP, since the test client and the live servers speak no TLS.
os.environ.setdefault("SECRET_KEY", "suite-only-" + "not-a-secret-" * 4)
os.environ.setdefault("USE_TLS", "0")

from skillhub.settings import *  # noqa: F403
from skillhub.settings import ALLOWED_HOSTS, STORAGES

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # the test client's host
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Static files straight from the finders: nothing is collected in tests.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
