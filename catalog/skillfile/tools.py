"""allowed-tools rules (docs/skill-format.md §4): what a rule value is, how it splits
into Tool(specifier) rules, which tools exist, and which shell commands the Bash
rules let run without asking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeAlias, TypeGuard

import yaml

from catalog.skillfile.frontmatter import _Frontmatter
from catalog.skillfile.results import _Problems


def _is_rules(value: Any) -> TypeGuard[str | list[str]]:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value)
    )


# The tools Claude Code has now, which the editor offers as you type.
_CURRENT_TOOLS = frozenset(
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
    }
)
# Legacy names still seen in the wild: known, not offered.
_BUILTIN_TOOLS = _CURRENT_TOOLS | frozenset(
    {
        "BashOutput",
        "KillBash",
        "KillShell",
        "MultiEdit",
        "NotebookRead",
        "SlashCommand",
        "Task",
    }
)


def tool_names() -> list[str]:
    """The names of Claude Code's own tools, for completing tool rules."""
    return sorted(_CURRENT_TOOLS)


_TOOL_FAMILY = re.compile(r"(?:Task|Cron)[A-Z][A-Za-z]*")
_MCP_TOOL = re.compile(r"mcp__[A-Za-z0-9_.-]+(?:__\*)?")
_RULE = re.compile(r"(?P<tool>[^()\s,]+)(?:\((?P<spec>.*)\))?", re.DOTALL)
_ALLOW_FIELDS = ("allowed-tools", "tools")


def split_tool_rules(text: str) -> tuple[list[str], bool]:
    """Rules separated by commas or whitespace outside parentheses; and whether the
    parentheses balance. A specifier may hold spaces and commas
    (`Bash(git commit -m "a, b")`), so separators only count outside parentheses; a
    stray ")" does not hide the separators after it. The lint checks the balance, the
    field diffs (catalog.field_diffs) only compare the rules, so both split here."""
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


def _rules_with_lines(
    value: str | list[str], node: yaml.Node | None, line: int, front: _Frontmatter
) -> list[tuple[str, int]]:
    """Each rule text (unsplit) with the file line of its list item or of the field."""
    if isinstance(value, str):
        return [(value, line)]
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    lines = [front.first_line + item.start_mark.line for item in items]
    return [
        (item, lines[index] if index < len(lines) else line) for index, item in enumerate(value)
    ]


def _check_rule(text: str, key: str, line: int, problems: _Problems) -> None:
    rules, balanced = split_tool_rules(text)
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
    if not _is_restricted(spec):
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


def _is_restricted(spec: str | None) -> TypeGuard[str]:
    """A Bash rule's specifier that names commands: none, "" and "*" allow every one."""
    return spec is not None and spec.strip() not in ("", "*")


# _ShellPolicy's trie of prefixes: a child per character, and an empty child under
# _PREFIX_END where a prefix ends (no char is "").
_Trie: TypeAlias = dict[str, "_Trie"]
_PREFIX_END = ""


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
        self.prefixes: _Trie = {}
        self.globs: list[str] = []
        self.budget = self.GLOB_BUDGET
        for spec in specs:
            self._add(spec)

    def _add(self, spec: str | None) -> None:
        if not _is_restricted(spec):
            self.unrestricted = True
        elif spec.endswith(":*"):
            node = self.prefixes
            for char in spec[:-2]:
                node = node.setdefault(char, {})
            node[_PREFIX_END] = {}
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
            child = node.get(char)
            if child is None:
                return False
            node = child
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
        rules, balanced = split_tool_rules(text)
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
