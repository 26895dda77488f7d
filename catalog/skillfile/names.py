"""Names and paths (docs/skill-format.md §1): which names each kind allows, where an item
lives in a `.claude/` tree, which file path holds which item, and the names Claude
Code keeps for itself."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from catalog.skillfile.limits import COMMAND_MAX_SEGMENTS, COMMAND_NAME_MAX, SKILL_NAME_MAX

KINDS = ("command", "skill", "agent", "output-style")


# The §1 name rules as regular expressions (lengths are checked apart). A command name
# is colon-joined path segments, and every other kind's name is also one, so the URL
# converter for names (catalog.converters) uses COMMAND_NAME_PATTERN.
COMMAND_NAME_PATTERN = r"[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*"
SKILL_NAME_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_COMMAND_NAME = re.compile(COMMAND_NAME_PATTERN)
_SKILL_NAME = re.compile(SKILL_NAME_PATTERN)
_AREAS = {
    "commands": "command",
    "skills": "skill",
    "agents": "agent",
    "output-styles": "output-style",
}
_FOLDERS = {kind: folder for folder, kind in _AREAS.items()}


def is_valid_name(kind: str, name: object) -> bool:
    """The §1 name rule of `kind`, matched against the whole string (`deploy\\n` fails)."""
    if not isinstance(name, str):
        return False
    if kind == "command":
        # A bundle path is at most 8 components (.claude/commands/ + 6) and 255 chars.
        return (
            _COMMAND_NAME.fullmatch(name) is not None
            and name.count(":") < COMMAND_MAX_SEGMENTS
            and len(name) <= COMMAND_NAME_MAX
        )
    if kind in KINDS:
        return len(name) <= SKILL_NAME_MAX and _SKILL_NAME.fullmatch(name) is not None
    return False


def name_rule(kind: str) -> str:
    """The name rule of `kind`, in words."""
    if kind == "command":
        return (
            f"a command name is 1-{COMMAND_MAX_SEGMENTS} segments of letters, digits, '_' "
            f"and '-', joined by ':' (one per folder), at most {COMMAND_NAME_MAX} characters"
        )
    return (
        f"a {kind} name is 1-{SKILL_NAME_MAX} lowercase letters and digits, "
        "in words joined by single '-'"
    )


def slash_name(kind: str, name: str) -> str:
    """How a person invokes the item: "/frontend:component", "/deploy"; "" if it is not invoked."""
    if kind in ("command", "skill") and name:
        return f"/{name}"
    return ""


def bundle_path(kind: str, name: str) -> str:
    """Where the item lives in a `.claude/` tree. Raises ValueError for a bad kind or name,
    because a bad name here would write outside the tree."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if not is_valid_name(kind, name):
        raise ValueError(f"{name!r} is not a valid {kind} name")
    if kind == "command":
        return f".claude/commands/{name.replace(':', '/')}.md"
    if kind == "skill":
        return f".claude/skills/{name}/SKILL.md"
    return f".claude/{_FOLDERS[kind]}/{name}.md"


def locate(path: str) -> tuple[str, str | None] | None:
    """The (kind, name) a file path holds, or None for a path that is not a skill file.

    Inside a `.claude/` tree the first folder after the last `.claude/` decides; without
    one (a plugin or a skills repository) the first `commands`, `skills`, `agents` or
    `output-styles` folder does. Markdown files inside a skill's folder other than its
    SKILL.md are supporting files, not items, so they give None.
    """
    if not isinstance(path, str) or not path.endswith(".md"):
        return None
    marker = path.rfind(".claude/")
    anchored = marker == 0 or (marker > 0 and path[marker - 1] == "/")
    if anchored:
        path = path[marker + len(".claude/") :]
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if not parts:
        return None
    area = _area_index(parts, anchored)
    if area is None:
        return _locate_loose(parts)
    return _locate_in_area(_AREAS[parts[area]], parts[area + 1 :])


def _area_index(parts: list[str], anchored: bool) -> int | None:
    """Where the kind folder sits: first under `.claude/`, else the first one anywhere."""
    candidates = range(1) if anchored else range(len(parts))
    for index in candidates:
        if index < len(parts) - 1 and parts[index] in _AREAS:
            return index
    return None


def _locate_in_area(kind: str, rest: list[str]) -> tuple[str, str | None] | None:
    stem = rest[-1][: -len(".md")]
    if kind == "skill":
        if rest[-1] == "SKILL.md" and len(rest) >= 2:
            return ("skill", rest[-2])
        return None
    if not stem:
        return None
    if kind == "command":
        return ("command", ":".join([*rest[:-1], stem]))
    return (kind, stem)


def _locate_loose(parts: list[str]) -> tuple[str, str | None] | None:
    if parts[-1] == "SKILL.md":
        return ("skill", parts[-2] if len(parts) >= 2 else None)
    stem = parts[-1][: -len(".md")]
    return ("command", stem) if stem else None


def find_collisions(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(command name, skill name) pairs with the same slash name, ignoring case.
    Claude Code runs the skill, so the command is dead (§1)."""
    commands: dict[str, set[str]] = {}
    skills: dict[str, set[str]] = {}
    for kind, name in items:
        if kind == "command":
            commands.setdefault(name.casefold(), set()).add(name)
        elif kind == "skill":
            skills.setdefault(name.casefold(), set()).add(name)
    return sorted(
        (command, skill)
        for key in commands.keys() & skills.keys()
        for command in commands[key]
        for skill in skills[key]
    )


# The slash commands, skills and agents Claude Code brings by itself, as the pinned CLI
# lists them in an empty folder; scripts/claude_builtins.py writes the file.
BUILTINS_FILE = Path(__file__).parents[1] / "claude_builtins.json"


@functools.cache
def claude_builtins() -> dict[str, Any]:
    """{"claude_code_version", "slash_commands", "skills", "agents"} of the pinned CLI."""
    builtins: dict[str, Any] = json.loads(BUILTINS_FILE.read_text(encoding="utf-8"))
    return builtins


def builtin_name(kind: str, name: str | None) -> str | None:
    """Whether a command or skill called `name` takes the slash name of one of Claude
    Code's own: "skill" or "command" if it does, None if not. Claude Code compares names
    exactly (`/Compact` and `/compact` are two commands)."""
    if kind not in ("command", "skill") or not name:
        return None
    builtins = claude_builtins()
    if name in builtins["skills"]:
        return "skill"
    if name in builtins["slash_commands"]:
        return "command"
    return None
