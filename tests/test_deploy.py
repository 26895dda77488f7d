"""Production settings: Django's deploy checks, security headers, TLS, and the 500 page.

The deploy checks run in a subprocess with the environment production has (DEBUG
off, skillhub.settings), because the suite runs on its own (tests/settings.py).
"""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import include, path

from skillhub.observability import TextFormatter

REPO = Path(__file__).resolve().parent.parent
HOST = "skillhub.example.com"
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    # Only what any process needs: the suite's own variables (SECRET_KEY, USE_TLS,
    # DJANGO_SETTINGS_MODULE, DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests) stay out.
    environment = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    environment.update(
        DJANGO_SETTINGS_MODULE="skillhub.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        USE_TLS="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
    )
    environment.update(overrides)
    return {key: value for key, value in environment.items() if value != ""}


def manage(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def deploy_check(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return manage(environment, "check", "--deploy", "--fail-level", "WARNING")


# -- manage.py check --deploy -----------------------------------------------------------


def test_the_deploy_checks_pass_with_production_settings(tmp_path):
    result = deploy_check(production_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_checks_would_catch_debug_left_on(tmp_path):
    result = deploy_check(production_environment(tmp_path, DEBUG="1"))
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = deploy_check(production_environment(tmp_path, SECRET_KEY=""))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_production_settings_have_no_switch_that_waives_the_secret_key(tmp_path):
    # The suite's old switch, and the suite's own settings module's name, change nothing.
    result = deploy_check(production_environment(tmp_path, SECRET_KEY="", SKILLHUB_TESTING="1"))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_production_settings_keep_secure_cookies_on_by_default(tmp_path):
    code = (
        "from skillhub import settings as s; print(s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    )
    environment = production_environment(tmp_path, USE_TLS="", SKILLHUB_TESTING="1")
    printed = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=REPO, capture_output=True, text=True
    )
    assert printed.stdout.split() == ["True", "31536000"], printed.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("USE_TLS", "ture", "USE_TLS='ture' is neither true nor false: use 1, true, yes or on"),
        ("DEBUG", "maybe", "DEBUG='maybe' is neither true nor false"),
        ("SKILLHUB_DOWNLOAD_WINDOW", "1h", "SKILLHUB_DOWNLOAD_WINDOW='1h' is not a whole number."),
        ("SKILLHUB_SKILL_FILE_BYTES", "10MB", "SKILLHUB_SKILL_FILE_BYTES='10MB' is not a whole"),
        ("SKILLHUB_REQUIRED_APPROVALS", "-1", "SKILLHUB_REQUIRED_APPROVALS must be 0 or more."),
        ("EMAIL_URL", "smtp://mail.example.com:587", "the links in e-mails need"),
    ],
)
def test_a_setting_it_cannot_read_stops_the_start_naming_the_variable_and_value(
    tmp_path, variable, value, message
):
    result = manage(production_environment(tmp_path, **{variable: value}), "check")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert message in last_line


@pytest.mark.parametrize(
    ("value", "read"),
    [
        *[(yes, True) for yes in ["1", "true", "True", "YES", "on", " On "]],
        *[(no, False) for no in ["0", "false", "FALSE", "no", "Off", " off "]],
        ("", None),  # the default
        ("  ", None),
    ],
)
def test_a_yes_or_no_setting_takes_the_usual_spellings_in_any_case(monkeypatch, value, read):
    from skillhub.settings import env_bool

    monkeypatch.setenv("SKILLHUB_EXAMPLE_SWITCH", value)

    assert env_bool("SKILLHUB_EXAMPLE_SWITCH", True) is (True if read is None else read)
    assert env_bool("SKILLHUB_EXAMPLE_SWITCH", False) is (False if read is None else read)


@pytest.mark.parametrize(("value", "read"), [("12", 12), (" 12 ", 12), ("-1", -1), ("", 7)])
def test_a_number_setting_reads_a_whole_number_or_keeps_the_default(monkeypatch, value, read):
    from skillhub.settings import env_int

    monkeypatch.setenv("SKILLHUB_EXAMPLE_NUMBER", value)

    assert env_int("SKILLHUB_EXAMPLE_NUMBER", 7) == read


def test_each_limit_left_unset_is_the_default_of_the_pure_module_that_enforces_it():
    from django.conf import settings

    from catalog import archives, skilltree

    skill = skilltree.TreeLimits(**settings.SKILLHUB_SKILL_LIMITS)
    archive = archives.Limits(**settings.SKILLHUB_ARCHIVE_LIMITS)

    assert skill == skilltree.DEFAULT_TREE_LIMITS
    assert archive == archives.DEFAULT_LIMITS


# -- TLS behind a proxy ---------------------------------------------------------------

TLS_PROBE = f"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="{HOST}")
plain = client.get("/no-such-page")
proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({{
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location", ""),
    "proxied_status": proxied.status_code,
    "hsts": proxied.headers.get("Strict-Transport-Security", ""),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
}}))
"""


def tls_probe(environment: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", TLS_PROBE],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_plain_http_is_redirected_and_https_gets_hsts(tmp_path):
    probe = tls_probe(production_environment(tmp_path))

    assert probe["plain_status"] == 301
    assert probe["plain_location"] == f"https://{HOST}/no-such-page"
    assert probe["proxied_status"] == 200
    assert probe["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert probe["session_cookie_secure"] is True
    assert probe["csrf_cookie_secure"] is True


def test_without_tls_there_is_no_redirect_and_no_hsts(tmp_path):
    probe = tls_probe(production_environment(tmp_path, USE_TLS="0"))

    assert probe["plain_status"] == 404
    assert probe["hsts"] == ""
    assert probe["session_cookie_secure"] is False


# -- security headers -------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}

    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.django_db
def test_pages_forbid_sniffing_framing_and_leaking_the_referrer(client):
    response = client.get("/")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_every_script_is_a_file_of_this_site_and_htmx_is_django_htmxs_copy(client, debug):
    """No inline script, which the policy would block: htmx comes from django-htmx's
    static files ({% htmx_script %}), and with DEBUG on so does its error-page helper."""
    with override_settings(DEBUG=debug):
        page = client.get("/").content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    sources = [re.search(r'src="([^"]+)"', attributes).group(1) for attributes, _ in scripts]
    assert all(body.strip() == "" for _, body in scripts)
    assert sources[0] == "/static/django_htmx/htmx-2.min.js"
    assert all(source.startswith("/static/") for source in sources)
    assert sources.index("/static/js/skillhub.js") > 0  # after htmx, which it enhances
    assert ("/static/django_htmx/django-htmx.js" in sources) is debug


# -- the 500 page -----------------------------------------------------------------------


class ServerBug(Exception):
    pass


def broken_view(request: HttpRequest):
    raise ServerBug("secret-internal-detail in broken_view")


# A URLconf with one view that fails, used only by the test below.
urlpatterns = [path("broken", broken_view), path("", include("skillhub.urls"))]


class Collected(logging.Handler):
    """Keeps what a logger writes, formatted as production formats it."""

    def __init__(self):
        super().__init__()
        self.setFormatter(TextFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def request_errors():
    collected = Collected()
    logger = logging.getLogger("django.request")
    logger.addHandler(collected)
    yield collected
    logger.removeHandler(collected)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_server_error_shows_the_plain_500_page_while_the_log_has_the_traceback(request_errors):
    client = Client(raise_request_exception=False)

    response = client.get("/broken")

    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    for internal in ["Traceback", "secret-internal-detail", "ServerBug", "broken_view"]:
        assert internal not in body
    log = "\n".join(request_errors.lines)
    assert "Traceback" in log
    assert "ServerBug: secret-internal-detail in broken_view" in log


@pytest.mark.django_db
def test_the_models_and_their_migrations_agree():
    from django.core.management import call_command

    # --check exits non-zero when a model changed without its migration.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
