"""The JSON API: `/api/skills`, `/api/skills/<kind>/<name>` and `POST /api/validate`."""

import json

import pytest
from django.test import Client

from catalog.api import VALIDATE_MAX_BYTES
from tests.factories import GOOD_COMMAND, make_skill

pytestmark = pytest.mark.django_db

SKILL = "---\nname: changelog\ndescription: Keep a changelog\n---\nUpdate CHANGELOG.md.\n"


@pytest.fixture
def catalog(publisher):
    review = make_skill("command", "git:review", GOOD_COMMAND, author=publisher, publish=True)
    review.set_tags(["git", "review"])
    make_skill("skill", "changelog", SKILL, author=publisher, publish=True)
    make_skill("command", "draft", "---\ndescription: Secret draft\n---\nNot yet.\n")


def error_of(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert set(payload) == {"error"}
    assert set(payload["error"]) == {"code", "message"}
    return payload["error"]


# -- listing and fetching -------------------------------------------------------------------


def test_list_gives_published_items_with_their_urls(client, catalog):
    response = client.get("/api/skills")
    assert response.status_code == 200
    payload = response.json()
    assert payload["count"] == 2
    assert payload["next"] is None and payload["previous"] is None
    by_name = {item["name"]: item for item in payload["results"]}
    assert set(by_name) == {"git:review", "changelog"}
    review = by_name["git:review"]
    assert review == {
        "kind": "command",
        "name": "git:review",
        "description": "Review the staged diff",
        "version": 1,
        "sha256": review["sha256"],
        "tags": ["git", "review"],
        "urls": {
            "html": "http://testserver/commands/git:review/",
            "raw": "http://testserver/commands/git:review/raw",
            "api": "http://testserver/api/skills/command/git:review",
        },
    }
    assert len(review["sha256"]) == 64


def test_list_takes_the_catalog_filters(client, catalog):
    def names(params):
        return [item["name"] for item in client.get("/api/skills", params).json()["results"]]

    assert names({"kind": "skill"}) == ["changelog"]
    assert names({"tag": "git"}) == ["git:review"]
    assert names({"q": "staged"}) == ["git:review"]
    assert names({"q": "secret"}) == []


def test_list_pages_link_to_each_other(client, publisher, settings):
    settings.SKILLHUB_PAGE_SIZE = 2
    for number in range(5):
        make_skill("command", f"c{number}", GOOD_COMMAND, author=publisher, publish=True)
    first = client.get("/api/skills", {"kind": "command"}).json()
    assert first["count"] == 5
    assert [item["name"] for item in first["results"]] == ["c0", "c1"]
    assert first["next"] == "http://testserver/api/skills?kind=command&page=2"
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    assert [item["name"] for item in second["results"]] == ["c2", "c3"]
    assert second["previous"] == "http://testserver/api/skills?kind=command&page=1"
    third = client.get("/api/skills", {"kind": "command", "page": 3}).json()
    assert [item["name"] for item in third["results"]] == ["c4"]
    assert third["next"] is None
    assert third["previous"] == "http://testserver/api/skills?kind=command&page=2"


def test_bad_filters_and_pages_are_json_errors(client, catalog):
    assert error_of(client.get("/api/skills", {"kind": "plugin"}), 400)["code"] == "bad-query"
    assert error_of(client.get("/api/skills", {"page": "two"}), 400)["code"] == "bad-page"
    assert error_of(client.get("/api/skills", {"page": "0"}), 400)["code"] == "bad-page"
    assert error_of(client.get("/api/skills", {"page": "9"}), 404)["code"] == "no-such-page"


def test_an_empty_catalog_is_an_empty_first_page(client):
    assert client.get("/api/skills").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_one_item_comes_with_its_text_metadata_and_publication_time(client, catalog):
    response = client.get("/api/skills/skill/changelog")
    assert response.status_code == 200
    payload = response.json()
    assert payload["text"] == SKILL
    assert payload["metadata"] == {"name": "changelog", "description": "Keep a changelog"}
    assert payload["version"] == 1
    assert payload["published_at"].endswith("Z")
    assert payload["urls"]["raw"] == "http://testserver/skills/changelog/raw"


def test_drafts_and_unknown_items_are_json_404s(client, catalog):
    for path in ("/api/skills/command/draft", "/api/skills/agent/nobody", "/api/nothing-here"):
        assert error_of(client.get(path), 404)["code"] == "not-found"
    assert "draft" not in json.dumps(client.get("/api/skills").json())


def test_wrong_methods_are_json_405s_that_say_what_is_allowed(client, catalog):
    response = client.post("/api/skills")
    assert error_of(response, 405)["code"] == "method-not-allowed"
    assert response["Allow"] == "GET"
    response = client.get("/api/validate")
    assert error_of(response, 405)["code"] == "method-not-allowed"
    assert response["Allow"] == "POST"
    assert error_of(client.delete("/api/skills/skill/changelog"), 405)


# -- validating -------------------------------------------------------------------------------


def validate(payload, client=None, **extra):
    client = client or Client(enforce_csrf_checks=True)
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post("/api/validate", body, content_type="application/json", **extra)


def test_validate_answers_result_problems_and_metadata_without_a_csrf_token():
    response = validate({"text": GOOD_COMMAND, "kind": "command", "profile": "claude-code"})
    assert response.status_code == 200
    assert response.json() == {
        "result": "ok",
        "problems": [],
        "metadata": {"description": "Review the staged diff", "allowed-tools": "Bash(git diff:*)"},
    }


def test_validate_reports_problems_with_their_positions():
    text = "---\ndescription: One\ndescription: Two\n---\nBody\n"
    payload = validate({"text": text}).json()
    assert payload["result"] == "error"
    [problem] = [p for p in payload["problems"] if p["code"] == "yaml-duplicate-key"]
    assert set(problem) == {"severity", "code", "message", "line", "column"}
    assert problem["severity"] == "error"
    assert problem["line"] == 3


def test_validate_uses_the_kind_and_profile_it_is_given():
    skill = "---\ndescription: Portable check\nmodel: opus\n---\nBody\n"
    claude = validate({"text": skill, "kind": "skill", "name": "check"}).json()
    portable = validate({"text": skill, "kind": "skill", "profile": "portable"}).json()
    assert claude["result"] == "ok"
    assert portable["result"] == "error"


def test_validate_refuses_bad_json_and_wrong_types_with_json_errors():
    assert error_of(validate(b"{not json"), 400)["code"] == "bad-json"
    assert error_of(validate(b"\xff\xfe"), 400)["code"] == "bad-json"
    assert error_of(validate(["text"]), 400)["code"] == "bad-request"
    assert error_of(validate({"kind": "command"}), 400)["code"] == "bad-field"
    assert error_of(validate({"text": 12}), 400)["code"] == "bad-field"
    assert error_of(validate({"text": "x", "kind": "plugin"}), 400)["code"] == "bad-field"
    assert error_of(validate({"text": "x", "kind": ["command"]}), 400)["code"] == "bad-field"
    assert error_of(validate({"text": "x", "profile": "strict"}), 400)["code"] == "bad-field"
    assert error_of(validate({"text": "x", "name": 3}), 400)["code"] == "bad-field"


def test_validate_refuses_requests_over_the_size_limit_with_413():
    text = "x" * VALIDATE_MAX_BYTES
    assert error_of(validate({"text": text}), 413)["code"] == "too-large"


def test_validate_still_judges_a_file_just_over_one_mebibyte():
    text = "---\ndescription: Big\n---\n" + "x" * (1024 * 1024)
    payload = validate({"text": text}).json()
    assert payload["result"] == "error"
    assert "file-too-large" in {problem["code"] for problem in payload["problems"]}


def test_a_non_ascii_digit_page_is_a_json_400_not_a_500(client):
    error_of(client.get("/api/skills", {"page": "²"}), 400)
