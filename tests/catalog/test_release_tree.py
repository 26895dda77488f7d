"""A release as a plugin folder (catalog/plugin_tree.py): what it holds, its plugin.json
and README, the modes of its files, and archives that are the same bytes every time."""

import hashlib
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from django.test import override_settings

from catalog import plugin_tree
from catalog.models import Plugin, Release
from tests.factories import (
    HELPER_AGENT,
    PLUGIN_DETAILS,
    make_plugin,
    make_skill,
    publish_pdf_folder,
)
from tests.trees import pdf_skill

pytestmark = pytest.mark.django_db

HOSTILE = (
    "[click](https://evil.example) ![x](https://evil.example/x.png) <img src=x onerror=alert(1)>"
    " <script>alert(1)</script> <https://evil.example> www.evil.example https://evil.example"
    " admin@evil.example &lt;b&gt; **bold** _em_ ~~gone~~ `code` # heading | a | [^1] <!-- c -->"
)
STYLE = "---\nname: terse\ndescription: Short answers\n---\nBe terse.\n"
UNDESCRIBED = "Review the staged diff.\n"


@pytest.fixture
def kit(publisher):
    """A plugin of every kind of item, the skill a folder with executables, released."""
    pdf = publish_pdf_folder(publisher)
    skills = [
        make_skill("command", "review", author=publisher, publish=True),
        make_skill("command", "git:commit", UNDESCRIBED, author=publisher, publish=True),
        pdf,
        make_skill("agent", "helper", HELPER_AGENT, author=publisher, publish=True),
        make_skill("output-style", "terse", STYLE, author=publisher, publish=True),
    ]
    return make_plugin(
        skills=skills,
        user=publisher,
        release="1.2.0",
        **PLUGIN_DETAILS,
    ).latest_release


def tree(release: Release) -> dict[str, plugin_tree.PluginFile]:
    return {file.path: file for file in plugin_tree.release_tree(release)}


def manifest(release: Release) -> dict:
    return json.loads(tree(release)[".claude-plugin/plugin.json"].data)


def archive(release: Release, fmt: str) -> bytes:
    return b"".join(plugin_tree.iter_release_archive(release, fmt))


def test_the_tree_holds_every_item_at_its_plugin_path_and_the_plugin_files(kit):
    _, files = pdf_skill()

    assert list(tree(kit)) == sorted(
        [
            ".claude-plugin/plugin.json",
            "README.md",
            "agents/helper.md",
            "commands/git/commit.md",
            "commands/review.md",
            "output-styles/terse.md",
            "skills/pdf/SKILL.md",
            *(f"skills/pdf/{path}" for path in files),
            "skillhub.lock.json",
        ]
    )


def test_every_item_file_is_its_pinned_bytes(kit):
    text, files = pdf_skill()
    found = tree(kit)

    assert found["skills/pdf/SKILL.md"].data == text.encode()
    for path, file in files.items():
        assert found[f"skills/pdf/{path}"].data == file.data, path
    assert found["agents/helper.md"].data == HELPER_AGENT.encode()
    assert found["output-styles/terse.md"].data == STYLE.encode()


def test_a_command_without_a_description_gets_an_empty_one_for_the_strict_validator(kit):
    assert tree(kit)["commands/git/commit.md"].data == b'---\ndescription: ""\n---\n' + (
        UNDESCRIBED.encode()
    )


def test_executable_bits_are_kept_and_nothing_else_is_executable(kit):
    executable = sorted(path for path, file in tree(kit).items() if file.executable)

    assert executable == [
        "skills/pdf/scripts/check_fields.py",
        "skills/pdf/scripts/fill/fill_form.py",
    ]


def test_the_tree_pins_the_released_versions_not_the_newer_ones(kit, publisher):
    review = kit.plugin.items.get(name="review")
    saved = review.save_version(review.latest.text + "Newer.\n", publisher)
    review.publish(saved.version, publisher)

    assert b"Newer." not in tree(Release.objects.get(pk=kit.pk))["commands/review.md"].data


def test_the_lock_lists_every_item_with_its_version_and_the_bytes_the_plugin_holds(kit):
    found = tree(kit)
    lock = json.loads(found["skillhub.lock.json"].data)

    entries = {entry["path"]: entry for entry in lock["items"]}
    assert sorted(entries) == [
        "agents/helper.md",
        "commands/git/commit.md",
        "commands/review.md",
        "output-styles/terse.md",
        "skills/pdf/SKILL.md",
    ]
    for path, entry in entries.items():
        assert entry["sha256"] == hashlib.sha256(found[path].data).hexdigest(), path
    assert entries["skills/pdf/SKILL.md"]["version"] == 2


# -- plugin.json -------------------------------------------------------------------------


def test_plugin_json_names_the_release_and_its_details(kit):
    assert manifest(kit) == {
        "name": "team-kit",
        "version": "1.2.0",
        "description": "What every team starts with",
        "author": {"name": "Jane Doe", "email": "jane@example.com"},
        "homepage": "https://example.com/kit",
        "license": "MIT",
        "keywords": ["git", "review"],
    }


def test_plugin_json_holds_the_details_as_released_not_as_they_are_now(kit, publisher):
    Plugin.objects.get().update_details(publisher, description="Changed", license="")

    assert manifest(Release.objects.get(pk=kit.pk))["description"] == "What every team starts with"
    assert manifest(Release.objects.get(pk=kit.pk))["license"] == "MIT"


def test_plugin_json_leaves_out_empty_details_and_describes_the_plugin_anyway(publisher):
    skill = make_skill(author=publisher, publish=True)
    release = make_plugin("bare", skills=[skill], user=publisher, release=True).latest_release

    assert manifest(release) == {
        "name": "bare",
        "version": "1.0.0",
        "description": "bare, released on Skillhub",
        "author": {"name": "Skillhub"},
    }


@override_settings(SKILLHUB_PLUGIN_AUTHOR="Platform team <platform@example.com>")
def test_a_plugin_without_an_author_is_signed_by_the_plugin_author_setting(publisher):
    skill = make_skill(author=publisher, publish=True)
    release = make_plugin("bare", skills=[skill], user=publisher, release=True).latest_release

    assert manifest(release)["author"] == {"name": "Platform team", "email": "platform@example.com"}


def test_an_author_without_an_email_is_just_a_name(publisher):
    skill = make_skill(author=publisher, publish=True)
    plugin = make_plugin("bare", skills=[skill], user=publisher, release=True, author="Ops")

    assert manifest(plugin.latest_release)["author"] == {"name": "Ops"}


# -- README ----------------------------------------------------------------------------


def test_the_readme_names_the_release_its_items_and_how_to_install_it(kit):
    text = tree(kit)["README.md"].data.decode()

    assert text.startswith("# team-kit 1.2.0\n\nWhat every team starts with\n\n")
    assert "5 items released on Skillhub as a Claude Code plugin." in text
    assert "```sh\nclaude plugin install team-kit@skillhub\n```" in text
    for line in (
        "- `/team-kit:review`: Review the staged diff",
        "- `/team-kit:pdf`: Fill PDF forms and extract text\\. Use when the user works with PDF"
        " files\\.",
        "- `team-kit:helper`: Helps",
        "- `team-kit:terse`: Short answers",
    ):
        assert line in text.splitlines()
    assert "http" not in text  # the same bytes whatever host serves them


def test_the_readme_installs_from_the_marketplace_named_when_it_was_released(publisher):
    review = make_skill("command", "review", author=publisher, publish=True)
    with override_settings(SKILLHUB_MARKETPLACE_NAME="acme-tools"):
        release = make_plugin(skills=[review], user=publisher, release=True).latest_release
    stored = tree(release)["README.md"].data.decode()
    assert "claude plugin install team-kit@acme-tools" in stored
    # A release's bytes were rendered once: renaming the marketplace later changes
    # neither them nor, so, the git commit ids installed clients pinned.
    with override_settings(SKILLHUB_MARKETPLACE_NAME="other-tools"):
        assert tree(release)["README.md"].data.decode() == stored


def rendered_by_github(markdown: str) -> str:
    """GitHub's renderer, raw HTML let through: what an unescaped README would become."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, Options.CMARK_OPT_UNSAFE)


@pytest.mark.parametrize(
    "description",
    [
        HOSTILE,
        "line one\n\n# not a heading\n- not a list\n> not a quote\n\n    not code",
        "bidi \u202eevil\u202c and a \x07 bell",
    ],
)
def test_a_hostile_description_renders_as_its_text_in_the_readme(publisher, description):
    hostile = make_skill(
        "command",
        "hostile",
        f"---\ndescription: {json.dumps(description)}\n---\nDo it.\n",
        author=publisher,
        publish=True,
    )
    plugin = make_plugin(
        "kit", skills=[hostile], user=publisher, release=True, description=description
    )

    html = rendered_by_github(tree(plugin.latest_release)["README.md"].data.decode())

    for tag in ("<a ", "<img", "<script", "<h2>not", "<blockquote", "<li>not", "<del", "<em"):
        assert tag not in html, tag
    assert "<strong>" not in html
    assert "<h1>" in html and html.count("<h1>") == 1  # the title alone
    assert "\u202e" not in html and "\x07" not in html


# -- archives --------------------------------------------------------------------------


def zip_entries(data: bytes) -> dict[str, tuple[bytes, bool]]:
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        return {
            info.filename: (opened.read(info), bool((info.external_attr >> 16) & 0o100))
            for info in opened.infolist()
        }


def tar_entries(data: bytes) -> dict[str, tuple[bytes, bool]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as opened:
        return {
            member.name: (opened.extractfile(member).read(), bool(member.mode & 0o100))
            for member in opened.getmembers()
            if member.isfile()
        }


@pytest.mark.parametrize(("fmt", "entries"), [("zip", zip_entries), ("tar.gz", tar_entries)])
def test_an_archive_holds_the_tree_with_its_modes(kit, fmt, entries):
    expected = {path: (file.data, file.executable) for path, file in tree(kit).items()}

    assert entries(archive(kit, fmt)) == expected


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_the_same_release_gives_the_same_archive_bytes_twice(kit, fmt):
    assert archive(kit, fmt) == archive(Release.objects.get(pk=kit.pk), fmt)


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_a_release_built_again_after_unrelated_writes_gives_the_same_bytes(kit, publisher, fmt):
    before = archive(kit, fmt)
    # Everything around the release moves on: its items, its plugin, the catalog.
    review = kit.plugin.items.get(name="review")
    review.publish(
        review.save_version(review.latest.text + "Newer.\n", publisher).version, publisher
    )
    plugin = Plugin.objects.get()
    plugin.update_details(publisher, description="Changed since", keywords=["other"])
    plugin.set_items([review], publisher)
    plugin.release(publisher, notes="The second")
    other = make_skill("command", "other", author=publisher, publish=True)
    make_plugin("other-kit", skills=[other], user=publisher, release=True)

    assert archive(Release.objects.get(pk=kit.pk), fmt) == before


def test_an_archive_unpacked_by_the_system_tools_keeps_the_executable_bits(kit, tmp_path):
    import subprocess

    (tmp_path / "kit.tar.gz").write_bytes(archive(kit, "tar.gz"))
    subprocess.run(["tar", "xzf", "kit.tar.gz"], cwd=tmp_path, check=True)

    script = tmp_path / "skills/pdf/scripts/check_fields.py"
    assert os.access(script, os.X_OK)
    assert not os.access(tmp_path / "skills/pdf/SKILL.md", os.X_OK)
    assert (tmp_path / ".claude-plugin/plugin.json").is_file()


# -- the real validator ----------------------------------------------------------------


def test_the_release_tree_passes_claude_codes_strict_validation(kit, claude_code, tmp_path):
    folder = tmp_path / "team-kit"
    for path, file in tree(kit).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.data)
        target.chmod(0o755 if file.executable else 0o644)

    result = claude_code.validate(folder, strict=True)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    verdict = output.split("Plugin directory checks")[0]
    assert "⚠" not in verdict and "✘" not in verdict, verdict
    assert Path(folder / ".claude-plugin/plugin.json").exists()
