"""The strict YAML loader (docs/skill-format.md §3 "YAML"): safe, core-schema YAML without
anchors, aliases, merge keys or duplicate keys, bounded in depth and size; its errors
as problems on the file's lines, and its values as plain JSON types."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, cast

import yaml

from catalog.skillfile.limits import NUMBER_MAX_CHARS
from catalog.skillfile.results import Problem
from catalog.skillfile.text import _column_of, _line_of

_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MAX_YAML_DEPTH = 50


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


if TYPE_CHECKING:
    from yaml._yaml import Mark as _LibyamlMark

    class _Loader(yaml.composer.Composer, yaml.constructor.SafeConstructor):
        """What _StrictRules finds in the loaders it is mixed into (a parser's events
        below the composer, the safe constructor above it); only mypy sees this class."""

        def __init__(self, stream: str) -> None: ...
        def peek_event(self) -> yaml.Event | None: ...
        def dispose(self) -> None: ...

else:
    _Loader = object


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that Skillhub refuses; `code` says which rule."""

    def __init__(self, code: str, problem: str, mark: yaml.Mark | _LibyamlMark | None) -> None:
        # Events from the C parser carry libyaml's Mark, which has the same fields as
        # PyYAML's; the error only reads them, though its stub allows PyYAML's alone.
        super().__init__(problem=problem, problem_mark=cast("yaml.Mark | None", mark))
        self.code = code


class _StrictRules(_Loader):
    """What a strict loader refuses: anchors, aliases, merge keys, duplicate or non-string
    keys, deep nesting, and any explicit tag beyond the core schema (so no !!binary,
    !!python/…, !local). Mixed into a loader ahead of its composer and constructor."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        # There is always an event here: the composer asks for a node only where one is.
        mark = event.start_mark if event is not None else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("yaml-alias", f"the alias *{event.anchor} is not allowed", mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused("yaml-anchor", f"the anchor &{anchor} is not allowed", mark)
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _CORE_TAGS:
            raise _Refused("yaml-tag", f"the tag {_short_tag(tag)} is not allowed", mark)
        # Refuse deep nesting before Python's recursion limit does, slowly.
        if self.depth >= _MAX_YAML_DEPTH:
            raise _Refused("yaml-too-deep", "values are nested too deeply", mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                raise _Refused(
                    "yaml-merge-key", "merge keys (<<) are not allowed", key_node.start_mark
                )
        super().flatten_mapping(node)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Hashable, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise _Refused("yaml-syntax", "expected a mapping", node.start_mark)
        self.flatten_mapping(node)
        mapping: dict[Hashable, Any] = {}  # of str keys only
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                problem = f"the key {key_node.value!r} is not text; quote it"
                raise _Refused("yaml-non-string-key", problem, key_node.start_mark)
            if key in mapping:
                problem = f"the key {key!r} appears twice"
                raise _Refused("yaml-duplicate-key", problem, key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # Base-60 integers (1:1:1:…) are built by repeated multiplication: a few KB give
        # an int of thousands of digits that JSON cannot write, and 1 MB takes minutes.
        if node.tag in _NUMBER_TAGS and len(node.value) > NUMBER_MAX_CHARS:
            problem = (
                f"value too large: a number of {len(node.value):,} characters "
                f"(at most {NUMBER_MAX_CHARS}); quote it if it is text"
            )
            raise _Refused("yaml-value-too-large", problem, node.start_mark)
        # A few implicit values are well-formed YAML but not constructible
        # (2024-02-30, an int of 5,000 digits); say where instead of crashing.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as error:
            raise _Refused("yaml-bad-value", str(error), node.start_mark) from None


class StrictLoader(_StrictRules, yaml.SafeLoader):
    """yaml.SafeLoader with the strict rules, all in Python."""


_LOADER: type[_StrictRules] = StrictLoader

if yaml.__with_libyaml__:
    from yaml._yaml import CParser  # what yaml.cyaml's loaders are built on

    class _FastStrictLoader(
        _StrictRules,
        yaml.composer.Composer,
        CParser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """The same rules with libyaml scanning and parsing (about four times faster).
        Composing stays in Python so the rules above still see every event."""

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _LOADER = _FastStrictLoader


def _load_yaml(
    block: str, loader_class: type[_StrictRules] | None = None
) -> tuple[Any, yaml.Node | None]:
    """The block's data and its root node; raises whatever the loader raises."""
    _refuse_deep_flow(block)
    loader = (loader_class or _LOADER)(block)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    finally:
        loader.dispose()
    return data, root


_FLOW_BRACKETS = re.compile(r"[\[\]{}]")


def _refuse_deep_flow(block: str) -> None:
    """Refuse [[[[… before a scanner sees it: PyYAML's scanner is quadratic in flow depth.
    Brackets inside quoted text count too, which only matters past 50 open ones."""
    depth = 0
    for bracket in _FLOW_BRACKETS.finditer(block):
        depth = depth + 1 if bracket.group() in "[{" else max(0, depth - 1)
        if depth > _MAX_YAML_DEPTH:
            index = bracket.start()
            line, column = _line_of(block, index) - 1, _column_of(block, index) - 1
            mark = yaml.Mark("<frontmatter>", index, line, column, None, 0)  # no snippet
            raise _Refused("yaml-too-deep", "values are nested too deeply", mark)


_YAML_HINT = " Quote a value that contains ': ' or starts with one of @ ` * & ! | > [ { % # ' \"."


_UNCLOSED_HINT = " Close it, or quote the whole value if the character is part of the text."
# What PyYAML says it was reading when a bracket or a quote was never closed.
_OPENED_BY = {
    "while parsing a flow sequence": "[",
    "while parsing a flow mapping": "{",
    "while scanning a quoted scalar": None,  # the quote at the mark: ' or "
}


def _unclosed(error: yaml.MarkedYAMLError, block: str) -> str | None:
    """The bracket or quote, shown quoted (`"["`), that an error says was never closed;
    None for any other error."""
    opener = _OPENED_BY.get(error.context or "", "")
    mark = error.context_mark
    if opener == "" or mark is None:
        return None
    if opener is None:
        opener = block[mark.index] if mark.index < len(block) else '"'
    return "'\"'" if opener == '"' else f'"{opener}"'


def _yaml_problem(error: Exception, first_line: int, block: str) -> Problem:
    """The YAML error as a problem on the line of the file (not of the block)."""
    if isinstance(error, _Refused):
        mark = error.problem_mark
        message = f"The frontmatter uses YAML that Skillhub refuses: {error.problem}."
        line = first_line + mark.line if mark else first_line
        return Problem("error", error.code, message, line, mark.column + 1 if mark else None)
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        opened = error.context_mark
        if opened is not None and (opener := _unclosed(error, block)):
            # At the opening: where the fix goes, not where YAML gave up.
            line = first_line + opened.line
            message = (
                f"The frontmatter is not valid YAML: unclosed {opener} opened on line {line}."
                f"{_UNCLOSED_HINT}"
            )
            return Problem("error", "yaml-unclosed", message, line, opened.column + 1)
        what = "; ".join(part for part in (error.context, error.problem) if part)
        message = f"The frontmatter is not valid YAML: {what}.{_YAML_HINT}"
        line = first_line + mark.line if mark else first_line
        return Problem("error", "yaml-syntax", message, line, mark.column + 1 if mark else None)
    if isinstance(error, yaml.reader.ReaderError):
        message = f"The frontmatter holds U+{error.character:04X}, a character YAML does not allow."
        line = first_line + block.count("\n", 0, error.position)
        return Problem(
            "error", "yaml-bad-character", message, line, _column_of(block, error.position)
        )
    if isinstance(error, RecursionError):
        message = "The frontmatter is nested too deeply to read."
        return Problem("error", "yaml-too-deep", message, first_line, None)
    message = f"The frontmatter could not be read as YAML ({type(error).__name__}: {error})."
    return Problem("error", "yaml-syntax", message, first_line, None)


def _json_safe(value: Any) -> Any:
    """Parsed YAML as plain JSON types: dates become ISO strings, inf and nan strings."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return str(value)
