"""Placeholders (docs/skill-format.md §5): the prompt Claude Code sends for a command or
skill and an argument line, byte for byte, bounded in size."""

from __future__ import annotations

import re
from typing import Any

from catalog.skillfile.arguments import _JS_SPACE, _JS_SPACES, split_arguments
from catalog.skillfile.limits import PROMPT_MAX_CHARS
from catalog.skillfile.results import SkillFile

# What Claude Code does with a command or skill file and the argument line typed after
# its slash name, as the pinned CLI does it (tests/claude_code.py): the try-it panels must
# show exactly the prompt it sends, and tests/catalog/test_claude_code_prompts.py holds
# the two to each other, byte for byte. Where Claude Code surprises, it is followed here,
# and the comment says so. Skillhub parts from it in one way only: the values Claude Code
# fills in from the machine (${CLAUDE_SKILL_DIR}, ${CLAUDE_PROJECT_DIR},
# ${CLAUDE_SESSION_ID}, ${CLAUDE_EFFORT}, in the body and in arguments alike) stay as the
# markers, and `!` shell commands are not run.

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


def _placeholder_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
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
