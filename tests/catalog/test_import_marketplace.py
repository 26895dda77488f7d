"""Importing a marketplace repository with `manage.py import_skills`: the items its
plugin entries hold are imported byte for byte, each entry becomes a plugin holding
them, --publish releases each at the version its manifest gives, a dry run writes
nothing, and any bad entry refuses the whole import, naming the entry."""

import json
import subprocess
import sys

import pytest

from catalog import plugin_tree
from catalog.blobs import Blob
from catalog.importing import find, read_path
from catalog.models import Event, Plugin, Release, Skill, Version
from tests import live
from tests.factories import make_plugin, make_skill, run_command
from tests.marketplaces import (
    MARKETPLACE_JSON,
    marketplace_json,
    skills_marketplace,
    tar_gz_of,
    write_file,
    write_json,
    zip_of,
)
from tests.shared import REPO
from tests.trees import expected_tree

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int, int]:
    return (
        Skill.objects.count(),
        Version.objects.count(),
        Blob.objects.count(),
        Plugin.objects.count(),
        Release.objects.count(),
    )


def plugin_items(name: str) -> set[tuple[str, str]]:
    return {(s.kind, s.name) for s in Plugin.objects.get(name=name).items.all()}


def with_entry(root, index: int, **changes) -> None:
    """Rewrite the tree's marketplace.json with plugins[index] changed (None removes)."""
    data = marketplace_json()
    data["plugins"][index].update(changes)
    data["plugins"][index] = {k: v for k, v in data["plugins"][index].items() if v is not None}
    write_json(root / MARKETPLACE_JSON, data)


# -- what an import makes ------------------------------------------------------------------


def test_a_marketplace_folder_imports_its_plugins_items_byte_for_byte_and_creates_each_plugin(
    tmp_path,
):
    market = skills_marketplace(tmp_path / "skills")
    code, out, err = run_command("import_skills", str(market.root))
    assert code == 0, err

    assert {(s.kind, s.name) for s in Skill.objects.all()} == market.items
    for name, (text, files) in market.skills.items():
        version = Skill.objects.get(kind="skill", name=name).latest
        assert version.text == text
        assert expected_tree(version.text, version.tree()) == expected_tree(text, files)
    for (kind, name), text in market.singles.items():
        assert Skill.objects.get(kind=kind, name=name).latest.text == text
    for name, (_version, items) in market.plugins.items():
        assert plugin_items(name) == items
    # Without --publish nothing is published and no plugin is released.
    assert not Release.objects.exists()
    assert not Skill.objects.filter(published__isnull=False).exists()
    for path in market.skipped:
        assert f"skipped {path}: " in out
    assert 'hooks of plugins[2] "code-kit": not imported' in out
    assert "created plugin code-kit (4 items, not released)" in out


def test_an_item_two_plugins_share_is_imported_once_and_belongs_to_both(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 0, err
    [pdf] = Skill.objects.filter(kind="skill", name="pdf")
    assert pdf.versions.count() == 1
    assert {p.name for p in pdf.plugins.all()} == {"document-skills", "example-skills"}


def test_the_plugins_get_the_details_the_entry_and_plugin_json_give(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    assert run_command("import_skills", str(market.root))[0] == 0
    kit = Plugin.objects.get(name="code-kit")
    assert kit.description == "Deploy, commit, review and release"
    assert kit.author == "Ada Lovelace <ada@example.com>"
    assert kit.homepage == "https://example.com/code-kit"
    assert kit.license == "MIT"
    assert kit.keywords == ["deploy", "git"]
    assert kit.category == "development"
    assert Plugin.objects.get(name="document-skills").description == "Spreadsheets and PDF forms"


def test_a_dry_run_lists_the_plugins_with_their_items_and_writes_nothing(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    code, out, err = run_command("import_skills", str(market.root), "--dry-run", "--publish")
    assert code == 0, err
    assert (
        "would create plugin document-skills (2 items, released as 2.1.0): skill pdf, skill xlsx"
        in out
    )
    assert (
        "would create plugin code-kit (4 items, released as 0.3.0): agent reviewer, "
        "command deploy, command git:commit, skill release-notes"
    ) in out
    assert "3 plugins created, 0 refused" in out
    assert counts() == (0, 0, 0, 0, 0)


def test_publish_releases_each_plugin_at_its_manifests_version_else_1_0_0(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    code, _out, err = run_command("import_skills", str(market.root), "--publish")
    assert code == 0, err
    for name, (version, items) in market.plugins.items():
        plugin = Plugin.objects.get(name=name)
        release = plugin.latest_release
        assert release.version == version, name
        assert release.sequence == 1
        assert {(v.skill.kind, v.skill.name) for v in release.pinned()} == items
        assert Event.objects.filter(plugin=plugin, action=Event.Action.RELEASE).count() == 1


def test_plugin_jsons_version_wins_over_the_marketplace_entrys_as_in_claude_code(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    with_entry(market.root, 2, version="0.4.0")  # plugin.json says 0.3.0
    assert run_command("import_skills", str(market.root), "--publish")[0] == 0
    assert Plugin.objects.get(name="code-kit").latest_release.version == "0.3.0"


def test_a_published_plugins_release_tree_holds_its_items_with_their_files_and_modes(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    assert run_command("import_skills", str(market.root), "--publish")[0] == 0

    kit = plugin_tree.release_tree(Plugin.objects.get(name="code-kit").latest_release)
    files = {f.path: f for f in kit}
    assert {"commands/deploy.md", "commands/git/commit.md", "agents/reviewer.md"} <= set(files)
    text, own = market.skills["release-notes"]
    assert files["skills/release-notes/SKILL.md"].data == text.encode()
    for path, file in own.items():
        held = files[f"skills/release-notes/{path}"]
        assert (held.data, held.executable) == (file.data, file.executable)
    assert files["skills/release-notes/scripts/collect.sh"].executable
    manifest = json.loads(files[".claude-plugin/plugin.json"].data)
    assert (manifest["name"], manifest["version"]) == ("code-kit", "0.3.0")
    assert manifest["author"] == {"name": "Ada Lovelace", "email": "ada@example.com"}

    documents = plugin_tree.release_tree(Plugin.objects.get(name="document-skills").latest_release)
    skill_files = {f.path for f in documents if f.path.startswith("skills/")}
    _text, pdf_files = market.skills["pdf"]
    assert skill_files == {"skills/xlsx/SKILL.md", "skills/pdf/SKILL.md"} | {
        f"skills/pdf/{path}" for path in pdf_files
    }


@pytest.mark.parametrize("container", ["zip", "tar.gz"])
def test_an_archive_of_a_checkout_imports_the_same_plugins(tmp_path, container):
    # GitHub's "Download ZIP" puts every file under skills-main/.
    market = skills_marketplace(tmp_path / "skills")
    make = zip_of if container == "zip" else tar_gz_of
    archive = tmp_path / f"skills-main.{container}"
    archive.write_bytes(make(market.root, prefix="skills-main/"))
    code, out, err = run_command("import_skills", str(archive), "--publish")
    assert code == 0, err
    assert {(s.kind, s.name) for s in Skill.objects.all()} == market.items
    for name, (version, items) in market.plugins.items():
        assert Plugin.objects.get(name=name).latest_release.version == version
        assert plugin_items(name) == items
    assert "skipped skills-main/template/SKILL.md: in no plugin" in out


def test_a_folder_with_a_claude_tree_is_read_whole_when_it_is_a_marketplace(tmp_path):
    # A repository's own .claude/ (its maintainers' commands) does not hide its plugins.
    market = skills_marketplace(tmp_path / "skills")
    write_file(market.root / ".claude/commands/triage.md", b"---\ndescription: Triage\n---\nGo.\n")
    entries, _skipped = read_path(market.root)
    found = find(entries)
    assert {(item.kind, item.name) for item in found.items} == market.items
    assert (".claude/commands/triage.md", "in no plugin of .claude-plugin/marketplace.json") in (
        found.outside
    )


# -- clashes with what exists ----------------------------------------------------------------


def test_an_item_that_exists_already_gets_a_new_version_and_joins_the_plugin(tmp_path):
    existing = make_skill(
        "skill", "xlsx", "---\nname: xlsx\ndescription: The old spreadsheet skill.\n---\nOld.\n"
    )
    market = skills_marketplace(tmp_path / "skills")
    code, out, err = run_command("import_skills", str(market.root), "--publish")
    assert code == 0, err
    assert "1 new versions" in out
    existing.refresh_from_db()
    assert existing.latest.number == 2 and existing.published == existing.latest
    assert existing in Plugin.objects.get(name="document-skills").items.all()


def test_an_archived_item_of_the_same_name_refuses_the_whole_import(tmp_path):
    archived = make_skill("agent", "reviewer", "---\nname: reviewer\ndescription: Old\n---\nOld.\n")
    archived.archived = True
    archived.save(update_fields=["archived"])
    market = skills_marketplace(tmp_path / "skills")
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 1
    assert "refused plugins/code-kit/agents/reviewer.md: an archived agent" in err
    assert "Nothing was imported." in err
    assert (Skill.objects.count(), Plugin.objects.count()) == (1, 0)


def test_a_plugin_that_exists_already_refuses_the_import_and_changes_nothing(tmp_path):
    make_plugin("code-kit", description="Ours")
    market = skills_marketplace(tmp_path / "skills")
    code, _out, err = run_command("import_skills", str(market.root), "--publish")
    assert code == 1
    assert (
        "refused plugin plugins[2] \"code-kit\": a plugin called 'code-kit' exists already" in err
    )
    assert Skill.objects.count() == 0 and Release.objects.count() == 0
    assert Plugin.objects.get().description == "Ours"


def test_importing_the_same_marketplace_twice_refuses_the_second_time(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    assert run_command("import_skills", str(market.root))[0] == 0
    before = counts()
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 1 and err.count("exists already") == 3
    assert counts() == before


def test_with_publish_an_item_with_errors_refuses_its_plugin_and_nothing_is_written(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    write_file(market.root / "skills/xlsx/SKILL.md", b"---\nname: other\ndescription: x\n---\nB\n")
    code, _out, err = run_command("import_skills", str(market.root), "--publish")
    assert code == 1
    assert 'refused plugin plugins[0] "document-skills": skill xlsx has errors' in err
    assert counts() == (0, 0, 0, 0, 0)
    # Without --publish the draft is imported and the plugin holds it, unreleased.
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 0, err
    assert ("skill", "xlsx") in plugin_items("document-skills")


# -- all or nothing: every kind of bad entry -------------------------------------------------

BAD_ENTRIES = {
    "a source with ..": (2, {"source": "./../elsewhere"}, 'source "./../elsewhere" has ".."'),
    "a source outside the tree": (2, {"source": "./plugins/../../x"}, 'has ".."'),
    "an absolute source": (2, {"source": "/srv/code-kit"}, "is an absolute path"),
    "a missing folder": (
        2,
        {"source": "./plugins/missing"},
        'source "./plugins/missing": no folder plugins/missing in the tree',
    ),
    "a github source": (
        2,
        {"source": {"source": "github", "repo": "acme/code-kit"}},
        'source {"source": "github", …} is fetched from elsewhere',
    ),
    "a url source": (
        2,
        {"source": {"source": "url", "url": "https://example.com/code-kit.git"}},
        'source {"source": "url", …} is fetched from elsewhere',
    ),
    "a url written as the source": (
        2,
        {"source": "https://example.com/code-kit.git"},
        "is a URL, not a folder of this tree",
    ),
    "a bare source without pluginRoot": (2, {"source": "plugins/code-kit"}, 'must start with "./"'),
    "a reserved name": (0, {"name": "builtin"}, "'builtin' is reserved by Claude Code"),
    "a name that is not kebab-case": (0, {"name": "Document Skills"}, "is not a plugin name"),
    "a missing skill folder": (
        0,
        {"skills": ["./skills/xlsx", "./skills/nope"]},
        '"skills": no file or folder skills/nope in the tree',
    ),
    "a skill path with ..": (
        0,
        {"skills": ["./skills/../../etc"]},
        'skills "./skills/../../etc" has ".."',
    ),
    "an absolute skill path": (0, {"skills": ["/etc/skills"]}, "is an absolute path"),
    "a version that is not semver": (
        0,
        {"version": "2.1"},
        "\"version\" of the entry: '2.1' is not a version",
    ),
    "a homepage that is not a URL": (2, {"homepage": "not a url"}, "homepage: Enter a valid URL."),
    "a strict entry that is not a boolean": (1, {"strict": "no"}, '"strict" is "no"'),
    "no source": (2, {"source": None}, 'no "source"'),
    "components in both places with strict false": (
        2,
        {"strict": False, "skills": ["./skills/release-notes"]},
        "strict is false, but plugins/code-kit/.claude-plugin/plugin.json lists",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ENTRIES))
def test_a_bad_entry_refuses_the_whole_import_naming_the_entry(tmp_path, case):
    index, changes, message = BAD_ENTRIES[case]
    market = skills_marketplace(tmp_path / "skills")
    if case == "components in both places with strict false":
        manifest = json.loads(
            (market.root / "plugins/code-kit/.claude-plugin/plugin.json").read_text()
        )
        manifest["commands"] = ["./commands/deploy.md"]
        write_json(market.root / "plugins/code-kit/.claude-plugin/plugin.json", manifest)
    with_entry(market.root, index, **changes)
    code, out, err = run_command("import_skills", str(market.root), "--publish")
    assert code == 1, out
    name = changes.get("name") or marketplace_json()["plugins"][index]["name"]
    [line] = [line for line in err.splitlines() if line.startswith("refused plugin")]
    assert line.startswith(f'refused plugin plugins[{index}] "{name}": ')
    assert message in line
    assert "Nothing was imported." in err
    assert counts() == (0, 0, 0, 0, 0)


def test_a_marketplace_json_that_is_not_json_refuses_the_import(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    write_file(market.root / MARKETPLACE_JSON, b'{"plugins": [\n  {"name": "x",}\n]}\n')
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 1
    path = ".claude-plugin/marketplace.json"
    assert f"refused {path}: {path}: not valid JSON (line 2" in err
    assert counts() == (0, 0, 0, 0, 0)


def test_entries_that_are_not_objects_or_repeat_a_name_are_refused(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    data = marketplace_json()
    data["plugins"] += ["code-kit", {**data["plugins"][0]}]
    write_json(market.root / MARKETPLACE_JSON, data)
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 1
    assert "refused plugin plugins[3]: not a plugin entry (a JSON object)" in err
    assert 'refused plugin plugins[4] "document-skills": the same name as plugins[0]' in err
    assert counts() == (0, 0, 0, 0, 0)


def test_an_entry_holding_only_hooks_is_refused_as_holding_no_items(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    write_file(market.root / "plugins/guard/hooks/hooks.json", b"{}\n")
    data = marketplace_json()
    data["plugins"].append({"name": "guard", "source": "./plugins/guard"})
    write_json(market.root / MARKETPLACE_JSON, data)
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 1
    assert (
        'refused plugin plugins[3] "guard": holds no commands, skills, agents or output styles'
        in err
    )
    assert counts() == (0, 0, 0, 0, 0)


def test_a_bare_source_resolves_under_metadata_plugin_root(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    data = marketplace_json()
    data["metadata"]["pluginRoot"] = "./plugins"
    data["plugins"][2]["source"] = "code-kit"
    write_json(market.root / MARKETPLACE_JSON, data)
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 0, err
    assert plugin_items("code-kit") == market.plugins["code-kit"][1]


def test_listed_command_and_agent_paths_replace_the_default_folders(tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    kit = market.root / "plugins/code-kit"
    write_file(kit / "extra/ship.md", b"---\ndescription: Ship it\n---\nShip the release.\n")
    with_entry(market.root, 2, commands=["./extra/ship.md", "./commands/deploy.md"], agents=[])
    code, _out, err = run_command("import_skills", str(market.root))
    assert code == 0, err
    assert plugin_items("code-kit") == {
        ("command", "ship"),
        ("command", "deploy"),
        ("skill", "release-notes"),
    }
    assert not Skill.objects.filter(kind="command", name="git:commit").exists()


@pytest.mark.django_db(transaction=True)  # the live server must see what the import wrote
def test_claude_code_installs_the_imported_plugins_right_after_the_import(claude_code, tmp_path):
    market = skills_marketplace(tmp_path / "skills")
    code, _out, err = run_command("import_skills", str(market.root), "--publish")
    assert code == 0, err
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}  # one HOME for both runs: add, then install from it
    with live.serve() as site:
        added = claude_code.run(
            "plugin", "marketplace", "add", f"{site}/marketplace.json", cwd=tmp_path, env=env
        )
        assert added.returncode == 0, f"{added.stdout}\n{added.stderr}"
        for name in ("code-kit", "document-skills"):
            installed = claude_code.run(
                "plugin", "install", f"{name}@skillhub", cwd=tmp_path, env=env
            )
            assert installed.returncode == 0, f"{installed.stdout}\n{installed.stderr}"
            release = Plugin.objects.get(name=name).latest_release
            folder = home / ".claude/plugins/cache/skillhub" / name / release.version
            # Claude Code writes .in_use into an installed plugin's folder itself.
            assert live.tree_on_disk(folder, ignore=(".in_use",)) == live.tree_of_release(release)
    assert (folder.parent.name, folder.name) == ("document-skills", "2.1.0")


def test_the_layout_module_is_pure():
    script = (
        "import sys, catalog.marketplace_layout; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
