"""`/api/plugins`, `/api/plugins/<name>` and `manage.py release_plugin`."""

import pytest
from django.core.management.base import CommandError
from django.test import Client

from catalog.models import Release
from catalog.plugin_git import release_commit
from tests.factories import GOOD_COMMAND, make_plugin, make_skill, run_command

pytestmark = pytest.mark.django_db

CHANGED = GOOD_COMMAND.replace("list risky changes", "list risky changes and tests")


@pytest.fixture
def review(publisher):
    return make_skill("command", "git:review", GOOD_COMMAND, author=publisher, publish=True)


@pytest.fixture
def plugin(review, publisher):
    return make_plugin("git-kit", [review], publisher, release=True, description="Git help")


def test_plugin_list_gives_released_plugins_at_their_latest_release(client: Client, plugin):
    make_plugin("unreleased-kit")
    payload = client.get("/api/plugins").json()
    assert [entry["name"] for entry in payload["results"]] == ["git-kit"]
    entry = payload["results"][0]
    assert entry["version"] == "1.0.0"
    assert entry["description"] == "Git help"
    assert entry["urls"]["git"] == "http://testserver/plugins/git-kit.git"


def test_plugin_detail_lists_items_and_releases_newest_first(client, plugin, review, publisher):
    review.publish(review.save_version(CHANGED, publisher).version, publisher)
    plugin.release(publisher, notes="Tests too")
    payload = client.get("/api/plugins/git-kit").json()
    assert payload["items"] == [{"kind": "command", "name": "git:review", "version": 2}]
    assert [r["version"] for r in payload["releases"]] == ["1.0.1", "1.0.0"]
    newest = payload["releases"][0]
    assert newest["notes"] == "Tests too"
    assert newest["commit"] == release_commit(Release.objects.get(version="1.0.1"))
    assert newest["urls"]["zip"] == "http://testserver/plugins/git-kit/1.0.1.zip"


def test_an_unreleased_or_unknown_plugin_is_a_json_404(client):
    make_plugin("unreleased-kit")
    for path in ("/api/plugins/unreleased-kit", "/api/plugins/nope", "/api/plugins/Not_A_Name"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not-found"


def test_release_plugin_command_releases_the_proposed_version(review, publisher):
    make_plugin("git-kit", [review], publisher)
    code, out, _ = run_command("release_plugin", "git-kit", "--user", "publisher", "--notes", "Hi")
    assert code == 0
    assert "added    command git:review v1" in out
    assert "Released git-kit 1.0.0." in out
    release = Release.objects.get()
    assert (release.version, release.notes, release.released_by) == ("1.0.0", "Hi", publisher)


def test_release_plugin_dry_run_shows_the_proposal_and_writes_nothing(plugin, review, publisher):
    review.publish(review.save_version(CHANGED, publisher).version, publisher)
    code, out, _ = run_command("release_plugin", "git-kit", "--dry-run")
    assert code == 0
    assert "changed  command git:review v1 -> v2" in out
    assert "Proposed version: 1.0.1 (patch)" in out
    assert Release.objects.count() == 1


def test_release_plugin_refuses_a_lower_version_and_an_unchanged_plugin(plugin, review, publisher):
    with pytest.raises(CommandError, match=r"Nothing changed since 1\.0\.0"):
        run_command("release_plugin", "git-kit")
    review.publish(review.save_version(CHANGED, publisher).version, publisher)
    with pytest.raises(CommandError, match=r"0\.9\.0 is lower than 1\.0\.1"):
        run_command("release_plugin", "git-kit", "0.9.0")
    assert Release.objects.count() == 1
