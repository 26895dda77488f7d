"""The bench's settings: the production ones (DEBUG off, the run's random key, plain
HTTP on loopback), for the test client's host too and with static files that were never
collected, which whitenoise serves from the finders (the editor scenario's browser loads
htmx and the code editor): the scenarios time pages, not static files."""

from skillhub.settings import *  # noqa: F403
from skillhub.settings import ALLOWED_HOSTS, STORAGES

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
