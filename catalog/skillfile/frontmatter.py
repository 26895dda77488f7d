"""The frontmatter block read as YAML (docs/skill-format.md §2): its fields with the
lines they sit on, refused whole when it is too large or not a mapping, and the plain
values YAML 1.1 silently reads as something other than text."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

import yaml

from catalog.skillfile.limits import FRONTMATTER_MAX_BYTES
from catalog.skillfile.results import _Problems
from catalog.skillfile.strict_yaml import _json_safe, _load_yaml, _yaml_problem
from catalog.skillfile.text import _column_of


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return "text"


@dataclass
class _Frontmatter:
    """The parsed block with where each top-level field sits in the file."""

    data: dict[str, Any]
    metadata: dict[str, Any]  # data as plain JSON types
    key_lines: dict[str, int]
    value_nodes: dict[str, yaml.Node]
    first_line: int  # file line of the block's first line


# Line breaks in YAML 1.1 (PyYAML) but ordinary characters in YAML 1.2 (Claude Code).
_LINE_SEPARATORS = re.compile("[\x85\u2028\u2029]")


def _read_frontmatter(block: str, problems: _Problems) -> _Frontmatter | None:
    first_line = 2
    size = len(block.encode("utf-8", "surrogatepass"))
    if size > FRONTMATTER_MAX_BYTES:
        problems.error(
            "frontmatter-too-large",
            f"The frontmatter is {size:,} bytes; the limit is {FRONTMATTER_MAX_BYTES:,}. "
            "It was not read: move long text into the body.",
            first_line,
        )
        return None
    separator = _LINE_SEPARATORS.search(block)
    if separator:
        index = separator.start()
        problems.error(
            "yaml-line-separator",
            f"The frontmatter holds U+{ord(separator.group()):04X}, which Skillhub's YAML reads "
            "as a line break and Claude Code's as a character, so the two would read different "
            "fields. It was not read: remove the character.",
            first_line + block.count("\n", 0, index),
            _column_of(block, index),
        )
        return None
    try:
        data, root = _load_yaml(block)
        if data is None or root is None:  # an empty block (no root), or only a null
            return _Frontmatter({}, {}, {}, {}, first_line)
        if not isinstance(data, dict):
            problems.error(
                "frontmatter-not-mapping",
                f"The frontmatter must be a list of 'field: value' lines, not {_describe(data)}.",
                first_line + root.start_mark.line,
            )
            return None
        key_lines, value_nodes = {}, {}
        for key_node, value_node in root.value:
            key_lines[key_node.value] = first_line + key_node.start_mark.line
            value_nodes[key_node.value] = value_node
        return _Frontmatter(data, _json_safe(data), key_lines, value_nodes, first_line)
    except Exception as error:  # any loader failure is the author's YAML, never a crash
        problems.append(_yaml_problem(error, first_line, block))
        return None


# Plain scalars YAML 1.1 turns into something other than what was typed.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_BOOL_WORDS = ("true", "false")


def _check_retyped(key: str, node: yaml.Node | None, first_line: int, problems: _Problems) -> None:
    """Warn once per unknown field whose plain values YAML silently changes type."""
    pending = [node] if node is not None else []
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            pending.extend(value for _, value in current.value)
        elif isinstance(current, yaml.ScalarNode) and not current.style:  # plain: None or ""
            reading = _retyped_as(current)
            if reading:
                problems.warning(
                    "yaml-retyped-value",
                    f"YAML reads {current.value!r} in `{key}` as {reading}, not as the text "
                    "you typed; quote it if you mean text.",
                    first_line + current.start_mark.line,
                    current.start_mark.column + 1,
                )
                return


def _retyped_as(node: yaml.ScalarNode) -> str | None:
    kind = node.tag.rsplit(":", 1)[-1]
    text = node.value
    if kind == "bool" and text.lower() not in _BOOL_WORDS:
        return "true/false"
    if kind == "int" and not _PLAIN_INT.fullmatch(text):
        return "a number"
    if kind == "float" and (":" in text or _float_text_changes(text)):
        return "a number"
    if kind == "timestamp":
        return "a date"
    return None


def _float_text_changes(text: str) -> bool:
    try:
        return repr(float(text.replace("_", ""))) != text
    except ValueError:
        return True
