"""A marketplace repository for tests, shaped like Anthropic's skills repository.

`skills_marketplace(root)` writes a checkout whose `.claude-plugin/marketplace.json`
lists three plugins, as github.com/anthropics/skills does and as Claude Code's plugin
layout allows:

- document-skills and example-skills: `"source": "./", "strict": false` with a
  `"skills": ["./skills/…"]` list, sharing the repository root and the pdf skill;
  document-skills gives its version in the entry, example-skills gives none;
- code-kit: `"source": "./plugins/code-kit"`, a plugin folder with its own
  `.claude-plugin/plugin.json` (version, author, homepage, licence, keywords) and
  Claude Code's default folders: commands/ (one namespaced by a subfolder), an agent,
  a multi-file skill with an executable script, and hooks/ (which Skillhub skips).

Around them, what a real checkout holds: a README, a spec folder, a template skill in
no plugin, .git/. `Marketplace` says what importing it must give.
"""

import io
import json
import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from catalog.skilltree import TreeFile, as_tree
from tests.trees import pdf_skill, write_tree

MARKETPLACE_JSON = ".claude-plugin/marketplace.json"

XLSX_MD = (
    "---\nname: xlsx\ndescription: Edit spreadsheets. Use for .xlsx files.\n---\nUse openpyxl.\n"
)
BRAND_MD = (
    "---\nname: brand-guidelines\ndescription: Apply the brand colours to documents.\n---\n"
    "Use blue.\n"
)
TEMPLATE_MD = "---\nname: template-skill\ndescription: Replace this.\n---\nA template.\n"
DEPLOY_MD = (
    "---\ndescription: Deploy the service to an environment\nargument-hint: <env>\n---\n"
    "Deploy the service to $1 and report the URL.\n"
)
COMMIT_MD = (
    "---\ndescription: Commit the staged changes\nallowed-tools: Bash(git commit:*)\n---\n"
    "Commit the staged changes with a clear message.\n"
)
REVIEWER_MD = (
    "---\nname: reviewer\ndescription: Reviews a diff for risky changes\ntools: Read, Grep\n---\n"
    "You review diffs and list the risky changes first.\n"
)
RELEASE_NOTES_MD = (
    "---\nname: release-notes\ndescription: Write release notes from the git log. Use when "
    "preparing a release.\n---\nRun `scripts/collect.sh` and fill in templates/notes.md.\n"
)
COLLECT_SH = b'#!/bin/sh\ngit log --oneline "$1..HEAD"\n'
NOTES_TEMPLATE = b"# Release notes\n\n## Added\n\n## Fixed\n"
HOOKS_JSON = b'{"hooks": {"PostToolUse": []}}\n'


@dataclass
class Marketplace:
    """What importing the tree must give."""

    root: Path
    # plugin name -> (first release's version, {(kind, name)} of its items)
    plugins: dict[str, tuple[str, set[tuple[str, str]]]]
    # skill name -> (SKILL.md, its other files)
    skills: dict[str, tuple[str, dict[str, TreeFile]]]
    # (kind, name) -> the file's text, for commands and agents
    singles: dict[tuple[str, str], str]
    skipped: list[str]  # paths the import must skip and report

    @property
    def items(self) -> set[tuple[str, str]]:
        return {item for _version, items in self.plugins.values() for item in items}


def marketplace_json() -> dict:
    """The marketplace.json of skills_marketplace, for tests to change one entry of."""
    return {
        "name": "acme-skills",
        "owner": {"name": "Acme Tools", "email": "tools@example.com"},
        "metadata": {"description": "Acme's skills and plugins", "version": "1.0.0"},
        "plugins": [
            {
                "name": "document-skills",
                "description": "Spreadsheets and PDF forms",
                "version": "2.1.0",
                "source": "./",
                "strict": False,
                "skills": ["./skills/xlsx", "./skills/pdf"],
            },
            {
                "name": "example-skills",
                "description": "Examples: brand guidelines and PDF forms",
                "source": "./",
                "strict": False,
                "skills": ["./skills/brand-guidelines", "./skills/pdf"],
            },
            {
                "name": "code-kit",
                "description": "Deploy, commit, review and release",
                "source": "./plugins/code-kit",
                "category": "development",
            },
        ],
    }


def plugin_json() -> dict:
    return {
        "name": "code-kit",
        "version": "0.3.0",
        "description": "Deploy, commit, review and release",
        "author": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "homepage": "https://example.com/code-kit",
        "license": "MIT",
        "keywords": ["deploy", "git"],
    }


def skills_marketplace(root: Path) -> Marketplace:
    root.mkdir(parents=True, exist_ok=True)
    write_json(root / MARKETPLACE_JSON, marketplace_json())
    skills = {
        "xlsx": (XLSX_MD, {}),
        "pdf": pdf_skill(),
        "brand-guidelines": (
            BRAND_MD,
            as_tree([TreeFile("assets/palette.json", b'{"blue": "#0044cc"}\n')]),
        ),
        "release-notes": (
            RELEASE_NOTES_MD,
            as_tree(
                [
                    TreeFile("scripts/collect.sh", COLLECT_SH, executable=True),
                    TreeFile("templates/notes.md", NOTES_TEMPLATE),
                ]
            ),
        ),
    }
    for name in ("xlsx", "pdf", "brand-guidelines"):
        write_tree(root / "skills" / name, *skills[name])
    kit = root / "plugins/code-kit"
    write_json(kit / ".claude-plugin/plugin.json", plugin_json())
    write_tree(kit / "skills/release-notes", *skills["release-notes"])
    singles = {
        ("command", "deploy"): (kit / "commands/deploy.md", DEPLOY_MD),
        ("command", "git:commit"): (kit / "commands/git/commit.md", COMMIT_MD),
        ("agent", "reviewer"): (kit / "agents/reviewer.md", REVIEWER_MD),
    }
    for path, text in singles.values():
        write_file(path, text.encode())
    write_file(kit / "hooks/hooks.json", HOOKS_JSON)
    write_file(kit / "README.md", b"# code-kit\n")
    write_file(root / "README.md", b"# Acme skills\n")
    write_file(root / "spec/agent-skills-spec.md", b"# The spec\n")
    write_tree(root / "template", TEMPLATE_MD, {})
    write_file(root / ".git/config", b"[core]\n")
    return Marketplace(
        root,
        {
            "document-skills": ("2.1.0", {("skill", "xlsx"), ("skill", "pdf")}),
            "example-skills": ("1.0.0", {("skill", "brand-guidelines"), ("skill", "pdf")}),
            "code-kit": (
                "0.3.0",
                {
                    ("command", "deploy"),
                    ("command", "git:commit"),
                    ("agent", "reviewer"),
                    ("skill", "release-notes"),
                },
            ),
        },
        skills,
        {key: text for key, (_path, text) in singles.items()},
        [
            "README.md",
            "spec/agent-skills-spec.md",
            "template/SKILL.md",
            "plugins/code-kit/README.md",
            "plugins/code-kit/hooks/hooks.json",
        ],
    )


def write_json(path: Path, data) -> None:
    write_file(path, (json.dumps(data, indent=2) + "\n").encode())


def write_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, mode)


def zip_of(root: Path, prefix: str = "") -> bytes:
    """A zip of every file under `root` (each under `prefix`, as GitHub's "Download ZIP"
    puts skills-main/), with Unix modes as Info-ZIP writes them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(prefix + path.relative_to(root).as_posix())
                info.external_attr = (0o100000 | (path.stat().st_mode & 0o777)) << 16
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def tar_gz_of(root: Path, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.add(path, arcname=prefix + path.relative_to(root).as_posix())
    return buffer.getvalue()
