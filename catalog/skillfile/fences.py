"""Frontmatter fences (docs/skill-format.md §2, §3 "Fences"): where the frontmatter block
ends and the body starts, and where Claude Code's own split would differ."""

from __future__ import annotations

import re
from dataclasses import dataclass

from catalog.skillfile.limits import FRONTMATTER_MAX_BYTES
from catalog.skillfile.results import _Problems
from catalog.skillfile.strict_yaml import _load_yaml
from catalog.skillfile.text import _column_of, _line_of

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
