"""A query string holding a character no database can store (NUL, a lone surrogate) is a
400 at one door, skillhub.errors.QueryStringMiddleware, before any view hands it to the
database; on PostgreSQL it used to be a 500 (a DataError) on every page that filters.
Every other character is ordinary text, searched for like any other.
"""

import logging
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from skillhub.errors import unstorable
from tests.browser import Browser, one
from tests.editor.test_permissions import ROUTES as EDITOR_ROUTES
from tests.factories import GOOD_COMMAND, make_skill
from tests.test_permission_matrix import ROUTES as PUBLIC_ROUTES

pytestmark = pytest.mark.django_db

# The pages that answered 500 on PostgreSQL.
REPORTED = [
    "/?tag=%00",
    "/api/skills?tag=%00",
    "/export.zip?tag=%00",
    "/edit/?q=%00",
    "/edit/audit?q=%00",
]
FILTERING_PAGES = ["/", "/api/skills", "/export.zip", "/edit/", "/edit/audit"]


@pytest.fixture
def publisher_browser(publisher):
    """A publisher's browser, so that every /edit/ view is reachable, and an item for the
    item URLs to find: published v1 and a newer v2."""
    skill = make_skill(author=publisher, publish=True)
    skill.save_version(GOOD_COMMAND + "Second.\n", publisher, base_number=1)
    return Browser(publisher)


def with_query(path: str, query: str) -> str:
    return path + ("&" if "?" in path else "?") + query


def assert_refused(response, path: str):
    assert response.status_code == 400, (path, response.status_code)
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"
        error = response.json()["error"]
        assert error["code"] == "bad-query"
        assert "cannot be stored" in error["message"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert "cannot be stored" in one(response.content.decode(), data_error=True).text


@pytest.mark.parametrize("url", REPORTED)
def test_a_nul_in_a_filter_is_a_400_not_a_server_error(publisher_browser, url):
    assert_refused(publisher_browser.get(url), url)


def test_the_refusal_names_the_parameter(client):
    response = client.get("/api/skills?q=fine&tag=%00")
    assert response.json()["error"]["message"].startswith("The query parameter `tag` holds")


def test_a_nul_in_a_parameter_name_is_refused_too(client):
    response = client.get("/api/skills?ta%00g=git")
    assert_refused(response, "/api/skills")
    assert "name holds" in response.json()["error"]["message"]


def test_a_nul_among_repeated_values_is_refused(client):
    assert_refused(client.get("/export.zip?tag=git&tag=docs%00"), "/export.zip")


SWEEP = sorted(
    {route.path for route in PUBLIC_ROUTES}
    | {route.path for route in EDITOR_ROUTES}
    | {"/commands/review/raw?x=1"}
)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query", ["q=%00", "tag=a%00b&kind=command", "%00=1"])
@pytest.mark.parametrize("path", SWEEP)
def test_every_public_and_editor_url_refuses_a_nul_in_its_query(
    publisher_browser, path, query, method
):
    url = with_query(path, query)
    response = publisher_browser.get(url) if method == "GET" else publisher_browser.post(url)
    assert_refused(response, path)


def test_an_anonymous_visitor_gets_the_400_too_not_a_sign_in_redirect(client):
    assert_refused(client.get("/edit/audit?q=%00"), "/edit/audit")


# Control characters, noncharacters, zero-width spaces, and malformed UTF-8 that Django
# decodes to U+FFFD: an encoded surrogate (%ed%a0%80) and the overlong NUL (%c0%80).
ORDINARY = [
    "%01", "%1f", "%7f", "%c2%80", "%e2%80%8b", "%ef%bf%bf", "%ef%bf%bd", "%ff", "%ed%a0%80",
    "%c0%80", "%22%27%5c*%28%29-",
]  # fmt: skip


@pytest.mark.parametrize("value", ORDINARY)
@pytest.mark.parametrize("path", FILTERING_PAGES)
def test_any_other_character_is_searched_for_like_ordinary_text(publisher_browser, path, value):
    for name in ("q", "tag"):
        response = publisher_browser.get(f"{path}?{name}={value}")
        assert response.status_code == 200, (path, name, value, response.status_code)


def test_a_lone_surrogate_is_unstorable_as_well():
    """No decoder of Django's hands one over (they replace bad UTF-8 with U+FFFD), but no
    UTF-8 database could store one either, so the rule names it."""
    assert unstorable("\x00") and unstorable("a\ud800") and unstorable("\udfff b")
    assert not unstorable("\ufffd \x01 \x7f \U0001f680 \ufeff")


def test_the_refused_request_is_logged_like_any_other(client, caplog):
    with caplog.at_level(logging.INFO, logger="skillhub.request"):
        client.get("/?tag=%00")
    [line] = [r for r in caplog.records if r.name == "skillhub.request"]
    assert (line.fields["path"], line.fields["status"]) == ("/", 400)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.one_of(st.sampled_from("\x00\x01 %&=+*\"'\\-"), st.characters(codec="utf-8")),
        max_size=12,
    ),
    name=st.sampled_from(["q", "tag", "kind", "sort", "page", "item"]),
)
def test_no_query_text_crashes_the_catalog_or_the_api(publisher_browser, text, name):
    """Whatever the text, the answer is a 200 or a 4xx: a 400 when it holds a NUL."""
    query = urlencode({name: text})
    for path in ("/", "/api/skills"):
        response = Client().get(f"{path}?{query}")
        assert response.status_code < 500, (path, query)
        if "\x00" in text:
            assert_refused(response, path)
