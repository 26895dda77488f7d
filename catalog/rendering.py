"""Markdown to safe HTML: markdown-it-py (CommonMark + GFM bits), Pygments, nh3.

Pure Python: imports no Django.

Public interface:
    render_markdown(body: str) -> str    safe HTML for the skill body
    render_prompt(text: str) -> str      safe HTML of an expanded prompt with
                                         `!` commands, `@file` references and
                                         ${CLAUDE_*} markers as inert spans
    render_prompt_bounded(text, limit)   the same, at most `limit` characters, and
                                         whether it was cut
    render_cost(text) -> int             what rendering `text` is estimated to cost
    render_cut(body) -> int | None       where render_markdown stops rendering markdown
    stylesheet() -> str                  the CSS committed as static/css/pygments.css

The pieces, each its own reason to change: catalog.markdown_rules (the syntax read, the
raw HTML policy, the inert markers), catalog.sanitising (the nh3 allowlist),
catalog.highlighting (Pygments: fenced code, code files, token colours). This module
holds what one render may cost and the expanded-prompt view.
"""

import re
from collections.abc import Iterable

from markdown_it.common.utils import escapeHtml

from catalog import highlighting, sanitising
from catalog.markdown_rules import (
    ENV_MARKER,
    FILE_REF,
    SOURCE_LINE,
    build_markdown,
    marker_html,
)

__all__ = [
    "render_cost",
    "render_cut",
    "render_markdown",
    "render_prompt",
    "render_prompt_bounded",
    "stylesheet",
]

# What one render may cost. markdown-it-py is linear but slow per block and per
# delimiter (`make bench`, scenario "cost", times each construct): on a 2-core VM up to
# 50-80 µs a line (list items, headings, table rows), 20 µs a link or image opener or a
# marker (`@file`, `${CLAUDE_…}`), up to 10 µs for other markup characters. The units
# below are those microseconds. A body over the budget is rendered up to a block
# boundary and shown as plain text from there, so one render stays well under a second
# at any size. Ordinary prose costs little (270 KB of reference text in 3,500 lines
# renders whole), and the costliest file of the real-world corpus uses 15,380 units.
# The limits on single constructs (highlighted code, table cells) are where they are
# enforced, in catalog.markdown_rules.
LINE_COST = 50
OPENER_COST = 20
OPENERS = "[]!$@"
MARKUP_COST = 10
MARKUP = "*_~<>&`|\\#="
RENDER_BUDGET = 300_000
COST_CHUNK = 4096

# C0 controls other than tab, newline and carriage return, and DEL: invisible, and
# browsers drop them from URLs, so the parser should see the address a browser follows.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")

PROMPT_RE = re.compile(
    r"(?P<shell_block>^ {0,3}```!.*?(?:^ {0,3}```[ \t]*$|\Z))"
    r"|(?P<shell_cmd>(?<!\S)!`[^`\n]+`)"
    rf"|(?P<file_ref>{FILE_REF})"
    rf"|(?P<env_marker>{ENV_MARKER})",
    re.MULTILINE | re.DOTALL,
)
PROMPT_MARKER_KINDS = {
    "shell_block": "shell-cmd",
    "shell_cmd": "shell-cmd",
    "file_ref": "file-ref",
    "env_marker": "env-marker",
}


def render_markdown(
    body: str, image_hosts: Iterable[str] = (), files_url: str = "", first_line: int | None = None
) -> str:
    """The skill body as sanitised HTML (CommonMark + GFM tables, strikethrough, tasks).

    Remote images load only from `image_hosts` (https); any other remote image is shown
    as a link with its alt text, so a page never makes a reader's browser call a
    stranger's host.
    With `files_url` (a skill's files, "/skills/pdf/files/"), relative links and images
    point there, so `[form](references/forms.md)` opens the skill's own file.
    A body that costs more than RENDER_BUDGET is rendered up to a block boundary
    within it and shown as plain text from there, with a note.
    With `first_line` (the line of the file the body starts on), every top-level block
    says the line it starts on (`data-source-line`), for the editor's scroll sync.
    """
    body = CONTROL_CHARS_RE.sub("", body)
    cut = render_cut(body)
    env = {
        "image_hosts": frozenset(host.lower() for host in image_hosts),
        "files_url": files_url,
        "first_line": first_line,
    }
    if cut is None:
        return sanitising.clean(_MD.render(body, env))
    rest = body[cut:]
    note = (
        f'<p class="render-limit">Skillhub stopped rendering here: this body has more '
        f"markup than one page renders. The remaining {rest.count(chr(10)) + 1:,} lines "
        "are shown as plain text.</p>"
    )
    # The rest is escaped text in markup of our own: nothing for the sanitiser to do.
    rendered = sanitising.clean(_MD.render(body[:cut], env))
    line = ""
    if first_line is not None:
        line = f' {SOURCE_LINE}="{first_line + body.count(chr(10), 0, cut)}"'
    return f'{rendered}{note}<pre class="render-limit"{line}>{escapeHtml(rest)}</pre>'


def render_prompt(text: str) -> str:
    """An expanded prompt, not markdown: all text escaped, the three inert spans marked."""
    return render_prompt_bounded(text, limit=None)[0]


def render_prompt_bounded(text: str, limit: int | None) -> tuple[str, bool]:
    """render_prompt with at most about `limit` characters of HTML (whole pieces only),
    and whether it stopped early: marked spans make HTML many times longer than text."""
    text = CONTROL_CHARS_RE.sub("", text)
    parts = []
    size = position = 0
    cut = False
    for match in PROMPT_RE.finditer(text):
        before = escapeHtml(text[position : match.start()])
        group = match.lastgroup or ""  # never empty: each alternative is a named group
        marker = marker_html(PROMPT_MARKER_KINDS[group], match.group())
        size += len(before) + len(marker)
        if limit is not None and size > limit:
            cut = True
            break
        parts += [before, marker]
        position = match.end()
    if not cut:
        rest = escapeHtml(text[position:])
        if limit is not None and size + len(rest) > limit:
            cut = True
            rest = rest[: max(0, limit - size)]
            if rest.rfind("&") > rest.rfind(";"):  # not half an entity
                rest = rest[: rest.rfind("&")]
        parts.append(rest)
    # Built only from escaped text and spans of our own, so it is safe as it stands; the
    # sanitiser would add nothing but time (0.7 s for 256 KiB of `&`).
    return f'<pre class="prompt">{"".join(parts)}</pre>', cut


def render_cost(text: str) -> int:
    """The estimated cost of rendering `text`, in RENDER_BUDGET's units."""
    blank_lines = text.count("\n\n")  # skipped by the block parser almost for free
    return (
        LINE_COST * (text.count("\n") - blank_lines)
        + OPENER_COST * sum(text.count(char) for char in OPENERS)
        + MARKUP_COST * sum(text.count(char) for char in MARKUP)
    )


def render_cut(body: str) -> int | None:
    """Where markdown rendering stops (None: nowhere). Measured a chunk at a time, then
    moved back to the last blank line (or line end) before the chunk that overspends."""
    if render_cost(body) <= RENDER_BUDGET:
        return None
    spent = 0
    for start in range(0, len(body), COST_CHUNK):
        spent += render_cost(body[start : start + COST_CHUNK])
        if spent > RENDER_BUDGET:
            break
    blank = body.rfind("\n\n", 0, start)
    if blank > 0:
        return blank + 2
    line_end = body.rfind("\n", 0, start)
    return line_end + 1 if line_end >= 0 else start


def stylesheet() -> str:
    """Pygments' token colours for a light and a dark theme (the inert spans' look is
    skillhub.css's)."""
    return (
        "/* Generated by catalog.rendering.stylesheet(); tests check it is up to date. */\n\n"
        f"{highlighting.token_colours()}\n"
    )


_MD = build_markdown()
