"""The suite runs on the one settings file, with testing switched on."""

import os

os.environ.setdefault("SKILLHUB_TESTING", "1")

from skillhub.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT = None  # whitenoise serves from the finders; nothing is collected in tests
WHITENOISE_USE_FINDERS = True
