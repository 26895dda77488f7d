"""The field table (docs/skill-format.md §2): each frontmatter field Claude Code knows,
on which kinds, of which type, with the checks of its value. A field Claude Code adds
is a row of _FIELDS, and a check in _FIELD_RULES if its value has rules."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from catalog.skillfile.frontmatter import _check_retyped, _describe, _Frontmatter
from catalog.skillfile.limits import COMPATIBILITY_MAX, DESCRIPTION_MAX, LISTING_MAX
from catalog.skillfile.names import KINDS, is_valid_name, name_rule
from catalog.skillfile.results import _argument_names, _Problems
from catalog.skillfile.templates import (
    PLACEHOLDER_NAMES,
    TEMPLATE_DESCRIPTION,
    new_item_template,
)
from catalog.skillfile.tools import _check_rule, _is_rules, _rules_with_lines, tool_names

# What claude.ai uploads and the Skills API accept in a SKILL.md (docs/skill-format.md §2).
PORTABLE_FIELDS = frozenset(
    {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


def _is_str_or_strs(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )


def _is_str_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def _is_list_or_mapping(value: Any) -> bool:
    return isinstance(value, (list, dict))


@dataclass(frozen=True)
class _Field:
    kinds: tuple[str, ...]
    check: Callable[[Any], bool]
    expected: str  # completes "must be …"
    help: str = ""  # one line for the editor: what the field does (docs/skill-format.md §2)


_TEXT = "text"
_RULES = "a string of tool rules or a list of non-empty strings"
_STRS = "a string or a list of strings"
_BOOL = "true or false"
_SKILL = ("skill",)
_AGENT = ("agent",)
_STYLE = ("output-style",)

_FIELDS: dict[str, _Field] = {
    "description": _Field(
        KINDS,
        _is_str,
        _TEXT,
        "What it does and when to use it: what Claude reads to decide when to use it.",
    ),
    "name": _Field(
        KINDS,
        _is_str,
        _TEXT,
        "Its name: lowercase letters, digits and hyphens; on a skill, its folder's name.",
    ),
    "version": _Field(
        KINDS, _is_str, _TEXT, 'The author\'s version of it, as text (quote a number: "1.10").'
    ),
    # The Agent Skills place for an author's own data; harmless on any kind.
    "metadata": _Field(
        KINDS,
        _is_str_map,
        "a mapping of text keys to text values",
        "The author's own data: text keys and text values.",
    ),
    "argument-hint": _Field(
        ("command", "skill"),
        _is_str,
        _TEXT,
        'What to type after the name, shown in the / menu, e.g. "<pr-number>".',
    ),
    "allowed-tools": _Field(
        ("command", "skill"),
        _is_rules,
        _RULES,
        "Tools it may use without asking, e.g. Bash(git diff:*), Read, Grep.",
    ),
    "arguments": _Field(
        ("command", "skill"),
        _is_str_or_strs,
        _STRS,
        "Names for the $name placeholders of the body, in order.",
    ),
    "model": _Field(
        ("command", "skill", "agent"),
        _is_str,
        _TEXT,
        "The model it runs on: sonnet, opus, haiku, inherit or a full claude-… name.",
    ),
    "disable-model-invocation": _Field(
        ("command", "skill"),
        _is_bool,
        _BOOL,
        "true: only a person runs it (/name); Claude never starts it.",
    ),
    "disallowed-tools": _Field(_SKILL, _is_rules, _RULES, "Tools it may not use while it runs."),
    "user-invocable": _Field(
        _SKILL, _is_bool, _BOOL, "false: left out of the / menu; Claude can still use it."
    ),
    "when_to_use": _Field(
        _SKILL, _is_str, _TEXT, "More on when to use it, read with the description."
    ),
    "license": _Field(
        _SKILL, _is_str, _TEXT, "Its licence: a name such as MIT, or the file that holds it."
    ),
    "compatibility": _Field(
        _SKILL,
        _is_str,
        _TEXT,
        "What it needs to run (tools, system, network): 1 to 500 characters.",
    ),
    "context": _Field(
        _SKILL,
        _is_str,
        _TEXT,
        "fork: it runs in a context of its own instead of the conversation's.",
    ),
    "agent": _Field(_SKILL, _is_str, _TEXT, "The subagent it runs as, with context: fork."),
    "paths": _Field(_SKILL, _is_str_or_strs, _STRS, "Glob patterns of the files it is about."),
    # Claude Code refuses any shell but bash and powershell, on commands as on skills.
    "shell": _Field(
        ("command", "skill"), _is_str, _TEXT, "The shell its ! commands run in: bash or powershell."
    ),
    # Claude Code documents these three for subagents as well as skills.
    "background": _Field(("skill", "agent"), _is_bool, _BOOL, "true: it runs in the background."),
    "effort": _Field(("skill", "agent"), _is_str, _TEXT, "How much effort the model puts in."),
    "hooks": _Field(
        ("skill", "agent"),
        _is_mapping,
        "a mapping",
        "Hooks that run on Claude Code's events while it is active.",
    ),
    "tools": _Field(
        _AGENT, _is_rules, _RULES, "The tools the subagent may use (all of them when absent)."
    ),
    "disallowedTools": _Field(_AGENT, _is_rules, _RULES, "Tools the subagent may not use."),
    "permissionMode": _Field(
        _AGENT,
        _is_str,
        _TEXT,
        "How the subagent asks for permission, e.g. default, acceptEdits, plan.",
    ),
    "maxTurns": _Field(
        _AGENT,
        _is_int,
        "a whole number",
        "The most turns the subagent takes before it stops (at least 1).",
    ),
    "skills": _Field(_AGENT, _is_str_or_strs, _STRS, "Skills the subagent has."),
    "mcpServers": _Field(
        _AGENT, _is_list_or_mapping, "a list or a mapping", "MCP servers the subagent can use."
    ),
    "memory": _Field(_AGENT, _is_str, _TEXT, "Where the subagent keeps what it remembers."),
    "color": _Field(_AGENT, _is_str, _TEXT, "The colour Claude Code shows the subagent in."),
    "isolation": _Field(
        _AGENT, _is_str, _TEXT, "How the subagent is kept apart from the rest, e.g. worktree."
    ),
    "initialPrompt": _Field(_AGENT, _is_str, _TEXT, "The prompt the subagent starts with."),
    "keep-coding-instructions": _Field(
        _STYLE, _is_bool, _BOOL, "true: Claude Code's coding instructions stay with this style."
    ),
    "force-for-plugin": _Field(
        _STYLE, _is_bool, _BOOL, "true: the style applies whenever its plugin is on."
    ),
}

_MODELS = ("sonnet", "opus", "haiku", "inherit")
_SHELLS = ("bash", "powershell")  # compared trimmed and lowercased, as Claude Code does
# Fields Claude Code type-checks on every kind, even on those where it does not use them.
_TYPED_ON_EVERY_KIND = {"allowed-tools": _Field(KINDS, _is_str_or_strs, _STRS)}


@dataclass(frozen=True)
class FieldHelp:
    """A frontmatter field as the editor offers it: its name, what its value must be, and
    what it does."""

    name: str
    expected: str
    help: str


def fields_of(kind: str) -> list[FieldHelp]:
    """The fields Claude Code reads on `kind`, in the table's order."""
    return [
        FieldHelp(name, field.expected, field.help)
        for name, field in _FIELDS.items()
        if kind in field.kinds
    ]


@cache  # the same for every page and every request: built once a process (read only)
def vocabulary() -> dict[str, Any]:
    """What the editor completes as you type (assets/src/editor.js): each kind's fields,
    Claude Code's tools, its short model names, and the fields that take tool rules."""
    return {
        "fields": {
            kind: [
                {"name": f.name, "expected": f.expected, "help": f.help} for f in fields_of(kind)
            ]
            for kind in KINDS
        },
        "tools": tool_names(),
        "models": list(_MODELS),
        "templates": {kind: new_item_template(kind) for kind in KINDS},
        "placeholderNames": PLACEHOLDER_NAMES,
        "ruleFields": sorted(name for name, field in _FIELDS.items() if field.check is _is_rules),
    }


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _validate_fields(
    front: _Frontmatter, kind: str, name: str | None, profile: str, problems: _Problems
) -> None:
    portable = profile == "portable" and kind == "skill"
    for key, value in front.data.items():
        line = front.key_lines.get(key, front.first_line)
        spec = _FIELDS.get(key)
        if spec is not None and kind not in spec.kinds:
            spec = None  # a field of other kinds is unknown on this one
        if portable and key not in PORTABLE_FIELDS:
            problems.error(
                "not-portable",
                f"The field `{key}` is not part of the Agent Skills format; claude.ai and the "
                "Skills API refuse it.",
                line,
            )
        elif spec is None:
            problems.warning(
                "unknown-field", f"Claude Code ignores the field `{key}` on a {kind}.", line
            )
            _check_retyped(key, front.value_nodes.get(key), front.first_line, problems)
            _check_type_on_every_kind(key, value, kind, line, problems)
        if spec is not None and value is not None:
            _check_field(key, value, spec, kind, name, line, front, problems)
        elif spec is not None and key != "description":
            problems.warning(
                "empty-field", f"The field `{key}` has no value; Claude Code ignores it.", line
            )
    _check_description(front, kind, portable, problems)
    if portable and "name" not in front.data:
        problems.error(
            "portable-missing-name",
            "The Agent Skills format requires a `name` field equal to the skill's folder name.",
            1,
        )


def _check_type_on_every_kind(
    key: str, value: Any, kind: str, line: int, problems: _Problems
) -> None:
    spec = _TYPED_ON_EVERY_KIND.get(key)
    if spec is not None and value is not None and not spec.check(value):
        problems.error(
            "field-type",
            f"The field `{key}` must be {spec.expected}, but YAML reads {_describe(value)}; "
            f"Claude Code refuses that even on a {kind}, which does not use the field.",
            line,
        )


def _check_field(
    key: str,
    value: Any,
    spec: _Field,
    kind: str,
    name: str | None,
    line: int,
    front: _Frontmatter,
    problems: _Problems,
) -> None:
    if key == "argument-hint" and isinstance(value, list):
        problems.warning(
            "argument-hint-list",
            "YAML reads this argument-hint as a list because it starts with '['; "
            'quote it: argument-hint: "[message]".',
            line,
        )
        return
    if key == "version" and _is_number(value):
        problems.warning(
            "version-not-string",
            f"YAML reads this version as {_describe(value)}, which may differ from what you "
            'typed (1.10 becomes 1.1); quote it: version: "1.10".',
            line,
        )
        return
    if not spec.check(value):
        problems.error(
            "field-type",
            f"The field `{key}` must be {spec.expected}, but YAML reads {_describe(value)}.",
            line,
        )
        return
    check = _FIELD_RULES.get(key)
    if check:
        check(value, kind=kind, name=name, line=line, front=front, key=key, problems=problems)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_name_field(
    value: str, *, kind: str, name: str | None, line: int, problems: _Problems, **_: object
) -> None:
    if not is_valid_name(kind, value):
        problems.error(
            "invalid-name", f"The name {value!r} breaks the naming rule: {name_rule(kind)}.", line
        )
    if kind == "command":
        problems.info(
            "name-ignored",
            "Claude Code ignores `name` in a command; the file's path names it.",
            line,
        )
    elif name is not None and value != name and is_valid_name(kind, value):
        severity = "error" if kind == "skill" else "warning"
        where = "folder" if kind == "skill" else "file"
        problems.add(
            severity,
            "name-mismatch",
            f"The name {value!r} differs from the {where} name {name!r}; they must be equal.",
            line,
        )


def _check_description_length(value: str, *, line: int, problems: _Problems, **_: object) -> None:
    if len(value) > DESCRIPTION_MAX:
        problems.error(
            "description-too-long",
            f"The description is {len(value):,} characters; the limit is {DESCRIPTION_MAX:,}.",
            line,
        )


def _check_compatibility(value: str, *, line: int, problems: _Problems, **_: object) -> None:
    if not 1 <= len(value) <= COMPATIBILITY_MAX:
        problems.error(
            "compatibility-length",
            f"`compatibility` must be 1-{COMPATIBILITY_MAX} characters; it is {len(value):,}.",
            line,
        )


def _check_model(value: str, *, line: int, problems: _Problems, **_: object) -> None:
    if value not in _MODELS and not value.startswith("claude-"):
        problems.warning(
            "unknown-model",
            f"Claude Code may not know the model {value!r}; use sonnet, opus, haiku, inherit "
            "or a full name starting with claude-.",
            line,
        )


def _check_arguments(value: Any, *, line: int, problems: _Problems, **_: object) -> None:
    for argument in _argument_names(value):
        if not _IDENTIFIER.fullmatch(argument):
            problems.warning(
                "bad-argument-name",
                f"The argument name {argument!r} cannot be used as a $name placeholder; use "
                "letters, digits and '_'.",
                line,
            )


def _check_max_turns(value: int, *, line: int, problems: _Problems, **_: object) -> None:
    if value < 1:
        problems.error("field-value", "`maxTurns` must be 1 or more.", line)


def _check_shell_field(value: str, *, line: int, problems: _Problems, **_: object) -> None:
    if value.strip().lower() not in _SHELLS:
        problems.error(
            "unknown-shell",
            f"`shell` must be bash or powershell; Claude Code refuses {value[:64]!r}.",
            line,
        )


def _check_tool_field(
    value: Any, *, key: str, line: int, front: _Frontmatter, problems: _Problems, **_: object
) -> None:
    for rule, rule_line in _rules_with_lines(value, front.value_nodes.get(key), line, front):
        _check_rule(rule, key, rule_line, problems)


class _FieldRule(Protocol):
    """A field's value check, called with every keyword; each takes those it needs."""

    def __call__(
        self,
        value: Any,
        *,
        kind: str,
        name: str | None,
        line: int,
        front: _Frontmatter,
        key: str,
        problems: _Problems,
    ) -> None: ...


_FIELD_RULES: dict[str, _FieldRule] = {
    "name": _check_name_field,
    "description": _check_description_length,
    "compatibility": _check_compatibility,
    "model": _check_model,
    "arguments": _check_arguments,
    "maxTurns": _check_max_turns,
    "shell": _check_shell_field,
    "allowed-tools": _check_tool_field,
    "disallowed-tools": _check_tool_field,
    "tools": _check_tool_field,
    "disallowedTools": _check_tool_field,
}


def _check_description(front: _Frontmatter, kind: str, portable: bool, problems: _Problems) -> None:
    description = front.data.get("description")
    line = front.key_lines.get("description", 1)
    if description is None or (isinstance(description, str) and not description.strip()):
        _missing_description(problems, line, kind, portable)
        return
    if isinstance(description, str) and description.strip() == TEMPLATE_DESCRIPTION:
        problems.warning(
            "template-description",
            "The description is still the new-item template's: say what this does and "
            "when to use it, which is what Claude reads to decide when to use it.",
            line,
        )
    when = front.data.get("when_to_use")
    if kind == "skill" and isinstance(description, str) and isinstance(when, str):
        total = len(description) + len(when)
        if total > LISTING_MAX:
            problems.warning(
                "listing-truncated",
                f"description and when_to_use together are {total:,} characters; Claude Code "
                f"cuts them at {LISTING_MAX:,} in its listing.",
                line,
            )


def _missing_description(problems: _Problems, line: int, kind: str, portable: bool) -> None:
    problems.add(
        "error" if portable else "warning",
        "missing-description",
        f"This {kind} has no description: Claude Code falls back to the first body line, and "
        "the model cannot discover when to use it.",
        line,
    )
