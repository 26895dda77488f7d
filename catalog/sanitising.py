"""The sanitiser's allowlist (nh3): the last pass over rendered markdown.

It keeps only the tags, attributes and classes that catalog.markdown_rules and
catalog.rendering write, drops every link address whose scheme is not in URL_SCHEMES
(markdown-it builds every link, so that a refused one does not show its address as
text), and marks links nofollow noopener noreferrer. The markdown-it rules already make
user HTML inert: past the links, what this removes is a second line of defence.

Pure Python: imports no Django.
"""

import nh3

from catalog.highlighting import HIGHLIGHT_CLASS, token_classes
from catalog.markdown_rules import MARKER_TITLES, SOURCE_LINE, URL_SCHEMES

__all__ = ["clean"]


def clean(html: str) -> str:
    """`html` with everything outside the allowlist removed."""
    return _CLEANER.clean(html)


_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "blockquote", "hr", "table")


def _build_cleaner() -> nh3.Cleaner:
    tags = {
        *(f"h{level}" for level in range(1, 7)),
        "p", "ul", "ol", "li", "input", "blockquote", "hr", "br", "pre", "code", "span",
        "table", "thead", "tbody", "tr", "th", "td", "a", "img", "em", "strong", "del", "s",
    }  # fmt: skip
    alignments = {"align-left", "align-center", "align-right"}
    return nh3.Cleaner(
        tags=tags,
        attributes={
            # The line a top-level block starts on (markdown_rules): only on block tags.
            **{tag: {SOURCE_LINE} for tag in _BLOCKS},
            "a": {"href", "title"},
            "img": {"src", "alt", "title"},
            "ol": {"start", SOURCE_LINE},
            "input": {"checked", "disabled"},
            "span": {"title"},
            "pre": {"title", SOURCE_LINE},
        },
        tag_attribute_values={
            "input": {"type": {"checkbox"}, "aria-label": {"Done", "Not done"}},
            "pre": {"tabindex": {"0"}},
        },
        set_tag_attribute_values={"input": {"disabled": "disabled"}},
        allowed_classes={
            "span": token_classes() | MARKER_TITLES.keys(),
            "pre": {HIGHLIGHT_CLASS, "shell-block", "prompt", "render-limit"},
            "p": {"render-limit"},
            "ul": {"contains-task-list"},
            "ol": {"contains-task-list"},
            "li": {"task-list-item"},
            "input": {"task-list-item-checkbox"},
            "th": alignments,
            "td": alignments,
        },
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


_CLEANER = _build_cleaner()
