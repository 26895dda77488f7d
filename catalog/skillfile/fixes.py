"""Quick fixes: for the problems with one obvious remedy, the edit that makes it.

A Fix replaces whole lines of the file (from `line` to `end_line`, both 1-based and
inclusive) with `text`; `old` is what those lines hold now, so that the editor can refuse
a fix whose lines have changed since (an empty file's fix alone inserts: `end_line = 0`). Lines
are split at "\\n" alone, as the parser and the editor count them. The remedies:

- a plain value that YAML cannot read or reads as another type (`a: b: c`, `version:
  1.10`): the value quoted, as text, a trailing `# comment` kept as a comment;
- no description, or an empty one: `description:` with the body's first line of prose,
  which is what Claude Code falls back to, now said explicitly;
- a shell line no Bash rule allows: the `Bash(prefix:*)` rule added to `allowed-tools`
  (a one-line list, a `[…]` list, or an indented list), or the field added.

with_name is the edit a rename makes: the frontmatter's `name:` line names the new name.

Where the remedy is not obvious (a quoted, block or flow value to extend, a command with a
parenthesis, a ```! block) there is no fix: the problem says what to do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from catalog.skillfile.lint import SHELL_INLINE
from catalog.skillfile.results import Problem

DESCRIPTION_FROM_BODY_MAX = 200
# `key: value  # comment`, the value not quoted nor a block scalar: what can be quoted.
_QUOTABLE = re.compile(
    r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>[^\s\"'>|].*?)(?P<comment>[ \t]+#.*)?[ \t]*$"
)
# The same with a plain value (no flow list, anchor, alias or tag): what a rule can follow.
_PLAIN_VALUE = re.compile(
    r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>[^\s\"'\[{>|&*!%@`].*?)"
    r"(?P<comment>[ \t]+#.*)?[ \t]*$"
)
# A top-level `name:` line with a one-line value (plain or quoted) and maybe a comment.
_NAME_LINE = re.compile(
    r"^name:[ \t]*(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'#|>][^#\n]*?)?(?P<comment>[ \t]+#.*)?[ \t]*$"
)
_LIST_ITEM = re.compile(r"^[ \t]*- ")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Fix:
    label: str
    line: int
    end_line: int
    text: str
    old: str = ""  # the lines replaced, as they are now ("" for an insert)
    rule: str = ""  # the Bash rule a shell fix adds, also offered when completing

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "line": self.line,
            "end_line": self.end_line,
            "text": self.text,
            "old": self.old,
            "rule": self.rule,
        }


def lines_of(text: str) -> list[str]:
    """`text` as lines ending in "\\n" (the last may not): split at "\\n" alone."""
    return re.split(r"(?<=\n)", text) if text else []


def fixes_for(text: str, problems: Sequence[Problem]) -> list[Fix | None]:
    """The quick fix of each problem, if it has one (the text is split once)."""
    lines = [line for line in lines_of(text) if line]
    return [_fix(lines, problem) for problem in problems]


def fix_for(text: str, problem: Problem) -> Fix | None:
    """The quick fix of `problem` in `text`, if it has one."""
    return fixes_for(text, [problem])[0]


def applied(text: str, fix: Fix) -> str:
    """`text` with `fix` made (what the editor does with it)."""
    lines = [line for line in lines_of(text) if line]
    if lines and not lines[-1].endswith("\n") and fix.end_line >= len(lines):
        lines[-1] += "\n"
    return "".join(lines[: fix.line - 1]) + fix.text + "".join(lines[fix.end_line :])


def with_name(text: str, name: str) -> str | None:
    """`text` with the one-line `name:` field of its frontmatter set to `name`, its
    comment kept and every other byte as it was; None if it has no such field."""
    lines = lines_of(text)
    end = _frontmatter_end(lines)
    if end is None:
        return None
    for index in range(1, end - 1):
        match = _NAME_LINE.match(lines[index].rstrip("\n"))
        if match:
            newline = "\n" if lines[index].endswith("\n") else ""
            # A name YAML would read as another type (`true`, `123`) is quoted.
            value = name if yaml.safe_load(f"v: {name}") == {"v": name} else json.dumps(name)
            lines[index] = f"name: {value}{match['comment'] or ''}{newline}"
            return "".join(lines)
    return None


def bash_rule(command: str) -> str:
    """The rule that allows `command` and its like: its first word, and its second
    unless that is an option (`git status --short` → `Bash(git status:*)`)."""
    words = command.split()
    prefix = words[:2] if len(words) > 1 and not words[1].startswith("-") else words[:1]
    return f"Bash({' '.join(prefix)}:*)"


def _fix(lines: list[str], problem: Problem) -> Fix | None:
    if problem.code in ("yaml-syntax", "version-not-string", "yaml-retyped-value"):
        return _quoted(lines, problem.line)
    if problem.code == "missing-description":
        return _described(lines)
    if problem.code == "shell-not-allowed":
        return _allowed(lines, problem)
    return None


def _replace(label: str, lines: list[str], first: int, last: int, text: str, rule: str = "") -> Fix:
    """Lines first..last become `text`; an insert (last = first - 1) is made a replacement
    of the line before it (or after it, at the top), so that every fix names lines it
    expects and the editor can refuse it once they have changed."""
    if last < first and lines:
        if first > 1:
            first, last, text = first - 1, first - 1, lines[first - 2] + text
        else:
            first, last, text = 1, 1, text + lines[0]
    old = "".join(lines[first - 1 : last])
    return Fix(label, first, last, text, old, rule)


def _quoted(lines: list[str], number: int) -> Fix | None:
    if not 1 <= number <= len(lines):
        return None
    match = _QUOTABLE.match(lines[number - 1].rstrip("\n"))
    if match is None:
        return None
    # JSON's string syntax is YAML's double-quoted scalar: escapes and all.
    quoted = json.dumps(match["value"], ensure_ascii=False)
    line = f"{match['key']}: {quoted}{match['comment'] or ''}\n"
    return _replace("Quote the value", lines, number, number, line)


def _frontmatter_end(lines: list[str]) -> int | None:
    """The line number of the frontmatter's closing `---`, None without frontmatter."""
    if not lines or lines[0].strip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return number
    return None


def _first_prose(body: list[str]) -> str:
    """The body's first line of prose: past fences and shell lines, without a heading's #."""
    fenced = False
    for line in body:
        if _FENCE.match(line):
            fenced = not fenced
            continue
        text = line.strip()
        if fenced or not text or SHELL_INLINE.fullmatch(text):
            continue
        return text.lstrip("#").strip()[:DESCRIPTION_FROM_BODY_MAX]
    return ""


def _described(lines: list[str]) -> Fix | None:
    end = _frontmatter_end(lines)
    description = _first_prose(lines[end:] if end else lines)
    if not description:
        return None
    line = f"description: {json.dumps(description, ensure_ascii=False)}\n"
    label = "Add a description"
    if end is None:
        return _replace(label, lines, 1, 0, f"---\n{line}---\n")
    for number in range(2, end):  # an empty description is replaced, not doubled
        if re.match(r"description:[ \t]*(\"\"|'')?[ \t]*$", lines[number - 1]):
            return _replace(label, lines, number, number, line)
    return _replace(label, lines, 2, 1, line)


def _allowed(lines: list[str], problem: Problem) -> Fix | None:
    if not 1 <= problem.line <= len(lines):
        return None
    shell = SHELL_INLINE.search(lines[problem.line - 1], max(0, (problem.column or 1) - 2))
    if shell is None or "(" in shell[1] or ")" in shell[1]:
        return None
    rule = bash_rule(shell[1])
    label = f"Allow {rule}"
    end = _frontmatter_end(lines)
    if end is None:
        return _replace(label, lines, 1, 0, f"---\nallowed-tools: {rule}\n---\n", rule)
    for number in range(2, end):
        line = lines[number - 1]
        if not line.startswith("allowed-tools:"):
            continue
        match = _PLAIN_VALUE.match(line.rstrip("\n"))
        value = line.removeprefix("allowed-tools:").strip()
        if match is not None:  # one plain line of rules: the rule goes after them
            new = f"allowed-tools: {match['value']}, {rule}{match['comment'] or ''}\n"
            return _replace(label, lines, number, number, new, rule)
        if re.fullmatch(r"\[[^\[\]#]*\]", value):  # a one-line [ … ] list
            inside = value[1:-1].strip()
            new = f"allowed-tools: [{inside + ', ' if inside else ''}{rule}]\n"
            return _replace(label, lines, number, number, new, rule)
        if value:  # quoted, block or commented: no obvious edit
            return None
        last = number  # a list: the rule goes after its last item
        while last + 1 < end and _LIST_ITEM.match(lines[last]):
            last += 1
        indent = re.match(r"^[ \t]*", lines[last - 1]) if last > number else None
        item = f"{indent[0] if indent else '  '}- {rule}\n"
        return _replace(label, lines, last + 1, last, item, rule)
    return _replace(label, lines, end, end - 1, f"allowed-tools: {rule}\n", rule)
