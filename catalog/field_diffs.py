"""Frontmatter-field diffs: which fields changed between two versions, and for the
fields that govern what an item may do or run, what changed in a person's words.

Pure Python: imports no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from catalog.skillfile import split_tool_rules

__all__ = ["FieldChange", "frontmatter_diff", "tool_rules"]


@dataclass(frozen=True)
class FieldChange:
    key: str
    change: Literal["added", "removed", "changed"]
    old: object  # None when added
    new: object  # None when removed
    permission: bool  # the field governs what the item may do: a reviewer must look
    note: str  # for permission fields, what changed in a person's words; else ""


# Fields whose change alters what the item may do or run. `context` and `agent` are
# skill fields (run in a forked context, as which subagent); no other kind defines them.
PERMISSION_FIELDS = frozenset(
    {
        "allowed-tools",
        "disallowed-tools",
        "tools",
        "disallowedTools",
        "permissionMode",
        "model",
        "hooks",
        "mcpServers",
        "disable-model-invocation",
        "user-invocable",
        "shell",
        "context",
        "agent",
    }
)
TOOL_RULE_FIELDS = frozenset({"allowed-tools", "disallowed-tools", "tools", "disallowedTools"})

_UNSET = "(default)"


def frontmatter_diff(old: Mapping[Any, object], new: Mapping[Any, object]) -> list[FieldChange]:
    """The fields added, removed or changed between two parsed frontmatter mappings."""
    changes = []
    for key in sorted({*old, *new}, key=str):
        change: Literal["added", "removed", "changed"]
        before: object
        after: object
        if key not in old:
            change, before, after = "added", None, new[key]
        elif key not in new:
            change, before, after = "removed", old[key], None
        elif _same_value(old[key], new[key]):
            continue
        else:
            change, before, after = "changed", old[key], new[key]
        permission = key in PERMISSION_FIELDS
        note = _permission_note(key, change, before, after) if permission else ""
        changes.append(FieldChange(str(key), change, before, after, permission, note))
    return changes


def _same_value(a: object, b: object) -> bool:
    # Stricter than ==, which holds for True == 1 == 1.0: YAML `true` and `1` are
    # different values and a validator treats them differently.
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        assert isinstance(b, list | tuple)
        return len(a) == len(b) and all(map(_same_value, a, b))
    return a == b


def _permission_note(key: str, change: str, old: object, new: object) -> str:
    if key in TOOL_RULE_FIELDS:
        return _rules_note(old, new)
    if isinstance(old, dict) or isinstance(new, dict):
        return _mapping_note(key, old, new)
    before = _UNSET if change == "added" else _show(old)
    after = _UNSET if change == "removed" else _show(new)
    return f"{key} {before} → {after}"


def _rules_note(old: object, new: object) -> str:
    old_rules, new_rules = tool_rules(old), tool_rules(new)
    old_set, new_set = set(old_rules), set(new_rules)
    added = [rule for rule in new_rules if rule not in old_set]
    removed = [rule for rule in old_rules if rule not in new_set]
    parts = []
    if added:
        parts.append("adds " + ", ".join(added))
    if removed:
        parts.append("removes " + ", ".join(removed))
    return "; ".join(parts) or "same rules, written differently"


def _mapping_note(key: str, old: object, new: object) -> str:
    """Which top-level entries (hook events, MCP servers) came, went or changed."""
    before = old if isinstance(old, dict) else {}
    after = new if isinstance(new, dict) else {}
    added = [str(k) for k in after if k not in before]
    removed = [str(k) for k in before if k not in after]
    changed = [str(k) for k in after if k in before and not _same_value(before[k], after[k])]
    parts = []
    for verb, names in (("adds", added), ("removes", removed), ("changes", changed)):
        if names:
            parts.append(f"{verb} {', '.join(names)}")
    return f"{key}: " + "; ".join(parts) if parts else f"{key} {_show(old)} → {_show(new)}"


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def tool_rules(value: object) -> list[str]:
    """The rules of an allowed-tools-like field, in order, without repeats.

    The field is a string of rules separated by commas or spaces, or a list of such
    strings, cut the way the lint cuts it (skillfile.split_tool_rules). Unbalanced
    parentheses, which the lint reports, still give rules here: a diff shows what
    changed, not whether it is valid.
    """
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    rules: dict[str, None] = {}  # an ordered set
    for item in items:
        if item is not None:
            rules.update(dict.fromkeys(split_tool_rules(str(item))[0]))
    return list(rules)
