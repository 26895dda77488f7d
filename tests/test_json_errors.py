"""The API answers JSON whatever the method, the CSRF check or a bug: a tool never has to
parse a page. Elsewhere the same failures keep their pages.
"""

import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import GOOD_COMMAND, make_plugin, make_skill, make_user

pytestmark = pytest.mark.django_db

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# pattern (as the URLconf spells it) -> (a path it serves, method -> status, or None when
# every method is a 404)
API = {
    "api/skills": ("/api/skills", {"GET": 200}),
    "api/skills/<kind:kind>/<name:name>": ("/api/skills/command/review", {"GET": 200}),
    "api/validate": ("/api/validate", {"POST": 200}),
    "api/plugins": ("/api/plugins", {"GET": 200}),
    "api/plugins/<plugin:name>": ("/api/plugins/team-kit", {"GET": 200}),
    "^api/": ("/api/nothing-here", None),
}


def api_patterns(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/"):
            yield route


def test_the_table_covers_every_api_route():
    assert set(api_patterns()) == set(API)


@pytest.fixture
def clients():
    """A tool (no cookies) and a signed-in member's browser used as a tool: CSRF checks
    on for both, and neither sends a token."""
    publisher = make_user("publisher", publisher=True)
    make_plugin("team-kit", [make_skill(author=publisher, publish=True)], publisher, release=True)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("member"))
    browser.get("/accounts/login/")  # the CSRF cookie, as a browser would hold it
    assert "csrftoken" in browser.cookies
    return {"tool": Client(enforce_csrf_checks=True), "browser": browser}


CASES = [(pattern, method) for pattern in API for method in METHODS]


@pytest.mark.parametrize("who", ["tool", "browser"])
@pytest.mark.parametrize(("pattern", "method"), CASES, ids=[f"{p}-{m}" for p, m in CASES])
def test_every_api_route_answers_every_method_in_json_with_the_contract_status(
    clients, who, pattern, method
):
    path, allowed = API[pattern]
    body = json.dumps({"text": GOOD_COMMAND}) if method not in ("GET", "HEAD") else ""
    response = clients[who].generic(method, path, body, content_type="application/json")

    expected = 404 if allowed is None else allowed.get(method, 405)
    assert response.status_code == expected
    assert response["Content-Type"] == "application/json"
    if expected == 405:
        assert response["Allow"] == ", ".join(allowed)
    if method == "HEAD":
        return  # no body to read: the client drops it, as servers do
    data = response.json()
    if expected == 405:
        assert data["error"]["code"] == "method-not-allowed"
    elif expected == 404:
        assert data["error"]["code"] == "not-found"
    else:
        assert "error" not in data


def test_delete_on_the_list_is_the_json_405_the_contract_promises():
    response = Client(enforce_csrf_checks=True).delete("/api/skills")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method-not-allowed"
    assert response["Allow"] == "GET"


# -- CSRF failures and server errors -----------------------------------------------------


@pytest.mark.urls("tests.error_urls")
def test_a_failed_csrf_check_under_api_is_a_json_403():
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    response = browser.post("/api/test/form", {"x": "1"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "csrf"
    assert error["message"].startswith("The CSRF check failed")


def test_a_failed_csrf_check_elsewhere_is_still_the_page():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("member"))
    response = browser.post("/edit/preview", {"text": GOOD_COMMAND, "kind": "command"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "CSRF verification failed" in response.content.decode()


@pytest.mark.urls("tests.error_urls")
def test_a_server_error_under_api_is_json_and_tells_nothing_of_the_bug():
    response = Client(raise_request_exception=False).get("/api/test/broken")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "server-error"
    assert "RuntimeError" not in response.content.decode()
    assert "must not reach" not in response.content.decode()


@pytest.mark.urls("tests.error_urls")
def test_a_server_error_elsewhere_is_the_standalone_500_page():
    response = Client(raise_request_exception=False).get("/test/broken")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "RuntimeError" not in html and "must not reach" not in html
