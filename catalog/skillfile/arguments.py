"""The argument line typed after a slash name, cut into $0, $1… the way Claude Code cuts
it (docs/skill-format.md §5): not shlex, but the first simple command of a
tree-sitter-bash parse, which _ShellWords follows for the shapes an argument line takes.
As with the placeholders, the pinned CLI decides: tests/catalog/test_claude_code_prompts.py
holds the two to each other, and the cases that surprise are in the test table."""

from __future__ import annotations

import re

# JavaScript's \s, which Claude Code's trim() and patterns use: not quite Python's.
_JS_SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_SPACES = re.compile(f"[{_JS_SPACE}]+")


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
