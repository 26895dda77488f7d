"""Quick fixes: for the problems with one obvious remedy, the edit that makes it.

A Fix replaces whole lines of the file (from `line` to `end_line`, both 1-based and
inclusive; `end_line = line - 1` inserts before `line`) with `text`. The editor offers it
beside the problem; nothing here changes a stored file. The remedies:

- a plain value that YAML cannot read or reads as another type (`a: b: c`, `version:
  1.10`, `argument-hint: [pr]`): the value quoted, as text;
- no description: `description:` with the body's first line, which is what Claude Code
  falls back to, now said explicitly;
- a shell line no Bash rule allows: the `Bash(prefix:*)` rule added to `allowed-tools`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from catalog.skillfile.results import Problem

DESCRIPTION_FROM_BODY_MAX = 200
_PLAIN_VALUE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>[^\s\"'].*?)[ \t]*$")
_SHELL_LINE = re.compile(r"!`([^`\n]+)`")
_LIST_ITEM = re.compile(r"^[ \t]+- ")


@dataclass(frozen=True)
class Fix:
    label: str
    line: int
    end_line: int
    text: str
    rule: str = ""  # the Bash rule a shell fix adds, also offered when completing

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "line": self.line,
            "end_line": self.end_line,
            "text": self.text,
            "rule": self.rule,
        }


def fix_for(text: str, problem: Problem) -> Fix | None:
    """The quick fix of `problem` in `text`, if it has one."""
    lines = text.splitlines(keepends=True)
    if problem.code in ("yaml-syntax", "version-not-string", "yaml-retyped-value"):
        return _quoted(lines, problem.line)
    if problem.code == "missing-description":
        return _described(lines)
    if problem.code == "shell-not-allowed":
        return _allowed(lines, problem)
    return None


def applied(text: str, fix: Fix) -> str:
    """`text` with `fix` made (what the editor does with it)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n") and fix.end_line >= len(lines):
        lines[-1] += "\n"
    return "".join(lines[: fix.line - 1]) + fix.text + "".join(lines[fix.end_line :])


def bash_rule(command: str) -> str:
    """The rule that allows `command` and its like: its first word, and its second
    unless that is an option (`git status --short` → `Bash(git status:*)`)."""
    words = command.split()
    prefix = words[:2] if len(words) > 1 and not words[1].startswith("-") else words[:1]
    return f"Bash({' '.join(prefix)}:*)"


def _quoted(lines: list[str], number: int) -> Fix | None:
    if not 1 <= number <= len(lines):
        return None
    match = _PLAIN_VALUE.match(lines[number - 1].rstrip("\n"))
    if match is None:
        return None
    key, value = match["key"], match["value"]
    # JSON's string syntax is YAML's double-quoted scalar: escapes and all.
    line = f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
    return Fix("Quote the value", number, number, line)


def _frontmatter_end(lines: list[str]) -> int | None:
    """The line number of the frontmatter's closing `---`, None without frontmatter."""
    if not lines or lines[0].strip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return number
    return None


def _described(lines: list[str]) -> Fix | None:
    end = _frontmatter_end(lines)
    body = lines[end:] if end else lines
    first = next((line.strip() for line in body if line.strip()), "")
    description = first.lstrip("#").strip()[:DESCRIPTION_FROM_BODY_MAX]
    if not description:
        return None
    line = f"description: {json.dumps(description, ensure_ascii=False)}\n"
    if end is None:
        return Fix("Add a description", 1, 0, f"---\n{line}---\n")
    return Fix("Add a description", 2, 1, line)


def _allowed(lines: list[str], problem: Problem) -> Fix | None:
    if not 1 <= problem.line <= len(lines):
        return None
    start = (problem.column or 1) - 1
    shell = _SHELL_LINE.search(lines[problem.line - 1], start)
    if shell is None:
        return None
    rule = bash_rule(shell[1])
    label = f"Allow {rule}"
    end = _frontmatter_end(lines)
    if end is None:
        return Fix(label, 1, 0, f"---\nallowed-tools: {rule}\n---\n", rule)
    for number in range(2, end):
        line = lines[number - 1]
        if not line.startswith("allowed-tools:"):
            continue
        value = line.removeprefix("allowed-tools:").strip()
        if value:  # one line of rules
            return Fix(label, number, number, f"allowed-tools: {value}, {rule}\n", rule)
        last = number  # a list: the rule goes after its last item
        while last + 1 < end and _LIST_ITEM.match(lines[last]):
            last += 1
        indent = re.match(r"^[ \t]+", lines[last - 1]) if last > number else None
        item = f"{indent[0] if indent else '  '}- {rule}\n"
        return Fix(label, last + 1, last, item, rule)
    return Fix(label, end, end - 1, f"allowed-tools: {rule}\n", rule)
