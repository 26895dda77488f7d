"""GET /.claude-plugin/marketplace.json and /marketplace.json (catalog/marketplace.py):
this site as a Claude Code marketplace whose plugins are git URLs pinned by sha."""

import json
import subprocess

import pytest
from django.test import override_settings

from catalog.models import Plugin
from catalog.plugin_git import release_commit
from tests.factories import GOOD_COMMAND, PLUGIN_DETAILS, make_plugin, make_skill
from tests.shared import suite_settings_started

pytestmark = pytest.mark.django_db

URLS = ["/.claude-plugin/marketplace.json", "/marketplace.json"]


@pytest.fixture
def kit(publisher):
    review = make_skill("command", "review", author=publisher, publish=True)
    return make_plugin(
        skills=[review],
        user=publisher,
        release=True,
        **PLUGIN_DETAILS,
    )


def marketplace(client, url=URLS[0], **extra) -> dict:
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def entries(client, **extra) -> dict[str, dict]:
    return {entry["name"]: entry for entry in marketplace(client, **extra)["plugins"]}


def test_both_urls_serve_the_same_marketplace(client, kit):
    first, second = (client.get(url) for url in URLS)

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


def test_the_marketplace_is_named_owned_and_described_by_the_settings(client, kit):
    with override_settings(
        SKILLHUB_MARKETPLACE_NAME="acme-tools",
        SKILLHUB_MARKETPLACE_OWNER="Platform team <platform@example.com>",
        SKILLHUB_MARKETPLACE_DESCRIPTION="Acme's plugins",
    ):
        found = marketplace(client)

    assert found["name"] == "acme-tools"
    assert found["owner"] == {"name": "Platform team", "email": "platform@example.com"}
    assert found["description"] == "Acme's plugins"
    assert marketplace(client)["name"] == "skillhub"  # the default
    assert marketplace(client)["owner"] == {"name": "Skillhub"}


def test_a_released_plugin_is_listed_with_its_latest_release(client, kit):
    assert entries(client) == {
        "team-kit": {
            "name": "team-kit",
            "source": {
                "source": "url",
                "url": "http://testserver/plugins/team-kit.git",
                "sha": release_commit(kit.latest_release),
            },
            "description": "What every team starts with",
            "version": "1.0.0",
            "author": {"name": "Jane Doe", "email": "jane@example.com"},
            "homepage": "https://example.com/kit",
            "license": "MIT",
            "category": "productivity",
            "keywords": ["git", "review"],
        }
    }


def test_only_released_plugins_are_listed_in_name_order(client, kit, publisher):
    review = kit.items.get()
    make_plugin("unreleased", skills=[review], user=publisher)
    make_plugin("another", skills=[review], user=publisher, release=True)
    make_plugin("empty", user=publisher)

    assert [entry["name"] for entry in marketplace(client)["plugins"]] == ["another", "team-kit"]


def test_an_empty_marketplace_lists_no_plugins(client):
    assert marketplace(client)["plugins"] == []


def test_a_plugin_with_no_details_has_a_description_and_nothing_empty(client, publisher):
    review = make_skill(author=publisher, publish=True)
    make_plugin("bare", skills=[review], user=publisher, release=True)

    entry = entries(client)["bare"]

    assert entry["description"] == "bare, released on Skillhub"
    assert sorted(entry) == ["description", "name", "source", "version"]


def test_a_new_release_moves_the_version_and_the_sha_and_details_follow_the_release(
    client, kit, publisher
):
    first = entries(client)["team-kit"]
    review = kit.items.get()
    review.publish(review.save_version(GOOD_COMMAND + "More.\n", publisher).version, publisher)
    kit.update_details(publisher, description="Changed, not released")
    listed = entries(client)["team-kit"]
    assert listed["description"] == "What every team starts with"  # still the release's

    second = Plugin.objects.get().release(publisher)

    entry = entries(client)["team-kit"]
    assert entry["version"] == "1.0.1"
    assert entry["description"] == "Changed, not released"
    assert entry["source"]["sha"] == release_commit(second) != first["source"]["sha"]


def test_the_pinned_sha_is_the_release_commit_the_git_repository_advertises(client, kit):
    sha = entries(client)["team-kit"]["source"]["sha"]

    refs = client.get("/plugins/team-kit.git/info/refs", {"service": "git-upload-pack"})

    assert refs.status_code == 200
    advertised = refs.content.decode("ascii", "replace")
    assert f"{sha} refs/tags/v1.0.0" in advertised
    assert f"{sha} refs/heads/main" in advertised


# -- absolute URLs -----------------------------------------------------------------------


@override_settings(SKILLHUB_PUBLIC_URL="https://skills.example.com")
def test_urls_are_on_the_public_url_when_it_is_set_whatever_host_was_asked(client, kit):
    with override_settings(ALLOWED_HOSTS=["internal.lan"]):
        entry = entries(client, HTTP_HOST="internal.lan")["team-kit"]

    assert entry["source"]["url"] == "https://skills.example.com/plugins/team-kit.git"


@override_settings(SKILLHUB_PUBLIC_URL="https://example.com/skills")
def test_a_public_url_with_a_path_prefixes_every_url(client, kit):
    assert entries(client)["team-kit"]["source"]["url"] == (
        "https://example.com/skills/plugins/team-kit.git"
    )


@override_settings(ALLOWED_HOSTS=["hub.internal"])
def test_urls_are_on_the_host_the_request_came_to_when_no_public_url_is_set(client, kit):
    plain = entries(client, HTTP_HOST="hub.internal:8000")["team-kit"]
    secure = entries(client, HTTP_HOST="hub.internal", secure=True)["team-kit"]

    assert plain["source"]["url"] == "http://hub.internal:8000/plugins/team-kit.git"
    assert secure["source"]["url"] == "https://hub.internal/plugins/team-kit.git"


@override_settings(ALLOWED_HOSTS=["hub.internal"])
def test_a_host_that_is_not_allowed_gets_a_400_not_a_marketplace(client, kit):
    assert client.get(URLS[0], HTTP_HOST="evil.example").status_code == 400


# -- caching -----------------------------------------------------------------------------


def test_the_marketplace_has_an_etag_and_is_revalidated_every_time(client, kit):
    response = client.get(URLS[0])

    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Cache-Control"] == "public, no-cache"
    assert client.get(URLS[0])["ETag"] == response["ETag"]


def test_a_request_with_the_current_etag_gets_a_304_without_a_body(client, kit):
    etag = client.get(URLS[1])["ETag"]

    again = client.get(URLS[1], HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, no-cache"
    assert client.get(URLS[1], HTTP_IF_NONE_MATCH=f'"other", {etag}').status_code == 304


def test_a_stale_etag_gets_the_new_marketplace_after_a_release(client, kit, publisher):
    etag = client.get(URLS[0])["ETag"]
    make_plugin("another", skills=[kit.items.get()], user=publisher, release=True)

    response = client.get(URLS[0], HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "another" in {entry["name"] for entry in json.loads(response.content)["plugins"]}


def test_the_etag_differs_by_the_host_the_urls_name(client, kit):
    with override_settings(ALLOWED_HOSTS=["a.example", "b.example"]):
        first = client.get(URLS[0], HTTP_HOST="a.example")["ETag"]
        second = client.get(URLS[0], HTTP_HOST="b.example")
        assert client.get(URLS[0], HTTP_HOST="b.example", HTTP_IF_NONE_MATCH=first).status_code == (
            200
        )

    assert second["ETag"] != first


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_marketplace_is_read_only(client, kit, method):
    assert getattr(client, method)(URLS[0]).status_code == 405


# -- the name, checked at start ------------------------------------------------------------


def started_with(name: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh Python with SKILLHUB_MARKETPLACE_NAME=name."""
    return suite_settings_started(
        {"SKILLHUB_MARKETPLACE_NAME": name},
        "import tests.settings as s; print(s.SKILLHUB_MARKETPLACE_NAME)",
    )


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Team Tools", "'Team Tools' is not a marketplace name: use 1-64 lowercase letters"),
        ("team_tools", "is not a marketplace name"),
        ("claude-tools", "reserved by Claude Code for Anthropic's own marketplaces"),
        ("anthropic", "reserved by Claude Code"),
        ("our-official-plugins", "reserved by Claude Code"),
        ("claude-plugins-official", "reserved by Claude Code"),
        ("builtin", "reserved by Claude Code"),
    ],
)
def test_a_marketplace_name_claude_code_would_refuse_stops_the_site_from_starting(name, problem):
    started = started_with(name)

    assert started.returncode != 0
    assert "ImproperlyConfigured: SKILLHUB_MARKETPLACE_NAME: " in started.stderr
    assert problem in started.stderr


def test_a_kebab_case_marketplace_name_of_ones_own_starts(tmp_path):
    started = started_with("acme-claude-tools")

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "acme-claude-tools"


# -- Claude Code's own reading -----------------------------------------------------------


def test_the_marketplace_passes_claude_codes_validation(client, kit, claude_code, tmp_path):
    folder = tmp_path / "marketplace"
    (folder / ".claude-plugin").mkdir(parents=True)
    (folder / ".claude-plugin" / "marketplace.json").write_bytes(client.get(URLS[0]).content)

    result = claude_code.validate(folder, strict=True)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "✘" not in output and "⚠" not in output, output


def test_the_marketplace_repository_follows_a_renamed_marketplace(kit, settings):
    from catalog.plugin_git import marketplace_repo

    def manifest_name() -> str:
        repo = marketplace_repo()
        tree = repo[repo[repo.refs[b"refs/heads/main"]].tree]
        folder = repo[tree[b".claude-plugin"][1]]
        return json.loads(repo[folder[b"marketplace.json"][1]].data)["name"]

    assert manifest_name() == "skillhub"
    settings.SKILLHUB_MARKETPLACE_NAME = "acme-tools"
    assert manifest_name() == "acme-tools"
