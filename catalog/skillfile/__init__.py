"""The skill file: parse, normalise, validate, lint, expand placeholders.

Pure Python: imports no Django. docs/skill-format.md is the spec; its §7 lists the limits.

Public interface (models, views, commands and tests rely on these names):

    KINDS                               ("command", "skill", "agent", "output-style")
    MAX_FILE_BYTES                      1 MiB
    Problem(severity, code, message, line, column=None)   .as_dict()
    SkillFile                           the parse result, see below
    decode(data: bytes) -> tuple[str | None, list[Problem]]
    normalise(text: str) -> str         strip one BOM, CRLF/CR -> LF
    parse(data: str | bytes, kind="command", name=None, profile="claude-code") -> SkillFile
    stored(text, kind, name, metadata) -> SkillFile      a stored file's body, without parsing
    is_valid_name(kind, name) -> bool
    slash_name(kind, name) -> str       "/frontend:component", "/deploy", "" for agents/styles
    bundle_path(kind, name) -> str      ".claude/commands/frontend/component.md" ...
    locate(path: str) -> tuple[kind, name | None] | None   kind and name from a file path
    find_collisions(items) -> list[tuple[command name, skill name]]
    claude_builtins() -> dict           catalog/claude_builtins.json: what Claude Code brings
    builtin_name(kind, name) -> str | None   "skill"/"command" if /name is one of Claude Code's
    expand(skill: SkillFile, arguments: str) -> str        the prompt Claude Code would send
    expand_bounded(skill, arguments, limit) -> (str, bool) the same, cut at `limit`, and if it was

Lines and columns in problems are 1-based and count lines of the normalised text,
which has the same lines as the original (CRLF and lone CR each end one line).
"""

from __future__ import annotations

import datetime
import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KINDS = ("command", "skill", "agent", "output-style")
PROFILES = ("claude-code", "portable")
MAX_FILE_BYTES = 1024 * 1024

DESCRIPTION_MAX = 1024
FRONTMATTER_MAX_BYTES = 64 * 1024  # Claude Code's own fields fit in a few hundred bytes
NUMBER_MAX_CHARS = 32  # a YAML number longer than this is an error, never a huge int
PROBLEMS_PER_CODE = 50
MESSAGE_MAX = 400
PROMPT_MAX_CHARS = 256 * 1024  # what try-it shows of an expanded prompt
LISTING_MAX = 1536  # Claude Code cuts description + when_to_use here in its skill listing
COMPATIBILITY_MAX = 500
SKILL_NAME_MAX = 64
COMMAND_MAX_SEGMENTS = 6
COMMAND_NAME_MAX = 200

# What claude.ai uploads and the Skills API accept in a SKILL.md (docs/skill-format.md §2).
PORTABLE_FIELDS = frozenset(
    {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
)


# -- results ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning" | "info"
    code: str  # stable kebab-case identifier
    message: str
    line: int  # 1-based, in the original file
    column: int | None = None  # 1-based

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


@dataclass
class SkillFile:
    kind: str
    name: str | None
    profile: str
    text: str
    has_frontmatter: bool = False
    frontmatter: str = ""
    metadata: dict = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    @property
    def result(self) -> str:
        severities = {problem.severity for problem in self.problems}
        if "error" in severities:
            return "error"
        if "warning" in severities:
            return "warning"
        return "ok"

    @property
    def description(self) -> str:
        value = self.metadata.get("description")
        return value if isinstance(value, str) else ""

    @property
    def argument_names(self) -> list[str]:
        return _argument_names(self.metadata.get("arguments"))


class _Problems(list):
    """The problems of one file, collected in any order and sorted at the end.

    What one file can produce is bounded, whatever its size: a message quotes at most
    MESSAGE_MAX characters of the file, and each code is listed PROBLEMS_PER_CODE times
    at most, then summed up in one more problem ("and 4,812 more like this").
    """

    def __init__(self):
        super().__init__()
        self.counts: dict[str, int] = {}  # problems added per code, kept or not

    def add(self, severity: str, code: str, message: str, line: int, column: int | None = None):
        # Past one more than the listed number (the first left out marks where the
        # summary goes), a problem is only counted: 6,000 unknown fields make 51 objects.
        count = self.counts[code] = self.counts.get(code, 0) + 1
        if count > PROBLEMS_PER_CODE + 1:
            return
        if len(message) > MESSAGE_MAX:  # a quoted rule or command can be a whole line
            message = f"{message[: MESSAGE_MAX - 120]} … {message[-100:]}"
        self.append(Problem(severity, code, message, max(1, line), column))

    def error(self, code: str, message: str, line: int, column: int | None = None):
        self.add("error", code, message, line, column)

    def warning(self, code: str, message: str, line: int, column: int | None = None):
        self.add("warning", code, message, line, column)

    def info(self, code: str, message: str, line: int, column: int | None = None):
        self.add("info", code, message, line, column)

    def in_order(self) -> list[Problem]:
        ordered = sorted(self, key=lambda problem: (problem.line, problem.column or 0))
        listed: dict[str, int] = {}
        kept: list[Problem] = []
        for problem in ordered:
            count = listed[problem.code] = listed.get(problem.code, 0) + 1
            if count <= PROBLEMS_PER_CODE:
                kept.append(problem)
            elif count == PROBLEMS_PER_CODE + 1:  # the first left out: the summary's place
                appended = sum(other.code == problem.code for other in self)
                total = max(self.counts.get(problem.code, 0), appended)
                kept.append(_more_like_this(problem, total - PROBLEMS_PER_CODE))
        return sorted(kept, key=lambda problem: (problem.line, problem.column or 0))


def _more_like_this(first: Problem, more: int) -> Problem:
    message = (
        f"…and {more:,} more `{first.code}` problems from this line on; only the first "
        f"{PROBLEMS_PER_CODE} of each kind are listed."
    )
    return Problem(first.severity, first.code, message, first.line, first.column)


# -- names and paths (§1) ---------------------------------------------------

_COMMAND_NAME = re.compile(r"[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*")
_SKILL_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
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
    return json.loads(BUILTINS_FILE.read_text(encoding="utf-8"))


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


# -- bytes and text (§3 "File") ---------------------------------------------


def decode(data: bytes) -> tuple[str | None, list[Problem]]:
    """The text of `data` as strict UTF-8, or None and an error saying where it breaks."""
    data = bytes(data)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        column = len(before[line_start:].decode("utf-8", "replace")) + 1
        hint = ""
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = " It looks like UTF-16; save it as UTF-8."
        message = f"The file is not valid UTF-8 (byte {error.start + 1} cannot be decoded).{hint}"
        return None, [Problem("error", "invalid-utf8", message, _count_lines(before), column)]


def _count_lines(data: bytes) -> int:
    """The 1-based line at the end of `data`, counting CRLF, LF and lone CR as line ends."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1


def normalise(text: str) -> str:
    """Strip one leading BOM; CRLF and lone CR become LF. Nothing else changes."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _column_of(text: str, index: int) -> int:
    return index - (text.rfind("\n", 0, index) + 1) + 1


# -- strict YAML (§3 "YAML") ------------------------------------------------

_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MAX_YAML_DEPTH = 50


def _short_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!", 1)


class _Refused(yaml.MarkedYAMLError):
    """Valid YAML that Skillhub refuses; `code` says which rule."""

    def __init__(self, code: str, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)
        self.code = code


class _StrictRules:
    """What a strict loader refuses: anchors, aliases, merge keys, duplicate or non-string
    keys, deep nesting, and any explicit tag beyond the core schema (so no !!binary,
    !!python/…, !local). Mixed into a loader ahead of its composer and constructor."""

    depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise _Refused("yaml-alias", f"the alias *{event.anchor} is not allowed", mark)
        if getattr(event, "anchor", None) is not None:
            raise _Refused("yaml-anchor", f"the anchor &{event.anchor} is not allowed", mark)
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

    def flatten_mapping(self, node):
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                raise _Refused(
                    "yaml-merge-key", "merge keys (<<) are not allowed", key_node.start_mark
                )
        super().flatten_mapping(node)

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            raise _Refused("yaml-syntax", "expected a mapping", node.start_mark)
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
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

    def construct_object(self, node, deep=False):
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


_LOADER: type = StrictLoader

if yaml.__with_libyaml__:

    class _FastStrictLoader(
        _StrictRules,
        yaml.composer.Composer,
        yaml.cyaml.CParser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """The same rules with libyaml scanning and parsing (about four times faster).
        Composing stays in Python so the rules above still see every event."""

        def __init__(self, stream: str):
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    _LOADER = _FastStrictLoader


def _load_yaml(block: str, loader_class: type | None = None) -> tuple[Any, yaml.Node | None]:
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
            mark = yaml.Mark("<frontmatter>", index, line, column, None, None)
            raise _Refused("yaml-too-deep", "values are nested too deeply", mark)


_YAML_HINT = " Quote a value that contains ': ' or starts with one of @ ` * & ! | > [ { % # ' \"."


def _yaml_problem(error: Exception, first_line: int, block: str) -> Problem:
    """The YAML error as a problem on the line of the file (not of the block)."""
    if isinstance(error, _Refused):
        mark = error.problem_mark
        message = f"The frontmatter uses YAML that Skillhub refuses: {error.problem}."
        return Problem("error", error.code, message, first_line + mark.line, mark.column + 1)
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
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


# -- frontmatter fences (§2, §3 "Fences") -----------------------------------

_FENCE = re.compile(r"---[ \t]*")
_CLOSING_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)
_MISPLACED_FENCE = re.compile(r"(?:[ \t\ufeff]*\n)*([ \t\ufeff]*)---[ \t]*(?:\n|$)")


@dataclass
class _Parts:
    has_frontmatter: bool
    frontmatter: str
    body: str
    body_line: int


def _split(text: str, problems: _Problems) -> _Parts:
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    if not _FENCE.fullmatch(first_line):
        misplaced = _MISPLACED_FENCE.match(text)
        if misplaced:
            problems.warning(
                "misplaced-frontmatter-fence",
                "This --- looks like a frontmatter fence, but frontmatter must start on line 1 "
                "with no spaces before it; the whole file is read as body.",
                _line_of(text, misplaced.start(1)),
            )
        return _Parts(False, "", text, 1)
    closing = _CLOSING_FENCE.search(text, first_end + 1) if first_end >= 0 else None
    if closing is None:
        problems.error(
            "unclosed-frontmatter",
            "The frontmatter opened on line 1 is never closed: add a line holding only --- "
            "after the fields ('...' and '--- text' do not close it).",
            1,
        )
        return _Parts(False, "", text, 1)
    body_start = closing.end() + 1 if closing.end() < len(text) else closing.end()
    closing_line = _line_of(text, closing.start())
    return _Parts(True, text[first_end + 1 : closing.start()], text[body_start:], closing_line + 1)


def _check_early_end(frontmatter: str, problems: _Problems) -> None:
    """Claude Code ends the frontmatter at the first `---` after the opening line, even in
    the middle of a line or a quoted value (its pattern does not anchor the closing fence):
    it reads only the YAML before it and sends the rest of the frontmatter as prompt text.
    That is an error when the YAML before it does not parse (Claude Code refuses the file),
    a warning otherwise (the file works, but not as written)."""
    index = frontmatter.find("---")
    if index < 0:
        return
    before = frontmatter[:index]
    refused = len(before.encode("utf-8", "surrogatepass")) <= FRONTMATTER_MAX_BYTES and not (
        _parses(before)
    )
    consequence = (
        "what comes before it is not valid YAML, so Claude Code refuses the file"
        if refused
        else "it reads only the fields before it and sends the rest of the frontmatter as "
        "part of the prompt"
    )
    problems.add(
        "error" if refused else "warning",
        "dashes-in-frontmatter",
        f"Claude Code ends the frontmatter at this ---, even inside a line or a quoted value: "
        f"{consequence}. Write the dashes another way (— or - -).",
        2 + frontmatter.count("\n", 0, index),
        _column_of(frontmatter, index),
    )


def _parses(block: str) -> bool:
    try:
        _load_yaml(block)
    except Exception:  # any loader failure: Claude Code's lenient reader fails on these too
        return False
    return True


# -- fields (§2) ------------------------------------------------------------


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


def _is_rules(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)
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


_TEXT = "text"
_RULES = "a string of tool rules or a list of non-empty strings"
_STRS = "a string or a list of strings"
_BOOL = "true or false"
_SKILL = ("skill",)
_AGENT = ("agent",)
_STYLE = ("output-style",)

_FIELDS: dict[str, _Field] = {
    "description": _Field(KINDS, _is_str, _TEXT),
    "name": _Field(KINDS, _is_str, _TEXT),
    "version": _Field(KINDS, _is_str, _TEXT),
    # The Agent Skills place for an author's own data; harmless on any kind.
    "metadata": _Field(KINDS, _is_str_map, "a mapping of text keys to text values"),
    "argument-hint": _Field(("command", "skill"), _is_str, _TEXT),
    "allowed-tools": _Field(("command", "skill"), _is_rules, _RULES),
    "arguments": _Field(("command", "skill"), _is_str_or_strs, _STRS),
    "model": _Field(("command", "skill", "agent"), _is_str, _TEXT),
    "disable-model-invocation": _Field(("command", "skill"), _is_bool, _BOOL),
    "disallowed-tools": _Field(_SKILL, _is_rules, _RULES),
    "user-invocable": _Field(_SKILL, _is_bool, _BOOL),
    "when_to_use": _Field(_SKILL, _is_str, _TEXT),
    "license": _Field(_SKILL, _is_str, _TEXT),
    "compatibility": _Field(_SKILL, _is_str, _TEXT),
    "context": _Field(_SKILL, _is_str, _TEXT),
    "agent": _Field(_SKILL, _is_str, _TEXT),
    "paths": _Field(_SKILL, _is_str_or_strs, _STRS),
    # Claude Code refuses any shell but bash and powershell, on commands as on skills.
    "shell": _Field(("command", "skill"), _is_str, _TEXT),
    # Claude Code documents these three for subagents as well as skills.
    "background": _Field(("skill", "agent"), _is_bool, _BOOL),
    "effort": _Field(("skill", "agent"), _is_str, _TEXT),
    "hooks": _Field(("skill", "agent"), _is_mapping, "a mapping"),
    "tools": _Field(_AGENT, _is_rules, _RULES),
    "disallowedTools": _Field(_AGENT, _is_rules, _RULES),
    "permissionMode": _Field(_AGENT, _is_str, _TEXT),
    "maxTurns": _Field(_AGENT, _is_int, "a whole number"),
    "skills": _Field(_AGENT, _is_str_or_strs, _STRS),
    "mcpServers": _Field(_AGENT, _is_list_or_mapping, "a list or a mapping"),
    "memory": _Field(_AGENT, _is_str, _TEXT),
    "color": _Field(_AGENT, _is_str, _TEXT),
    "isolation": _Field(_AGENT, _is_str, _TEXT),
    "initialPrompt": _Field(_AGENT, _is_str, _TEXT),
    "keep-coding-instructions": _Field(_STYLE, _is_bool, _BOOL),
    "force-for-plugin": _Field(_STYLE, _is_bool, _BOOL),
}

_MODELS = ("sonnet", "opus", "haiku", "inherit")
_SHELLS = ("bash", "powershell")  # compared trimmed and lowercased, as Claude Code does
# Fields Claude Code type-checks on every kind, even on those where it does not use them.
_TYPED_ON_EVERY_KIND = {"allowed-tools": _Field(KINDS, _is_str_or_strs, _STRS)}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
        if data is None:
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


def _validate_fields(
    front: _Frontmatter, kind: str, name: str | None, profile: str, problems: _Problems
) -> None:
    portable = profile == "portable" and kind == "skill"
    for key, value in front.data.items():
        line = front.key_lines.get(key, front.first_line)
        spec = _FIELDS.get(key)
        known = spec is not None and kind in spec.kinds
        if portable and key not in PORTABLE_FIELDS:
            problems.error(
                "not-portable",
                f"The field `{key}` is not part of the Agent Skills format; claude.ai and the "
                "Skills API refuse it.",
                line,
            )
        elif not known:
            problems.warning(
                "unknown-field", f"Claude Code ignores the field `{key}` on a {kind}.", line
            )
            _check_retyped(key, front.value_nodes.get(key), front.first_line, problems)
            _check_type_on_every_kind(key, value, kind, line, problems)
        if known and value is not None:
            _check_field(key, value, spec, kind, name, line, front, problems)
        elif known and key != "description":
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


def _check_type_on_every_kind(key: str, value: Any, kind: str, line: int, problems: _Problems):
    spec = _TYPED_ON_EVERY_KIND.get(key)
    if spec is not None and value is not None and not spec.check(value):
        problems.error(
            "field-type",
            f"The field `{key}` must be {spec.expected}, but YAML reads {_describe(value)}; "
            f"Claude Code refuses that even on a {kind}, which does not use the field.",
            line,
        )


def _check_field(key, value, spec, kind, name, line, front, problems: _Problems) -> None:
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


def _check_name_field(value: str, *, kind, name, line, problems: _Problems, **_) -> None:
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


def _check_description_length(value: str, *, line, problems: _Problems, **_) -> None:
    if len(value) > DESCRIPTION_MAX:
        problems.error(
            "description-too-long",
            f"The description is {len(value):,} characters; the limit is {DESCRIPTION_MAX:,}.",
            line,
        )


def _check_compatibility(value: str, *, line, problems: _Problems, **_) -> None:
    if not 1 <= len(value) <= COMPATIBILITY_MAX:
        problems.error(
            "compatibility-length",
            f"`compatibility` must be 1-{COMPATIBILITY_MAX} characters; it is {len(value):,}.",
            line,
        )


def _check_model(value: str, *, line, problems: _Problems, **_) -> None:
    if value not in _MODELS and not value.startswith("claude-"):
        problems.warning(
            "unknown-model",
            f"Claude Code may not know the model {value!r}; use sonnet, opus, haiku, inherit "
            "or a full name starting with claude-.",
            line,
        )


def _check_arguments(value, *, line, problems: _Problems, **_) -> None:
    for argument in _argument_names(value):
        if not _IDENTIFIER.fullmatch(argument):
            problems.warning(
                "bad-argument-name",
                f"The argument name {argument!r} cannot be used as a $name placeholder; use "
                "letters, digits and '_'.",
                line,
            )


def _check_max_turns(value: int, *, line, problems: _Problems, **_) -> None:
    if value < 1:
        problems.error("field-value", "`maxTurns` must be 1 or more.", line)


def _check_shell_field(value: str, *, line, problems: _Problems, **_) -> None:
    if value.strip().lower() not in _SHELLS:
        problems.error(
            "unknown-shell",
            f"`shell` must be bash or powershell; Claude Code refuses {value[:64]!r}.",
            line,
        )


def _check_tool_field(value, *, key, line, front, problems: _Problems, **_) -> None:
    for rule, rule_line in _rules_with_lines(value, front.value_nodes.get(key), line, front):
        _check_rule(rule, key, rule_line, problems)


_FIELD_RULES: dict[str, Callable[..., None]] = {
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


def _argument_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


# Plain scalars YAML 1.1 turns into something other than what was typed.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_BOOL_WORDS = ("true", "false")


def _check_retyped(key: str, node: yaml.Node | None, first_line: int, problems: _Problems):
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


# -- allowed-tools rules (§4) -----------------------------------------------

_BUILTIN_TOOLS = frozenset(
    {
        "Agent",
        "Artifact",
        "AskUserQuestion",
        "Bash",
        "Edit",
        "EnterPlanMode",
        "EnterWorktree",
        "ExitPlanMode",
        "ExitWorktree",
        "Glob",
        "Grep",
        "ListMcpResourcesTool",
        "LSP",
        "NotebookEdit",
        "PowerShell",
        "Read",
        "ReadMcpResourceTool",
        "Skill",
        "TodoWrite",
        "ToolSearch",
        "WebFetch",
        "WebSearch",
        "Write",
        # legacy names still seen in the wild
        "BashOutput",
        "KillBash",
        "KillShell",
        "MultiEdit",
        "NotebookRead",
        "SlashCommand",
        "Task",
    }
)
_TOOL_FAMILY = re.compile(r"(?:Task|Cron)[A-Z][A-Za-z]*")
_MCP_TOOL = re.compile(r"mcp__[A-Za-z0-9_.-]+(?:__\*)?")
_RULE = re.compile(r"(?P<tool>[^()\s,]+)(?:\((?P<spec>.*)\))?", re.DOTALL)
_ALLOW_FIELDS = ("allowed-tools", "tools")


def _split_rules(text: str) -> tuple[list[str], bool]:
    """Rules separated by commas or whitespace outside parentheses; and whether the
    parentheses balance."""
    rules: list[str] = []
    current: list[str] = []
    depth = 0
    balanced = True
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                balanced, depth = False, 0
        if depth == 0 and (char == "," or char.isspace()):
            if current:
                rules.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        rules.append("".join(current))
    return rules, balanced and depth == 0


def _rules_with_lines(value, node, line: int, front: _Frontmatter) -> list[tuple[str, int]]:
    """Each rule text (unsplit) with the file line of its list item or of the field."""
    if isinstance(value, str):
        return [(value, line)]
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    lines = [front.first_line + item.start_mark.line for item in items]
    return [
        (item, lines[index] if index < len(lines) else line) for index, item in enumerate(value)
    ]


def _check_rule(text: str, key: str, line: int, problems: _Problems) -> None:
    rules, balanced = _split_rules(text)
    if not balanced:
        problems.error(
            "unbalanced-parentheses",
            f"The parentheses in `{key}` do not balance: {text.strip()!r}.",
            line,
        )
        return
    for rule in rules:
        match = _RULE.fullmatch(rule)
        if not match:
            problems.warning(
                "malformed-tool-rule", f"{rule!r} is not a rule of the form Tool(specifier).", line
            )
            continue
        tool, spec = match["tool"], match["spec"]
        if not _is_known_tool(tool):
            problems.warning(
                "unknown-tool",
                f"{tool!r} is not a Claude Code tool name; check the spelling.",
                line,
            )
        elif tool == "Bash":
            _check_bash_rule(spec, key, line, problems)


def _is_known_tool(tool: str) -> bool:
    return (
        tool in _BUILTIN_TOOLS
        or _TOOL_FAMILY.fullmatch(tool) is not None
        or _MCP_TOOL.fullmatch(tool) is not None
    )


def _check_bash_rule(spec: str | None, key: str, line: int, problems: _Problems) -> None:
    if _is_unrestricted(spec):
        if key in _ALLOW_FIELDS:
            problems.warning(
                "unrestricted-bash",
                f"`{key}` allows every shell command without asking; name the commands, "
                "e.g. Bash(git status:*).",
                line,
            )
        return
    if ":*" in spec and not spec.endswith(":*"):
        problems.warning(
            "misplaced-colon-star",
            f"Bash({spec}) never matches: ':*' only works at the end of the rule.",
            line,
        )
    elif spec.endswith("*") and not spec.endswith((":*", " *")):
        problems.info(
            "wildcard-without-space",
            f"Bash({spec}) also matches longer words ({spec[:-1]!r} followed by anything); "
            f"write Bash({spec[:-1].rstrip()} *) to match whole words only.",
            line,
        )


def _is_unrestricted(spec: str | None) -> bool:
    return spec is None or spec.strip() in ("", "*")


_PREFIX_END = ""  # marks the end of a prefix in _ShellPolicy's trie (no char is "")


class _ShellPolicy:
    """The shell commands `allowed-tools` lets run without asking, matched the way
    Claude Code matches Bash rules: `prefix:*`, globs with `*`, or the exact command.

    Matching is bounded: a glob costs at most len(rule) * len(command) steps, and one
    file gets a fixed budget of such steps, so a hostile file cannot stall a request.
    """

    GLOB_BUDGET = 2_000_000

    def __init__(self, specs: Iterable[str | None]):
        self.unrestricted = False
        self.exact: set[str] = set()
        # `prefix:*` rules as a trie of characters, so a command is checked against all
        # of them in one walk of at most its own length (800 rules of different
        # lengths cost 800 slices per shell line before).
        self.prefixes: dict = {}
        self.globs: list[str] = []
        self.budget = self.GLOB_BUDGET
        for spec in specs:
            self._add(spec)

    def _add(self, spec: str | None) -> None:
        if _is_unrestricted(spec):
            self.unrestricted = True
        elif spec.endswith(":*"):
            node = self.prefixes
            for char in spec[:-2]:
                node = node.setdefault(char, {})
            node[_PREFIX_END] = True
        elif "*" in spec:
            self.globs.append(spec)
            if spec.endswith(" *"):  # `Bash(ls *)` also allows plain `ls`
                self.exact.add(spec[:-2])
        else:
            self.exact.add(spec)

    def allows(self, command: str) -> bool:
        if self.unrestricted or command in self.exact:
            return True
        if self._has_prefix_rule(command):
            return True
        return any(self._glob_allows(pattern, command) for pattern in self.globs)

    def _has_prefix_rule(self, command: str) -> bool:
        node = self.prefixes
        for char in command:
            if _PREFIX_END in node:
                return True
            node = node.get(char)
            if node is None:
                return False
        return _PREFIX_END in node

    def _glob_allows(self, pattern: str, command: str) -> bool:
        cost = len(pattern) * (len(command) + 1)
        if cost > self.budget:  # out of budget: leave the line to a reviewer
            return False
        self.budget -= cost
        return _glob_match(pattern, command)


def _shell_policy(front: _Frontmatter | None) -> _ShellPolicy:
    """What `allowed-tools` grants to Bash; rules with unbalanced parentheses grant nothing."""
    value = front.data.get("allowed-tools") if front else None
    texts = [] if not _is_rules(value) else [value] if isinstance(value, str) else value
    specs: list[str | None] = []
    for text in texts:
        rules, balanced = _split_rules(text)
        for rule in rules if balanced else []:
            match = _RULE.fullmatch(rule)
            if match and match["tool"] == "Bash":
                specs.append(match["spec"])
    return _ShellPolicy(specs)


def _glob_match(pattern: str, text: str) -> bool:
    """`*` matches any run of characters. Backtracks only to the last star, so the cost is
    at most len(pattern) * len(text), unlike a regex built from the pattern."""
    p = t = 0
    star, resume = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, resume = p, t
            p += 1
        elif p < len(pattern) and pattern[p] == text[t]:
            p += 1
            t += 1
        elif star >= 0:
            p, resume = star + 1, resume + 1
            t = resume
        else:
            return False
    return pattern[p:].strip("*") == ""


# -- lint (§3 "Lint") ---------------------------------------------------------

_SHELL_INLINE = re.compile(r"(?<!\S)!`([^`\n]+)`")
_SHELL_FENCE = re.compile(r"[ \t]*```!")
_FENCE_END = re.compile(r"[ \t]*```")
_CODE_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_DOWNLOAD = re.compile(r"\b(?:curl|wget)\b")
# Every pattern here sees user text, so each runs in linear time: quantifiers are
# possessive, and a run that could span the start of the next attempt (sudo's flags
# before another `|`) cannot, so no character is scanned by more than one attempt.
_PIPE_INTO_SHELL = re.compile(
    r"\|\s*+(?:sudo\s++(?:-[^\s|]++\s++)*+)?"
    r"(?:(?:ba|z|k|da|fi)?sh|python[0-9.]*+|perl|ruby|node)\b"
)
_PROCESS_OF_DOWNLOAD = re.compile(r"<\(\s*+(?:curl|wget)\b")
_SHELL_WORD = re.compile(r"(?<!\w)(?:ba|z)?sh\Z")
_WORD = re.compile(r"\S++")
_POSITIONAL_ONE = re.compile(r"(?<!\\)\$1(?!\d)")
_FIRST_ARGUMENT = re.compile(r"\b(?:first|1st)\s+(?:argument|arg|parameter|param)", re.IGNORECASE)
_INVISIBLE = re.compile("[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_JOINERS = "\u200c\u200d"


def _lint_body(
    body: str, first_line: int, kind: str, shell: _ShellPolicy, problems: _Problems
) -> None:
    runs_shell = kind in ("command", "skill")
    code_fence: str | None = None  # the opening marker while inside a fenced code block
    shell_fence = False
    for offset, line in enumerate(body.split("\n")):
        number = first_line + offset
        if shell_fence:
            if _FENCE_END.match(line):
                shell_fence = False
            elif line.strip():
                _check_shell(line.strip(), shell, number, problems)
            continue
        if runs_shell and _SHELL_FENCE.match(line):
            shell_fence = True
            continue
        if runs_shell and "!`" in line:
            for match in _SHELL_INLINE.finditer(line):
                _check_shell(match[1].strip(), shell, number, problems, match.start() + 1)
        if ("curl" in line or "wget" in line) and _pipes_download_to_shell(line):
            problems.warning(
                "pipe-to-shell",
                "This line pipes a download straight into a shell; a reviewer cannot see "
                "what would run.",
                number,
            )
        code_fence = _track_code_fence(line, code_fence)
        if code_fence is None and "<!--" in line and _has_visible_comment(line):
            problems.warning(
                "html-comment",
                "An HTML comment is hidden when the markdown is rendered, but the model reads "
                "it; make the text visible or remove it.",
                number,
            )


def _pipes_download_to_shell(line: str) -> bool:
    download = _DOWNLOAD.search(line)
    if download and _PIPE_INTO_SHELL.search(line, download.end()):
        return True
    return "<(" in line and _shell_of_download(line)


def _shell_of_download(line: str) -> bool:
    """`bash -x <(curl …)`: a shell word, its flags, then a download in `<(…)`.

    One pass over the words: a regex for this retries the flag run from every `sh`
    inside `-sh -sh -sh…`, which is quadratic in the line.
    """
    after_shell = False
    for word in _WORD.finditer(line):
        text = word.group()
        if after_shell and text.startswith("<(") and _PROCESS_OF_DOWNLOAD.match(line, word.start()):
            return True
        if after_shell and text.startswith("-"):
            continue  # a flag of the shell
        # Only the word's last four characters can hold the shell's name.
        tail = max(0, word.end() - 4)
        after_shell = text.endswith("sh") and _SHELL_WORD.search(line, tail, word.end()) is not None
    return False


def _has_visible_comment(line: str) -> bool:
    """Whether `<!--` occurs outside inline code spans (a code span shows it as text)."""
    outside: list[str] = []
    position, opener = 0, ""
    for run in _BACKTICKS.finditer(line):
        if not opener:
            outside.append(line[position : run.start()])
            opener, position = run.group(), run.start()
        elif run.group() == opener:
            opener, position = "", run.end()
    outside.append(line[position:])  # the rest, or an opener that never closes (plain text)
    return any("<!--" in part for part in outside)


def _track_code_fence(line: str, fence: str | None) -> str | None:
    """The open code-fence marker after `line` (None outside a fenced block)."""
    match = _CODE_FENCE.match(line)
    if fence is None:
        return match[1] if match else None
    closes = match and match[1][0] == fence[0] and len(match[1]) >= len(fence)
    if closes and not line[match.end() :].strip():
        return None
    return fence


def _check_shell(
    command: str, shell: _ShellPolicy, line: int, problems: _Problems, column=None
) -> None:
    if shell.allows(command):
        return
    problems.warning(
        "shell-not-allowed",
        f"`{command}` runs in a shell before the prompt is sent, but no Bash(...) rule in "
        "allowed-tools matches it.",
        line,
        column,
    )


def _lint_positional_prose(text: str, body: str, body_line: int, problems: _Problems) -> None:
    positional = _POSITIONAL_ONE.search(body)
    if positional and _FIRST_ARGUMENT.search(text):
        problems.warning(
            "one-based-argument",
            "$1 is the second argument now ($0 is the first), but the text speaks of a "
            "'first argument'; use $0 or $ARGUMENTS[0] if you mean the first.",
            body_line + body.count("\n", 0, positional.start()),
            _column_of(body, positional.start()),
        )


def _lint_invisible(text: str, name_line: int | None, problems: _Problems) -> None:
    """Zero-width and bidi control characters can hide or reorder instructions."""
    line, position, reported = 1, 0, set()
    for match in _INVISIBLE.finditer(text):
        index = match.start()
        line += text.count("\n", position, index)
        position = index
        if line in reported or _is_joining_script(text, index):
            continue
        reported.add(line)
        char = match.group()
        label = unicodedata.name(char, "invisible character")
        in_name = line == name_line
        problems.add(
            "error" if in_name else "warning",
            "invisible-character",
            f"Invisible character U+{ord(char):04X} ({label.lower()})"
            + (" in the name." if in_name else "; it can hide or reorder text a reviewer reads."),
            line,
            _column_of(text, index),
        )


def _is_joining_script(text: str, index: int) -> bool:
    """ZWJ and ZWNJ between two non-ASCII letters or symbols are ordinary writing
    (emoji sequences, Persian, Indic scripts), not hidden text."""
    if text[index] not in _JOINERS or index == 0 or index + 1 >= len(text):
        return False
    before, after = text[index - 1], text[index + 1]
    return all(ord(char) > 0x7F and not char.isspace() for char in (before, after))


# -- parse --------------------------------------------------------------------


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
        except Exception as error:  # a bug here must not take the caller down
            problems.error(
                "internal-error",
                f"Skillhub could not check this file ({type(error).__name__}); please report it.",
                1,
            )
    skill.problems = problems.in_order()
    return skill


def _read_text(data: object, problems: _Problems) -> tuple[str, bool]:
    """The normalised text, and whether it is fit to analyse further."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        too_large = len(data) > MAX_FILE_BYTES
        size = len(data)
        text, decode_problems = decode(data)
        problems.extend(decode_problems)
    elif isinstance(data, str):
        text, size = _check_surrogates(data, problems)
        too_large = size > MAX_FILE_BYTES
    else:
        problems.error("not-text", f"Expected text or bytes, got {type(data).__name__}.", 1)
        return "", False
    if text is None:
        return "", False
    text = normalise(text)
    if too_large:
        problems.error(
            "file-too-large",
            f"The file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}.",
            1,
        )
        return text, False
    nul = text.find("\x00")
    if nul >= 0:
        problems.error(
            "nul-character",
            "The file contains a NUL character, so it is not a text file.",
            _line_of(text, nul),
            _column_of(text, nul),
        )
    return text, True


def _check_surrogates(text: str, problems: _Problems) -> tuple[str | None, int]:
    if len(text) > MAX_FILE_BYTES:  # at least one byte per character: no need to encode
        return text, len(text)
    try:
        return text, len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        problems.error(
            "lone-surrogate",
            "The text holds a lone surrogate, which is not valid UTF-8.",
            _line_of(text, error.start),
            _column_of(text, error.start),
        )
        return None, 0


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


def stored(text: str, kind: str, name: str | None, metadata: dict) -> SkillFile:
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
    if kind in KINDS:
        return kind
    problems.error("unknown-kind", f"Unknown kind {kind!r}; checked as a command.", 1)
    return "command"


# -- placeholders (§5) ------------------------------------------------------
#
# What Claude Code does with a command or skill file and the argument line typed after
# its slash name, as the pinned CLI does it (tests/claude_code.py): the try-it panels must
# show exactly the prompt it sends, and tests/catalog/test_claude_code_prompts.py holds
# the two to each other, byte for byte. Where Claude Code surprises, it is followed here,
# and the comment says so. Skillhub parts from it in one way only: the values Claude Code
# fills in from the machine (${CLAUDE_SKILL_DIR}, ${CLAUDE_PROJECT_DIR},
# ${CLAUDE_SESSION_ID}, ${CLAUDE_EFFORT}, in the body and in arguments alike) stay as the
# markers, and `!` shell commands are not run.

# JavaScript's \s, which Claude Code's trim() and patterns use: not quite Python's.
_JS_SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_SPACES = re.compile(f"[{_JS_SPACE}]+")
# Claude Code's own frontmatter split: the closing `---` may stand anywhere, and every
# blank after it, blank lines too, is dropped before the body.
_CLAUDE_FRONTMATTER = re.compile(rf"---[{_JS_SPACE}]*\n.*?---[{_JS_SPACE}]*", re.DOTALL)
# Claude Code puts this line before a skill's body, with the skill's folder.
_SKILL_DIRECTORY_LINE = "Base directory for this skill: ${CLAUDE_SKILL_DIR}\n\n"
_NAMES_MAX = 64  # Claude Code reads the first 64 `arguments` names...
_NAME_MAX = 64  # ...of at most 64 characters each
_DIGITS = re.compile(r"[0-9]+")
_BANG = re.compile(rf"(?:^|(?<=[\r\u2028\u2029])|(?P<space>[{_JS_SPACE}]))!", re.MULTILINE)
_UNSENDABLE = str.maketrans({"\ufffe": "\ufffd", "\uffff": "\ufffd"})


def split_arguments(arguments: str) -> list[str]:
    """The argument line cut into $0, $1… as Claude Code cuts it: not shlex. It parses
    the line as a shell command with tree-sitter and takes the words of the first simple
    command, so `a; b`, `a | b`, `a && b`, `a # b` and `a > b` all give just `a`; `x=1 y`
    gives `y` (an assignment before the command is left out); `$HOME` or `${x}` after the
    first word is left out, and the words stop at a `$(…)` or backquote substitution;
    quotes group words and are taken off, but backslashes inside double quotes stay;
    an unclosed quote runs to the end and keeps its quote (`it's fine` is one argument,
    "it's fine"). When that finds no command (only assignments, `a=1 b=2`, or a line
    it cannot read), or the line is over 10,000 characters, the words between blanks.
    The scanner below follows tree-sitter-bash where the CLI was seen to; see the test
    table for the cases, odd ones included."""
    arguments = arguments.strip(_JS_SPACE)
    if not arguments:
        return []
    words: list[str] = []
    if len(arguments) <= _ShellWords.MAX:
        try:
            words = _ShellWords(arguments).first_command()
        except _Unreadable:
            words = []
    return words or [word for word in _JS_SPACES.split(arguments) if word]


def expand(skill: SkillFile, arguments: str) -> str:
    """The prompt Claude Code sends for the file with `arguments` typed after the slash
    name, cut at PROMPT_MAX_CHARS (see expand_bounded).

    `${CLAUDE_…}` markers and `!` shell lines stay as they are: the renderer shows them.
    """
    return expand_bounded(skill, arguments)[0]


def expand_bounded(
    skill: SkillFile, arguments: str, limit: int = PROMPT_MAX_CHARS
) -> tuple[str, bool]:
    """The expanded prompt, at most `limit` characters, and whether it was cut.

    Built piece by piece and stopped at the limit, so 50,000 `$0` with a long
    argument costs what the limit allows, not 100 MB. One pass does what Claude Code does
    in five (escapes, names, $ARGUMENTS[N], $N, $ARGUMENTS), in the same order of priority;
    what it fills in is never read for placeholders again.
    """
    arguments = arguments.strip(_JS_SPACE)  # Claude Code trims the line after the name
    body = _claude_code_body(skill.text)
    if skill.kind == "skill":
        body = _SKILL_DIRECTORY_LINE + body
    # Claude Code marks what it has filled in with U+FFFE and U+FFFF, so these two never
    # reach the model: it sends U+FFFD instead.
    body = body.translate(_UNSENDABLE)
    names = _placeholder_names(skill.metadata.get("arguments"))
    pattern = _placeholder_pattern(tuple(name for name, _ in names))
    index_of = dict(names)
    words: list[str] | None = None
    pieces: list[str] = []
    size = position = 0
    received = False
    for match in pattern.finditer(body):
        if match["escape"]:
            value = "$"
        elif match["all"]:
            value, received = _sent(arguments), True
        else:
            if words is None:
                words = split_arguments(arguments)
            if match["name"]:
                # A declared name with no argument is filled with nothing, and counts as
                # receiving the arguments; a missing $N or $ARGUMENTS[N] stays as written
                # and does not (so ARGUMENTS: is still appended).
                index = index_of[match["name"]]
                value, received = _sent(words[index] if index < len(words) else ""), True
            else:
                index = int(match["index"] or match["position"])
                if index >= len(words):
                    continue
                value, received = _sent(words[index]), True
        pieces += [body[position : match.start()], value]
        size += match.start() - position + len(value)
        position = match.end()
        if size > limit:
            return "".join(pieces)[:limit], True
    pieces.append(body[position:])
    if not received and arguments:
        pieces.append(f"\n\nARGUMENTS: {_sent(arguments)}")
    expanded = "".join(pieces)
    return expanded[:limit], len(expanded) > limit


def _claude_code_body(text: str) -> str:
    """The body as Claude Code reads it from the file's text: after the first `---`
    that follows the opening one, wherever it stands, and after every blank behind it."""
    if text.find("---", 3) < 0:  # as Claude Code checks first; it keeps the match linear
        return text
    match = _CLAUDE_FRONTMATTER.match(text)
    return text[match.end() :] if match else text


def _sent(value: str) -> str:
    """A value as Claude Code puts it into the prompt: a `!` at the start of a line or
    after a blank gets a backslash, and `` !` `` and `` `! `` a space, so that an argument
    can never become a shell command of the file."""
    value = value.translate(_UNSENDABLE).replace("`!", "` !").replace("!`", "! `")
    return _BANG.sub(lambda match: f"{match['space'] or ''}\\!", value)


def _placeholder_names(value: Any) -> list[tuple[str, int]]:
    """The `arguments` names as Claude Code reads them, each with the index of the
    argument it takes, longest first. A name of digits only, or blank, is dropped before
    counting (`arguments: a 1 b` makes $b the second argument), one over 64 characters
    after; only the first 64 count."""
    if isinstance(value, str):
        value = _JS_SPACES.split(value)
    if not isinstance(value, list):
        return []
    kept = [
        item
        for item in value
        if isinstance(item, str) and item.strip(_JS_SPACE) and not _DIGITS.fullmatch(item)
    ]
    names = [(name, index) for index, name in enumerate(kept) if len(name) <= _NAME_MAX]
    return sorted(names[:_NAMES_MAX], key=lambda item: -len(item[0]))


def _placeholder_pattern(names: tuple[str, ...]) -> re.Pattern:
    """All the placeholders of a file with these `arguments` names, in Claude Code's order
    of priority (re caches the compiled pattern). Its \\w and \\d are ASCII: `$1é` is
    $1 followed by é."""
    declared = [re.escape(name) + r"(?![\[A-Za-z0-9_])" for name in names]
    escapable = "|".join(["[0-9]", "ARGUMENTS", *declared])
    named = "|".join(declared) or "(?!)"  # (?!) never matches
    return re.compile(
        # `\$0`, `\$ARGUMENTS` and `\$name` are a literal `$…`, but `\$HOME` keeps its
        # backslash, and `\\$0` is a backslash before the value.
        rf"(?P<escape>(?<!\\)\\\$(?={escapable}))"
        rf"|\$(?:(?P<name>{named})|ARGUMENTS\[(?P<index>[0-9]+)\]"
        # `$10` is the eleventh argument, `$1x` is no placeholder at all...
        r"|(?P<position>[0-9]+)(?![A-Za-z0-9_])"
        # ...but `$ARGUMENTSx` and `$ARGUMENTS[x]` are the whole line, then `x` or `[x]`.
        r"|(?P<all>ARGUMENTS))"
    )


class _Unreadable(Exception):
    """A line whose tree-sitter parse holds no command Claude Code can use."""


class _ShellWords:
    """The words of the first simple command of a line, as Claude Code's tree-sitter-bash
    parse gives them (see split_arguments). A scanner of the few shapes that matter for an
    argument line, not a shell parser: each rule below was seen in the pinned CLI."""

    MAX = 10_000  # Claude Code does not parse a longer line
    DEPTH_MAX = 32  # ( ( ( … nested deeper is read as no command (a bound of ours)
    BLANKS = " \t\r"
    ENDS_WORD = " \t\r\n;&|<>()"
    ENDS_COMMAND = ";&|\n)"
    SKIPPED_KEYWORDS = frozenset(
        {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "esac"}
    )
    DECLARATIONS = frozenset({"export", "declare", "typeset", "readonly", "local"})
    ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]\n]*\])?\+?=")
    REDIRECT = re.compile(r"[0-9]*(?:&>>|&>|<<<|<<-|<<|<>|<&|>&|>>|>\||<|>)")
    VARIABLE = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])")
    ESCAPE = re.compile(r"\\([^\n\r\u2028\u2029])")

    def __init__(self, line: str, depth: int = 0):
        if depth > self.DEPTH_MAX:
            raise _Unreadable("nested too deeply")
        self.line, self.depth = line, depth
        self.at = 0

    def peek(self, offset: int = 0) -> str:
        return self.line[self.at + offset : self.at + offset + 1]

    def first_command(self) -> list[str]:
        while True:
            self.skip_blanks()
            char = self.peek()
            if not char:
                return []
            start = self.at
            if char in ";&|\n)":
                self.at += 1
            elif char == "#":  # a comment, to the end of the line
                self.skip_to("\n")
            else:
                words = self.statement()
                if words is not None:
                    return words
                if self.at == start:
                    self.at += 1

    def statement(self) -> list[str] | None:
        """The words of the statement's command, or None if it has none."""
        while True:
            self.skip_blanks()
            char, following = self.peek(), self.peek(1)
            if not char or char in self.ENDS_COMMAND or char == "#":
                return None
            word = self.bare_word()
            if char in "!{" and following in ("", " ", "\t", "\r"):
                self.at += 1  # `! a b` runs `a b`, `{ a; }` too
            elif char == "`" and following != "`":
                self.at += 1  # tree-sitter cannot start a statement with `…`: it skips one `
            elif char == "(":
                inside = self.group()
                words = _ShellWords(inside or "", self.depth + 1).first_command()
                if words:
                    return words
            elif char == "[":
                # A test, `[ x ]` or `[[ x ]]`, holds one word; with more, tree-sitter
                # drops what it read and starts again at the next word (`[1, 2] y` → 2], y).
                opener = "[[" if following == "[" else "["
                self.at += len(opener)
                self.skip_blanks()
                self.word(in_test=True)
                self.skip_blanks()
                if self.line.startswith("]" * len(opener), self.at):
                    self.at += len(opener)
            elif word in self.SKIPPED_KEYWORDS:
                self.at += len(word)  # `if it works` → it, works; `do this` → this
            elif word in ("case", "function"):
                raise _Unreadable(word)
            elif word == "for":  # `for x in a b; do c; done` → c
                self.at += len(word)
                self.skip_blanks()
                self.word()
                self.skip_blanks()
                if self.bare_word() == "in":
                    while self.peek() and self.peek() not in self.ENDS_COMMAND:
                        if not self.word():
                            self.at += 1
                        self.skip_blanks()
            elif assignment := self.ASSIGNMENT.match(self.line, self.at):
                self.at = assignment.end()
                if self.peek() == "(":
                    self.group()
                else:
                    self.word()
            elif redirect := self.REDIRECT.match(self.line, self.at):
                self.at = redirect.end()  # `<in a b` → a, b: it takes one word
                self.skip_blanks()
                self.word()
            else:
                return self.command()

    def command(self) -> list[str] | None:
        declaration = self.bare_word()
        if declaration in self.DECLARATIONS:
            return [declaration]  # `export A=1 b` → export
        parts = self.word()
        if not parts:
            return None
        if any(kind == "substitution" for kind, _ in parts):
            words = ["".join(text for _, text in parts)]  # the command name, as written
        else:
            words = ["".join(_shell_text(kind, text) for kind, text in parts)]
        while True:
            self.skip_blanks()
            char = self.peek()
            if not char or char in self.ENDS_COMMAND or char in "#<>":
                return words  # a redirection takes the rest of the command with it
            if re.match(r"[0-9]+[<>]", self.line[self.at : self.at + 12]):
                return words  # `2>&1`
            if char == "(":  # `a (b) c` → a, c
                if self.group(closed_only=True) is None:
                    return words
                continue
            parts = self.word()
            if not parts:
                return words
            if self.peek() == "(":  # `foo(bar)` reads as a function: both are left out
                if self.group(closed_only=True) is None:
                    return words
                continue
            if any(kind == "substitution" for kind, _ in parts):
                return words  # the words stop at `$(…)` or `…`
            if len(parts) == 1 and (parts[0][0] == "expansion" or parts[0] == ("word", "=")):
                continue  # `$HOME`, `${x}`, `$'…'`, a lone `$` or `=` is left out
            words.append("".join(_shell_text(kind, text) for kind, text in parts))

    def word(self, in_test: bool = False) -> list[tuple[str, str]]:
        """The parts of the word at the cursor: (kind, text) with kind word, string,
        expansion or substitution."""
        parts: list[tuple[str, str]] = []
        line = self.line
        while self.at < len(line):
            char, start = line[self.at], self.at
            if char in self.ENDS_WORD or (in_test and char == "]"):
                break
            if char == "{":  # from a brace on, quotes are plain characters: {"id": 1}
                while self.at < len(line) and line[self.at] not in self.ENDS_WORD:
                    escaped = line[self.at] == "\\" and self.peek(1) not in ("", "\n")
                    self.at += 2 if escaped else 1
                self.add_word(parts, line[start : self.at])
            elif char in "'\"`":
                end = self.quote_end(start)
                self.at = len(line) if end is None else end + 1
                parts.append(("substitution" if char == "`" else "string", line[start : self.at]))
            elif char == "$":
                parts.append(self.dollar())
            elif char == "\\":
                following = self.peek(1)
                if following in ("", "\n"):  # a line continuation, or a dropped last `\`
                    self.at += 1 if not following else 0
                    break
                self.at += 2
                self.add_word(parts, line[start : self.at])
            else:
                self.at += 1
                self.add_word(parts, char)
        return parts

    def dollar(self) -> tuple[str, str]:
        line, start, following = self.line, self.at, self.peek(1)
        if following in ("(", "{"):
            command = following == "(" and line[start + 2 : start + 3] != "("  # not $((…))
            end = self.closing(start + 2, following, ")" if following == "(" else "}")
            self.at = len(line) if end is None else end + 1
            return ("substitution" if command else "expansion", line[start : self.at])
        if following in ("'", '"'):
            end = self.quote_end(start + 1)
            self.at = len(line) if end is None else end + 1
            return ("expansion", line[start : self.at])
        variable = self.VARIABLE.match(line, start)
        self.at = variable.end() if variable else start + 1
        return ("expansion", line[start : self.at])

    def bare_word(self) -> str:
        """The word at the cursor if it is plain letters (a keyword), else ''."""
        end = self.at
        while end < len(self.line) and self.line[end] not in self.ENDS_WORD + "'\"\\$`":
            end += 1
        following = self.line[end : end + 1]
        return self.line[self.at : end] if following in ("", *self.ENDS_WORD) else ""

    def add_word(self, parts: list[tuple[str, str]], text: str) -> None:
        if parts and parts[-1][0] == "word":
            parts[-1] = ("word", parts[-1][1] + text)
        else:
            parts.append(("word", text))

    def skip_blanks(self) -> None:
        while True:
            if self.peek() and self.peek() in self.BLANKS:
                self.at += 1
            elif self.line.startswith("\\\n", self.at):
                self.at += 2
            else:
                return

    def skip_to(self, char: str) -> None:
        end = self.line.find(char, self.at)
        self.at = len(self.line) if end < 0 else end

    def group(self, closed_only: bool = False) -> str | None:
        """Skip a ( … ) group and give its inside; unclosed, it runs to the end (or is
        None, when closed_only)."""
        start = self.at
        end = self.closing(start + 1, "(", ")")
        if end is None:
            if closed_only:
                return None
            self.at = len(self.line)
            return self.line[start + 1 :]
        self.at = end + 1
        return self.line[start + 1 : end]

    def closing(self, index: int, opener: str, closer: str) -> int | None:
        depth = 1
        while index < len(self.line):
            char = self.line[index]
            if char == "\\":
                index += 2
                continue
            if char in "'\"`":
                end = self.quote_end(index)
                if end is None:
                    return None
                index = end
            elif char == opener:
                depth += 1
            elif char == closer:
                depth -= 1
                if depth == 0:
                    return index
            index += 1
        return None

    def quote_end(self, index: int) -> int | None:
        """Where the quote opened at `index` closes ('…' has no escapes), or None."""
        quote = self.line[index]
        if quote == "'":
            end = self.line.find("'", index + 1)
            return None if end < 0 else end
        index += 1
        while index < len(self.line):
            char = self.line[index]
            if char == "\\":
                index += 2
                continue
            if char == quote:
                return index
            index += 1
        return None


def _shell_text(kind: str, text: str) -> str:
    """A word part as Claude Code takes it: a bare word loses its backslashes; a quoted
    part loses its quotes if both are there, and keeps what is inside as written."""
    if kind == "word":
        return _ShellWords.ESCAPE.sub(r"\1", text)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text
