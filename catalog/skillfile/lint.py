"""Lint of the body (docs/skill-format.md §3 "Lint"): what a reviewer should see but a
rendered page hides or a quick read misses: shell commands no rule allows, downloads
piped to a shell, HTML comments, $1 against a "first argument", invisible characters."""

from __future__ import annotations

import re
import unicodedata

from catalog.skillfile.results import _Problems
from catalog.skillfile.text import _column_of
from catalog.skillfile.tools import _ShellPolicy

SHELL_INLINE = re.compile(r"(?<!\S)!`([^`\n]+)`")
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
            for match in SHELL_INLINE.finditer(line):
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
    if match is None:
        return fence
    closes = match[1][0] == fence[0] and len(match[1]) >= len(fence)
    if closes and not line[match.end() :].strip():
        return None
    return fence


def _check_shell(
    command: str, shell: _ShellPolicy, line: int, problems: _Problems, column: int | None = None
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
