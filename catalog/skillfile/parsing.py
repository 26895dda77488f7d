"""parse(): one skill file read, split, validated and linted, in that order, by the other
modules of the package; and stored(), a stored file's parts without checking it again."""

from __future__ import annotations

import logging
from typing import Any

from catalog.skillfile.fences import _check_early_end, _split
from catalog.skillfile.fields import _missing_description, _validate_fields
from catalog.skillfile.frontmatter import _Frontmatter, _read_frontmatter
from catalog.skillfile.lint import _lint_body, _lint_invisible, _lint_positional_prose
from catalog.skillfile.names import KINDS, builtin_name, claude_builtins, is_valid_name, name_rule
from catalog.skillfile.results import SkillFile, _Problems
from catalog.skillfile.text import _read_text
from catalog.skillfile.tools import _shell_policy

PROFILES = ("claude-code", "portable")
log = logging.getLogger("skillhub.skillfile")


def parse(
    data: str | bytes,
    kind: str = "command",
    name: str | None = None,
    profile: str = "claude-code",
) -> SkillFile:
    """Read, validate and lint one skill file. Never raises: every fault is a Problem."""
    problems = _Problems()
    text, readable = _read_text(data, problems)
    skill = SkillFile(kind=kind, name=name, profile=profile, text=text)
    if readable:
        try:
            _analyse(skill, problems)
        except Exception as error:  # a bug here must not take the caller down…
            # …nor hide: the traceback is logged (with the request's id, when there is one).
            log.exception(
                "skillfile.parse failed",
                extra={"fields": {"kind": skill.kind, "name": skill.name, "chars": len(text)}},
            )
            problems.error(
                "internal-error",
                f"Skillhub could not check this file ({type(error).__name__}); please report it.",
                1,
            )
    skill.problems = problems.in_order()
    return skill


def _analyse(skill: SkillFile, problems: _Problems) -> None:
    kind = _checked_kind(skill.kind, problems)
    profile = skill.profile
    if profile not in PROFILES:
        problems.error(
            "unknown-profile", f"Unknown profile {profile!r}; checked as claude-code.", 1
        )
        profile = "claude-code"
    if skill.name is not None and not is_valid_name(kind, skill.name):
        problems.error(
            "invalid-item-name",
            f"The {kind} name {skill.name!r} breaks the naming rule: {name_rule(kind)}.",
            1,
        )

    parts = _split(skill.text, problems)
    if parts.has_frontmatter:
        _check_early_end(parts.frontmatter, problems)
    skill.has_frontmatter = parts.has_frontmatter
    skill.frontmatter, skill.body, skill.body_line = parts.frontmatter, parts.body, parts.body_line

    front = None
    if parts.has_frontmatter:
        front = _read_frontmatter(parts.frontmatter, problems)
        if front is not None:
            _validate_fields(front, kind, skill.name, profile, problems)
            skill.metadata = front.metadata
    elif not any(problem.code == "unclosed-frontmatter" for problem in problems):
        _missing_description(problems, 1, kind, profile == "portable" and kind == "skill")

    if not skill.body.strip():
        problems.warning(
            "empty-body", f"The {kind} has no body: there is no prompt to send.", skill.body_line
        )
    _lint_body(skill.body, skill.body_line, kind, _shell_policy(front), problems)
    _lint_positional_prose(skill.text, skill.body, skill.body_line, problems)
    name_line = front.key_lines.get("name") if front else None
    _lint_invisible(skill.text, name_line, problems)
    _check_builtin_name(kind, skill.name, front, problems)


def _check_builtin_name(
    kind: str, name: str | None, front: _Frontmatter | None, problems: _Problems
) -> None:
    """Warn when the item takes the slash name of one of Claude Code's built-ins: in a
    project that has the item, the name runs the item and the built-in is out of reach.
    A skill checked without a folder name is judged by its `name` field."""
    line = front.key_lines.get("name", 1) if front and kind == "skill" else 1
    if name is None and kind == "skill" and front and isinstance(front.data.get("name"), str):
        name = front.data["name"]
    builtin = builtin_name(kind, name)
    if builtin is None:
        return
    version = claude_builtins()["claude_code_version"]
    problems.warning(
        "builtin-name",
        f"/{name} is also a {builtin} built into Claude Code {version}. Where this {kind} is "
        f"installed, /{name} runs it instead, and the built-in is out of reach; choose another "
        "name unless replacing it is the point.",
        line,
    )


def stored(text: str, kind: str, name: str | None, metadata: dict[str, Any]) -> SkillFile:
    """A file that was parsed when it was stored, from what was kept: the metadata as
    stored and the body split off again (one scan for the closing fence); no lint.
    Pages that only need the body and the arguments use this instead of parse()."""
    parts = _split(text, _Problems())
    return SkillFile(
        kind=kind,
        name=name,
        profile="claude-code",
        text=text,
        has_frontmatter=parts.has_frontmatter,
        frontmatter=parts.frontmatter,
        metadata=metadata,
        body=parts.body,
        body_line=parts.body_line,
    )


def _checked_kind(kind: object, problems: _Problems) -> str:
    if isinstance(kind, str) and kind in KINDS:
        return kind
    problems.error("unknown-kind", f"Unknown kind {kind!r}; checked as a command.", 1)
    return "command"
