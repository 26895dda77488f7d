"""Markdown to safe HTML: markdown-it-py (CommonMark + GFM bits), Pygments, nh3.

Pure Python: imports no Django.

Public interface:
    render_markdown(body: str) -> str    safe HTML for the skill body
    render_prompt(text: str) -> str      safe HTML of an expanded prompt with
                                         `!` commands, `@file` references and
                                         ${CLAUDE_*} markers as inert spans
    stylesheet() -> str                  the CSS committed as static/css/pygments.css

Raw HTML policy (SKILL-FORMAT.md §5: raw HTML is never passed through). Block-level
HTML is not recognised at all, so the markdown between prompt tags still renders.
Inline tags are parsed only so that each one can be turned into something inert:
- a bare tag (`<instructions>`, `</example>`, `<version>`) is prompt vocabulary or a
  placeholder: it is shown as escaped text;
- a tag with attributes (`<a href=…>`, `<img src=x onerror=…>`) is HTML markup, and so
  is a tag naming an element that runs code, embeds a document or switches the HTML
  parser into another mode (`<script>`, `<svg>`, `<iframe>`…): it is removed, its text
  content stays. The closing tag of a removed element is removed too;
- comments, processing instructions and declarations are removed (GitHub hides them as
  well; the linter reports comments as hidden instructions);
- a bare `<br>` becomes a line break, as authors of tables expect.
Links: markdown-it builds every link; nh3 then keeps only http, https, mailto and
relative addresses. An autolink to any other scheme has no text but its address, so it is
replaced by a marker instead of leaving a refused address on the page.
"""

import re
from collections import Counter
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

__all__ = ["render_markdown", "render_prompt", "stylesheet"]

HIGHLIGHT_CLASS = "highlight"
TOKEN_CLASS_PREFIX = "tok-"
LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"
URL_SCHEMES = {"http", "https", "mailto"}

# What each inert span means, shown as its tooltip.
MARKER_TITLES = {
    "shell-cmd": "Runs a shell command before the prompt is sent",
    "file-ref": "Includes a file",
    "env-marker": "Filled in by Claude Code when the prompt runs",
    "blocked-link": "Link removed: only http, https and mailto links are allowed",
}
SHELL_BLOCK_TITLE = "Runs these shell commands before the prompt is sent"

# Elements removed even when written bare: they run code, embed another document, or
# make the HTML parser read what follows as raw text or as SVG/MathML.
ACTIVE_ELEMENTS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "svg", "math", "foreignobject", "noscript", "noembed", "noframes", "xmp", "plaintext",
})  # fmt: skip

# `@path` preceded by whitespace (or line start); trailing sentence punctuation is not
# part of the path.
FILE_REF = r"(?<!\S)@\S*[^\s.,;:!?)\]'\"]"
ENV_MARKER = r"\$\{CLAUDE_[A-Z_]+\}"
REFERENCE_RE = re.compile(f"(?P<file_ref>{FILE_REF})|(?P<env_marker>{ENV_MARKER})")
TAG_RE = re.compile(r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)(?P<attrs>.*?)/?>", re.DOTALL)
SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
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


def render_markdown(body: str) -> str:
    """The skill body as sanitised HTML (CommonMark + GFM tables, strikethrough, tasks)."""
    return _CLEANER.clean(_MD.render(CONTROL_CHARS_RE.sub("", body)))


def render_prompt(text: str) -> str:
    """An expanded prompt, not markdown: all text escaped, the three inert spans marked."""
    text = CONTROL_CHARS_RE.sub("", text)
    parts = []
    position = 0
    for match in PROMPT_RE.finditer(text):
        parts.append(escapeHtml(text[position : match.start()]))
        parts.append(_marker_html(PROMPT_MARKER_KINDS[match.lastgroup], match.group()))
        position = match.end()
    parts.append(escapeHtml(text[position:]))
    return _CLEANER.clean(f'<pre class="prompt">{"".join(parts)}</pre>')


def stylesheet() -> str:
    """Token colours for a light and a dark theme, and the inert spans' look."""
    light = _pygments_rules(LIGHT_STYLE)
    dark = _pygments_rules(DARK_STYLE)
    # The dark block starts by undoing whatever the light style set, so that a token the
    # dark style leaves alone does not keep a light-theme colour on a dark background.
    reset = (
        f':root .{HIGHLIGHT_CLASS} [class^="{TOKEN_CLASS_PREFIX}"] '
        "{ color: inherit; background: none; border: none; "
        "font-style: inherit; font-weight: inherit; }"
    )
    dark_block = "\n".join(f"  {line}" for line in [reset, *dark.splitlines()])
    return (
        "/* Generated by catalog.rendering.stylesheet(); tests check it is up to date. */\n\n"
        f"{light}\n\n@media (prefers-color-scheme: dark) {{\n{dark_block}\n}}\n\n{_MARKER_CSS}"
    )


# --- markdown-it: parsing and token rewriting -------------------------------------------


def _rewrite_tokens(state: StateCore) -> None:
    removed_elements: Counter[str] = Counter()
    for token in state.tokens:
        if token.type == "inline" and token.children is not None:
            children = _replace_raw_html(token.children, removed_elements)
            children = _join_text(children)
            children = _block_unsafe_autolinks(children)
            children = _mark_shell_commands(children)
            token.children = _mark_references(children)
        elif token.type in ("th_open", "td_open"):
            _alignment_as_class(token)
    state.tokens = _without_empty_paragraphs(state.tokens)


def _replace_raw_html(children: list[Token], removed: Counter[str]) -> list[Token]:
    result = []
    for token in children:
        if token.type == "image" and token.children:
            # An image's alt text is rendered from its own children.
            token.children = _replace_raw_html(token.children, removed)
        if token.type != "html_inline":
            result.append(token)
            continue
        tag = TAG_RE.fullmatch(token.content)
        if tag is None:  # comment, processing instruction, declaration, CDATA
            continue
        name = tag["name"].lower()
        if tag["close"]:
            if name in ACTIVE_ELEMENTS or removed[name]:
                removed[name] = max(removed[name] - 1, 0)
                continue
        elif name in ACTIVE_ELEMENTS or tag["attrs"].strip():
            removed[name] += 1
            continue
        elif name == "br":
            result.append(Token("hardbreak", "br", 0))
            continue
        result.append(_text(token.content))
    return result


def _join_text(children: list[Token]) -> list[Token]:
    result: list[Token] = []
    for token in children:
        if token.type == "text" and result and result[-1].type == "text":
            result[-1] = _text(result[-1].content + token.content)
        else:
            result.append(token)
    return result


def _block_unsafe_autolinks(children: list[Token]) -> list[Token]:
    result = []
    index = 0
    while index < len(children):
        token = children[index]
        if token.type == "link_open" and token.info == "auto" and not _is_allowed_url(token):
            # link_open, its address as text, link_close
            result.append(_marker("blocked-link", "link removed"))
            index += 3
            continue
        result.append(token)
        index += 1
    return result


def _is_allowed_url(token: Token) -> bool:
    scheme = SCHEME_RE.match(str(token.attrGet("href") or ""))
    return scheme is None or scheme.group(1).lower() in URL_SCHEMES


def _mark_shell_commands(children: list[Token]) -> list[Token]:
    """`!` then a code span, the `!` at line start or after whitespace: a shell command."""
    result: list[Token] = []
    for token in children:
        previous = result[-1] if result else None
        if (
            token.type == "code_inline"
            and token.markup == "`"
            and previous is not None
            and previous.type == "text"
            and previous.content.endswith("!")
            and _starts_at_boundary(previous.content[:-1], result[-2] if len(result) > 1 else None)
        ):
            result.pop()
            if previous.content[:-1]:
                result.append(_text(previous.content[:-1]))
            result.append(_marker("shell-cmd", f"!`{token.content}`"))
        else:
            result.append(token)
    return result


def _starts_at_boundary(text_before: str, token_before: Token | None) -> bool:
    """Whether the next character sits at a line start or after whitespace."""
    if text_before:
        return text_before[-1].isspace()
    return token_before is None or token_before.type in ("softbreak", "hardbreak")


def _mark_references(children: list[Token]) -> list[Token]:
    result: list[Token] = []
    for token in children:
        if token.type != "text" or not REFERENCE_RE.search(token.content):
            result.append(token)
            continue
        # A sentinel character stands for what precedes the token, so that `(?<!\S)`
        # sees a code span or an emphasis mark as a non-space.
        at_boundary = _starts_at_boundary("", result[-1] if result else None)
        scanned = (" " if at_boundary else "x") + token.content
        position = 1
        for match in REFERENCE_RE.finditer(scanned, 1):
            if match.start() > position:
                result.append(_text(scanned[position : match.start()]))
            result.append(_marker(match.lastgroup.replace("_", "-"), match.group()))
            position = match.end()
        if position < len(scanned):
            result.append(_text(scanned[position:]))
    return result


def _checkboxes_as_tokens(state: StateCore) -> None:
    # Only the task list plugin's checkboxes are html_inline tokens by now.
    for token in state.tokens:
        for index, child in enumerate(token.children or ()):
            if child.type == "html_inline":
                checkbox = Token("task_checkbox", "input", 0)
                checkbox.meta["checked"] = 'checked="checked"' in child.content
                token.children[index] = checkbox


def _alignment_as_class(token: Token) -> None:
    # markdown-it writes style="text-align:…"; the CSP forbids inline styles.
    style = token.attrGet("style")
    if style and style.startswith("text-align:"):
        token.attrs.pop("style")
        token.attrSet("class", "align-" + style.removeprefix("text-align:"))


def _without_empty_paragraphs(tokens: list[Token]) -> list[Token]:
    """Drop paragraphs left empty once raw HTML is removed."""
    result: list[Token] = []
    for token in tokens:
        result.append(token)
        if (
            token.type == "paragraph_close"
            and len(result) >= 3
            and result[-2].type == "inline"
            and not result[-2].children
            and result[-3].type == "paragraph_open"
        ):
            del result[-3:]
    return result


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _marker(kind: str, content: str) -> Token:
    token = Token("inert_marker", "span", 0)
    token.info = kind
    token.content = content
    return token


# --- markdown-it: rendering -------------------------------------------------------------


def _marker_html(kind: str, content: str) -> str:
    return f'<span class="{kind}" title="{MARKER_TITLES[kind]}">{escapeHtml(content)}</span>'


def _render_marker(self, tokens: list[Token], idx: int, options, env) -> str:
    return _marker_html(tokens[idx].info, tokens[idx].content)


def _render_checkbox(self, tokens: list[Token], idx: int, options, env) -> str:
    checked = " checked" if tokens[idx].meta["checked"] else ""
    return f'<input class="task-list-item-checkbox" type="checkbox" disabled{checked}>'


def _render_fence(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
    if language.startswith("!"):
        # Claude Code runs a ```! block as shell commands; shown highlighted as shell.
        code = highlight(token.content, _lexer("bash"), _FORMATTER)
        return (
            f'<pre class="{HIGHLIGHT_CLASS} shell-block" title="{SHELL_BLOCK_TITLE}">'
            f"<code>{code}</code></pre>\n"
        )
    lexer = _lexer(language) if language else None
    if lexer is None:
        return f"<pre><code>{escapeHtml(token.content)}</code></pre>\n"
    code = highlight(token.content, lexer, _FORMATTER)
    return f'<pre class="{HIGHLIGHT_CLASS}"><code>{code}</code></pre>\n'


def _render_escaped(self, tokens: list[Token], idx: int, options, env) -> str:
    # Raw HTML never reaches the page, even if a token slipped past _rewrite_tokens.
    return escapeHtml(tokens[idx].content)


@lru_cache(maxsize=128)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


def _build_markdown() -> MarkdownIt:
    # html=True only so that html_inline yields tokens that _rewrite_tokens makes inert;
    # html_block stays off so markdown between prompt tags is parsed as markdown.
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"]).disable("html_block")
    md.use(tasklists_plugin)
    # Build every link, whatever its scheme: a refused link would otherwise show its
    # address as text. nh3's url_schemes decides which addresses survive.
    md.validateLink = lambda url: True
    # User HTML is made inert right after inline parsing, before the task list plugin adds
    # its checkbox as an html_inline token, which the next rule turns into our own token.
    md.core.ruler.after("inline", "skillhub_rewrite", _rewrite_tokens)
    md.core.ruler.after("github-tasklists", "skillhub_checkboxes", _checkboxes_as_tokens)
    md.add_render_rule("inert_marker", _render_marker)
    md.add_render_rule("task_checkbox", _render_checkbox)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("html_inline", _render_escaped)
    md.add_render_rule("html_block", _render_escaped)
    return md


# --- nh3: the allowlist -----------------------------------------------------------------


def _token_classes() -> set[str]:
    return {TOKEN_CLASS_PREFIX + name for name in STANDARD_TYPES.values() if name}


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
            "a": {"href", "title"},
            "img": {"src", "alt", "title"},
            "ol": {"start"},
            "input": {"checked", "disabled"},
            "span": {"title"},
            "pre": {"title"},
        },
        tag_attribute_values={"input": {"type": {"checkbox"}}},
        set_tag_attribute_values={"input": {"disabled": "disabled"}},
        allowed_classes={
            "span": _token_classes() | MARKER_TITLES.keys(),
            "pre": {HIGHLIGHT_CLASS, "shell-block", "prompt"},
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


# --- CSS ----------------------------------------------------------------------------------


def _pygments_rules(style: str) -> str:
    formatter = HtmlFormatter(style=get_style_by_name(style), classprefix=TOKEN_CLASS_PREFIX)
    scope = f":root .{HIGHLIGHT_CLASS}"
    rules = [*formatter.get_background_style_defs(scope), *formatter.get_token_style_defs(scope)]
    return "\n".join(rules)


_MARKER_CSS = """\
/* Inert spans: things Claude Code acts on that Skillhub only shows. */
.shell-cmd, .file-ref, .env-marker, .blocked-link {
  border: 1px dashed currentColor;
  border-radius: 3px;
  padding: 0 0.2em;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.92em;
  cursor: help;
}
.shell-cmd { background: rgba(210, 120, 0, 0.14); }
.file-ref { background: rgba(0, 110, 210, 0.12); }
.env-marker { background: rgba(120, 60, 200, 0.12); }
.blocked-link { background: rgba(200, 0, 0, 0.10); text-decoration: line-through; }
pre.shell-block { border-left: 3px dashed rgba(210, 120, 0, 0.8); }

/* Table alignment as classes: the Content-Security-Policy forbids inline styles. */
th.align-left, td.align-left { text-align: left; }
th.align-center, td.align-center { text-align: center; }
th.align-right, td.align-right { text-align: right; }
"""

_MD = _build_markdown()
_FORMATTER = HtmlFormatter(nowrap=True, classprefix=TOKEN_CLASS_PREFIX)
_CLEANER = _build_cleaner()
