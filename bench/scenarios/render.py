"""1. Render: our pipeline on a 15 KB file against cmark-gfm on the same body.

Ours is what Version.build does on every save and the preview on every keystroke pause:
skillfile.parse (read, validate the frontmatter, lint the body) and
rendering.render_markdown (markdown-it-py, Pygments for fenced code, nh3). cmark-gfm,
GitHub's C renderer, is the practical lower bound. Three rows more split our time between
parsing and rendering, and show what markdown-it-py alone (CommonMark, no plugins, no
highlighting, no sanitising) costs on the same body: the floor of a pure-Python parser,
and what our pipeline adds to it.
"""

import cmarkgfm
from markdown_it import MarkdownIt
from measure import CPU, Row, interleave, timed_row

from catalog import rendering, skillfile

SCENARIO = "1 render"
LIMIT = 25.0


def run(ctx) -> list[Row]:
    text = ctx.fifteen_kb
    body = skillfile.parse(text).body
    size = f"{len(text.encode('utf-8')) / 1024:.1f} KB"
    n, seconds = (30, 10) if ctx.quick else (150, 40)

    def ours() -> str:
        return rendering.render_markdown(skillfile.parse(text, kind="command").body)

    def parse_only() -> object:
        return skillfile.parse(text, kind="command")

    def render_only() -> str:
        return rendering.render_markdown(body)

    plain_markdown_it = MarkdownIt("commonmark")

    def markdown_it_alone() -> str:
        return plain_markdown_it.render(body)

    def cmark() -> str:
        return cmarkgfm.github_flavored_markdown_to_html(body)

    rows = []
    subject, baseline = interleave(ours, cmark, n=n, max_seconds=seconds, clock=CPU)
    case = f"parse+validate+render+sanitise, {size}"
    rows.append(timed_row(SCENARIO, case, subject, "cmark-gfm", baseline, limit=LIMIT))
    parts = (
        ("of which parse+validate+lint", parse_only),
        ("of which render+highlight+sanitise", render_only),
        ("markdown-it-py alone (commonmark preset)", markdown_it_alone),
    )
    for case, action in parts:
        part, baseline = interleave(action, cmark, n=n // 2, max_seconds=seconds / 2, clock=CPU)
        rows.append(timed_row(SCENARIO, case, part, "cmark-gfm", baseline))
    # What our pipeline adds to the parser it is built on.
    subject, baseline = interleave(
        ours, markdown_it_alone, n=n // 2, max_seconds=seconds / 2, clock=CPU
    )
    rows.append(timed_row(SCENARIO, "whole pipeline", subject, "markdown-it-py alone", baseline))
    return rows
