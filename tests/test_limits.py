"""Request, upload and archive size limits: a clear 4xx naming the limit, never a 500;
and the sign-in rate limit when every client arrives through the same proxy."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from catalog import api
from catalog.models import Skill, Version
from tests.browser import Browser, one
from tests.factories import GOOD_COMMAND, make_user
from tests.shared import settings_printed
from tests.test_security import Visitor, fail

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Browser(make_user("member"))


def over_the_form_limit(settings) -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


def refusal(response) -> str:
    return one(response.content.decode(), data_error=True).text


@pytest.mark.parametrize("url", ["/edit/preview", "/edit/new"])
def test_a_form_body_over_the_request_limit_is_413_naming_the_limit(browser, settings, url):
    response = browser.post(
        url, {"kind": "command", "name": "big", "text": over_the_form_limit(settings)}
    )
    assert response.status_code == 413
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in refusal(response)
    assert "Traceback" not in response.content.decode()
    assert not Skill.objects.exists()


def test_a_sign_in_over_the_request_limit_is_413_not_a_server_error(settings):
    response = Browser().post(
        "/accounts/login/", {"username": over_the_form_limit(settings), "password": "x"}
    )
    assert response.status_code == 413
    assert "over the limit" in refusal(response)


def test_a_smaller_configured_request_limit_is_the_one_enforced(browser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = browser.post("/edit/preview", {"text": "x" * 10_001})
    assert response.status_code == 413
    assert "10,000 bytes" in refusal(response)
    assert browser.post("/edit/preview", {"text": "x" * 5_000}).status_code == 200


def test_too_many_form_fields_is_refused_with_a_message(browser, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    response = browser.post("/edit/preview", {f"f{i}": "x" for i in range(20)})
    assert response.status_code == 413
    assert "too many fields" in refusal(response)


def test_an_upload_over_the_archive_limit_is_400_naming_the_limit(browser, settings):
    limit = 4_000
    settings.SKILLHUB_ARCHIVE_LIMITS = {
        **settings.SKILLHUB_ARCHIVE_LIMITS,
        "max_upload_bytes": limit,
    }
    data = GOOD_COMMAND.encode() + b"y" * limit
    response = browser.post("/edit/import", {"file": SimpleUploadedFile("big.md", data)})
    assert response.status_code == 400
    assert "upload limit" in response.content.decode()
    assert f"{limit}" in response.content.decode().replace(",", "")
    assert (Skill.objects.count(), Version.objects.count()) == (0, 0)


def test_an_upload_within_the_archive_limit_is_read(browser, settings):
    settings.SKILLHUB_ARCHIVE_LIMITS = {
        **settings.SKILLHUB_ARCHIVE_LIMITS,
        "max_upload_bytes": 4_000,
    }
    response = browser.post(
        "/edit/import", {"file": SimpleUploadedFile("ok.md", GOOD_COMMAND.encode())}
    )
    assert response.status_code == 200


def test_validate_over_its_limit_is_a_json_413(client):
    body = json.dumps({"text": "x" * api.VALIDATE_MAX_BYTES}).encode()
    response = client.post("/api/validate", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too-large"
    assert f"{api.VALIDATE_MAX_BYTES:,}" in response.json()["error"]["message"]


@pytest.mark.urls("tests.error_urls")
def test_other_api_urls_answer_an_oversized_body_in_json(settings):
    """An /api/ view that takes a form (tests/error_urls.py has one) meets the limit when
    the CSRF check reads the form, before the view runs, so the 413 comes from the
    project's 400 handler, which must still answer /api/ in JSON. The read-only API views
    are exempt from CSRF: they refuse a POST with a JSON 405 without reading its body."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # the CSRF cookie, so that the check goes on to the form
    response = client.post("/api/test/form", {"x": "y" * 2_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too-large"
    response = client.post("/api/skills", {"x": "y" * 2_000})
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method-not-allowed"


# -- sign-in throttling behind a proxy --------------------------------------------------

PROXY = "10.0.0.1"
BEHIND_ONE_PROXY = override_settings(
    AXES_IPWARE_PROXY_COUNT=0,
    AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
)


class ProxiedVisitor(Visitor):
    """A browser whose requests reach us through the proxy, which names it in X-Forwarded-For."""

    def __init__(self, address: str):
        self.client = Client(
            enforce_csrf_checks=True, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address
        )


@BEHIND_ONE_PROXY
def test_behind_a_trusted_proxy_two_clients_are_locked_out_separately():
    make_user("member")
    first, second = ProxiedVisitor("203.0.113.7"), ProxiedVisitor("198.51.100.20")
    assert fail(first, "member", 6)[-1] == 429

    assert second.sign_in("member", "pw-member").status_code == 302
    assert first.sign_in("member", "pw-member").status_code == 429


def test_without_trusting_the_proxy_its_clients_share_one_lockout():
    """Why the setting exists: the default trusts only REMOTE_ADDR, the proxy's address."""
    make_user("member")
    first, second = ProxiedVisitor("203.0.113.7"), ProxiedVisitor("198.51.100.20")
    fail(first, "member", 6)
    assert second.sign_in("member", "pw-member").status_code == 429


@BEHIND_ONE_PROXY
def test_a_forged_extra_forwarded_address_does_not_escape_the_lockout():
    """A client that prepends addresses of its own is counted at the proxy's address."""
    make_user("member")
    forger = Visitor(PROXY)
    for fake in range(6):
        forger.client.defaults["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{fake}, 203.0.113.7"
        forger.sign_in("member", "guess-123")
    assert forger.sign_in("member", "pw-member").status_code == 429


def axes_settings(env: dict) -> str:
    return settings_printed(
        "getattr(s, 'AXES_IPWARE_PROXY_COUNT', None), "
        "getattr(s, 'AXES_IPWARE_META_PRECEDENCE_ORDER', None)",
        env,
    )


def test_trusted_proxy_count_sets_how_axes_finds_the_client_address():
    assert axes_settings({}) == "None None"
    assert axes_settings({"TRUSTED_PROXY_COUNT": "1"}) == (
        "0 ('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR')"
    )
    assert axes_settings({"TRUSTED_PROXY_COUNT": "2"}).startswith("1 ")
