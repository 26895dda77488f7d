"""The real Claude Code CLI (tests/claude_code.py) using a live Skillhub as a marketplace.

Each scenario runs a few `claude` commands in one fresh HOME, as a person would in a
terminal: add the marketplace (by its JSON URL, or by its git URL), install the team
kit, release a new version in Skillhub, update the marketplace and the plugin, start
Claude Code in an empty project. Each run takes seconds, so assertions are grouped.
"""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.request import urlopen

import pytest

from catalog import plugin_git
from tests import live

pytestmark = pytest.mark.django_db(transaction=True)

MARKETPLACE = "skillhub"  # SKILLHUB_MARKETPLACE_NAME's default, as tests run
# Claude Code writes `.in_use` into an installed plugin's folder itself (it marks the
# version as used by a running session); it is not part of what Skillhub serves.
CLAUDE_CODE_MARKERS = (".in_use",)


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def succeeded(completed: subprocess.CompletedProcess) -> str:
    assert completed.returncode == 0, f"{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def installed_folder(session, version: str) -> Path:
    return session.home / ".claude" / "plugins" / "cache" / MARKETPLACE / "team-kit" / version


def installed_record(session) -> dict:
    """team-kit's entry in Claude Code's installed_plugins.json."""
    path = session.home / ".claude" / "plugins" / "installed_plugins.json"
    (record,) = json.loads(path.read_text())["plugins"][f"team-kit@{MARKETPLACE}"]
    return record


def assert_installed(session, release) -> None:
    folder = installed_folder(session, release.version)
    expected = live.tree_of_release(release)
    assert live.tree_on_disk(folder, ignore=CLAUDE_CODE_MARKERS) == expected
    assert (folder / "skills/pdf/scripts/fill/fill_form.py").stat().st_mode & 0o111
    record = installed_record(session)
    assert record["version"] == release.version
    assert Path(record["installPath"]) == folder


def add_marketplace_and_install(claude, url: str) -> None:
    """`claude plugin marketplace add <url>`, then install team-kit from it."""
    added = succeeded(claude.run("plugin", "marketplace", "add", url))
    assert f"Successfully added marketplace: {MARKETPLACE}" in added
    succeeded(claude.run("plugin", "install", f"team-kit@{MARKETPLACE}"))


def release_and_update(claude, kit, publisher):
    """Release team-kit 1.1.0 in Skillhub, then update the marketplace and the plugin."""
    second = live.release_next(kit, publisher)
    succeeded(claude.run("plugin", "marketplace", "update", MARKETPLACE))
    updated = succeeded(claude.run("plugin", "update", f"team-kit@{MARKETPLACE}"))
    assert "from 1.0.0 to 1.1.0" in updated
    return second


def test_a_marketplace_added_by_its_json_url_installs_updates_and_loads_the_plugin(
    claude_code, site, publisher, project
):
    kit = live.publish_team_kit(publisher)
    with claude_code.session() as claude:
        add_marketplace_and_install(claude, f"{site}/marketplace.json")

        assert_installed(claude, kit.latest_release)
        # cloned from /plugins/team-kit.git at the commit the marketplace pins
        first_commit = plugin_git.release_commit(kit.latest_release)
        assert installed_record(claude)["gitCommitSha"] == first_commit

        second = release_and_update(claude, kit, publisher)
        assert_installed(claude, second)
        assert installed_record(claude)["gitCommitSha"] == plugin_git.release_commit(second)

        init = claude.init(project)

    plugins = {plugin["name"]: plugin for plugin in init["plugins"]}
    assert plugins["team-kit"]["version"] == "1.1.0"
    assert plugins["team-kit"]["source"] == f"team-kit@{MARKETPLACE}"
    assert Path(plugins["team-kit"]["path"]) == installed_folder(claude, "1.1.0")
    ours = {name for name in init["slash_commands"] if name.startswith("team-kit:")}
    assert ours == {"team-kit:deploy", "team-kit:rollback", "team-kit:pdf"}
    assert [name for name in init["skills"] if name.startswith("team-kit:")] == ["team-kit:pdf"]
    assert "team-kit:reviewer" in init["agents"]
    assert not init.get("plugin_errors"), init.get("plugin_errors")


def test_a_marketplace_added_by_its_git_url_installs_and_updates_the_plugin(
    claude_code, site, publisher
):
    kit = live.publish_team_kit(publisher)
    with claude_code.session() as claude:
        add_marketplace_and_install(claude, f"{site}/marketplace.git")

        assert_installed(claude, kit.latest_release)
        # the relative source ./plugins/team-kit of the marketplace's clone
        clone = claude.home / ".claude" / "plugins" / "marketplaces" / MARKETPLACE
        assert live.tree_on_disk(clone / "plugins" / "team-kit") == live.tree_of_release(
            kit.latest_release
        )

        second = release_and_update(claude, kit, publisher)
        assert_installed(claude, second)


def test_an_unzipped_release_passes_claude_codes_strict_validation(
    claude_code, site, publisher, tmp_path
):
    if shutil.which("unzip") is None:
        pytest.skip("no unzip here")
    release = live.publish_team_kit(publisher).latest_release
    archive = tmp_path / "team-kit-1.0.0.zip"
    with urlopen(f"{site}/plugins/team-kit/1.0.0.zip") as response:
        archive.write_bytes(response.read())
    folder = tmp_path / "team-kit"
    subprocess.run(["unzip", "-q", str(archive), "-d", str(folder)], check=True, timeout=60)
    tree = live.tree_on_disk(folder)
    assert tree == live.tree_of_release(release)
    kinds = {path.split("/")[0] for path in tree}
    assert {"commands", "skills", "agents", "output-styles"} <= kinds
    assert tree["skills/pdf/scripts/check_fields.py"][1], "unzip kept the executable bit"

    validated = claude_code.validate(folder, strict=True)

    assert validated.returncode == 0, f"{validated.stdout}\n{validated.stderr}"
    assert "Validation passed" in validated.stdout
    provided = ["skills: team-kit:pdf", "commands: team-kit:deploy", "agents: team-kit:reviewer",
                "outputStyles: team-kit:terse"]  # fmt: skip
    assert [line for line in provided if line not in validated.stdout] == []
