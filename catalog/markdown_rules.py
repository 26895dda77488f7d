"""The markdown-it instance Skillhub renders with, and its rules: which syntax is read
(CommonMark, GFM tables, strikethrough and task lists), the token rewrites that make
whatever a user wrote as HTML inert and mark what Claude Code acts on, and how each
token is written out. catalog.rendering calls it; catalog.sanitising then cleans the
result.

Pure Python: imports no Django.

Raw HTML policy (docs/skill-format.md §5: raw HTML is never passed through). Block-level
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

import importlib
import re
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from catalog.highlighting import FOCUSABLE, HIGHLIGHT_CLASS, highlight_code, lexer_for_language

__all__ = ["build_markdown", "marker_html"]

# The link schemes a page keeps: nh3 (catalog.sanitising) drops any other address, and
# an autolink to one is replaced by a marker (see _block_unsafe_autolinks).
URL_SCHEMES = {"http", "https", "mailto"}

# Pygments is pure Python, like markdown-it-py (about 9 µs a byte): past this many bytes
# of fenced code in one body, blocks are shown unhighlighted.
HIGHLIGHT_MAX_BYTES = 32 * 1024
# Table cells per body (see _bounded_tables): 60 µs each; a legitimate table has hundreds.
TABLE_CELLS_MAX = 5_000
TABLE_FILLED_CELLS_MAX = 1_000  # empty cells markdown-it adds to short rows, per table

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


# --- markdown-it: parsing and token rewriting -------------------------------------------


def _rewrite_tokens(state: StateCore) -> None:
    removed_elements: Counter[str] = Counter()
    image_hosts = state.env.get("image_hosts", frozenset())
    for token in state.tokens:
        if token.type == "inline" and token.children is not None:
            children = _replace_raw_html(token.children, removed_elements)
            children = _images_as_links(children, image_hosts)
            if files_url := state.env.get("files_url"):
                _point_at_files(children, files_url)
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


def _point_at_files(children: list[Token], files_url: str) -> None:
    """Relative link and image targets resolved against the skill's files."""
    for token in children:
        attribute = {"link_open": "href", "image": "src"}.get(token.type)
        if attribute is not None:
            target = str(token.attrGet(attribute) or "")
            if target and not SCHEME_RE.match(target) and not target.startswith(("/", "#", "?")):
                token.attrSet(attribute, files_url + target.removeprefix("./"))
        if token.type == "image" and token.children:
            _point_at_files(token.children, files_url)


def _images_as_links(children: list[Token], image_hosts: frozenset[str]) -> list[Token]:
    """A remote image from a host not in `image_hosts` becomes a link to it, with its alt
    text (or its address) as the link's text: loading it would tell that host who reads."""
    result: list[Token] = []
    for token in children:
        if token.type == "image" and token.children:  # an image inside an image's alt text
            token.children = _images_as_links(token.children, image_hosts)
        if token.type != "image" or _is_allowed_image(token, image_hosts):
            result.append(token)
            continue
        link = Token("link_open", "a", 1)
        link.attrSet("href", str(token.attrGet("src") or ""))
        if token.attrGet("title"):
            link.attrSet("title", str(token.attrGet("title")))
        alt = token.children or [_text(str(token.attrGet("src") or "image"))]
        result += [link, *alt, Token("link_close", "a", -1)]
    return result


def _is_allowed_image(token: Token, image_hosts: frozenset[str]) -> bool:
    """Relative images (this site's own) and https images from the allowed hosts."""
    try:
        address = urlsplit(str(token.attrGet("src") or ""))
        host = address.hostname
    except ValueError:  # an address no browser would load either
        return False
    if not address.scheme and not address.netloc:
        return True
    return address.scheme == "https" and (host or "") in image_hosts


def _join_text(children: list[Token]) -> list[Token]:
    """Adjacent text tokens as one (joined once per run, not once per token)."""
    result: list[Token] = []
    run: list[str] = []
    for token in children:
        if token.type == "text":
            run.append(token.content)
            continue
        if run:
            result.append(_text("".join(run)))
            run = []
        result.append(token)
    if run:
        result.append(_text("".join(run)))
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
            group = match.lastgroup or ""  # never empty: each alternative is a named group
            result.append(_marker(group.replace("_", "-"), match.group()))
            position = match.end()
        if position < len(scanned):
            result.append(_text(scanned[position:]))
    return result


TASK_MARKER_RE = re.compile(r"\[[ xX]\][ \t\n\v\f\r]+")
LIST_OPENERS = ("bullet_list_open", "ordered_list_open")


# Each top-level block carries the line of the file it starts on, so that the editor's
# preview can follow the text (assets/src/editor.js); `first_line` in the env is the
# line the body starts on. Only blocks: the preview scrolls to them, and their count
# stays linear in the text.
SOURCE_LINE = "data-source-line"


def _source_lines(state: StateCore) -> None:
    first = state.env.get("first_line")
    if first is None:
        return
    for token in state.tokens:
        if token.level == 0 and token.map and token.nesting >= 0 and token.type != "inline":
            token.attrSet(SOURCE_LINE, str(first + token.map[0]))


def _source_line_attr(token: Token) -> str:
    line = token.attrGet(SOURCE_LINE)
    return f' {SOURCE_LINE}="{line}"' if line is not None else ""


def _task_lists(state: StateCore) -> None:
    """GFM task lists in one pass: a list item whose paragraph starts with `[ ]` or `[x]`
    gets a checkbox. (mdit-py-plugins' version searches backwards for each item's list,
    which is quadratic: 12,500 items took 15 s.)"""
    open_lists: list[Token] = []
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type in LIST_OPENERS:
            open_lists.append(token)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            open_lists.pop()
        elif (
            token.type == "inline"
            and index >= 2
            and tokens[index - 1].type == "paragraph_open"
            and tokens[index - 2].type == "list_item_open"
            and token.children
            and token.children[0].type == "text"
            and TASK_MARKER_RE.match(token.content)
        ):
            checkbox = Token("task_checkbox", "input", 0)
            checkbox.meta["checked"] = token.content[1] in "xX"
            token.children[0].content = token.children[0].content[3:]
            token.children.insert(0, checkbox)
            token.content = token.content[3:]
            tokens[index - 2].attrSet("class", "task-list-item")
            open_lists[-1].attrSet("class", "contains-task-list")


def _alignment_as_class(token: Token) -> None:
    # markdown-it writes style="text-align:…"; the CSP forbids inline styles.
    style = token.attrGet("style")
    if isinstance(style, str) and style.startswith("text-align:"):
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


def marker_html(kind: str, content: str) -> str:
    return f'<span class="{kind}" title="{MARKER_TITLES[kind]}">{escapeHtml(content)}</span>'


def _render_marker(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return marker_html(tokens[idx].info, tokens[idx].content)


def _render_checkbox(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    checked = " checked" if tokens[idx].meta["checked"] else ""
    state = "Done" if tokens[idx].meta["checked"] else "Not done"  # its name to a screen reader
    return (
        f'<input class="task-list-item-checkbox" type="checkbox" disabled{checked}'
        f' aria-label="{state}">'
    )


def _render_fence(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
    # Claude Code runs a ```! block as shell commands; shown highlighted as shell.
    shell = language.startswith("!")
    lexer = lexer_for_language("bash" if shell else language) if language else None
    highlighted = env.setdefault("highlighted_bytes", [0])
    if lexer is not None and highlighted[0] + len(token.content) <= HIGHLIGHT_MAX_BYTES:
        highlighted[0] += len(token.content)
        code = highlight_code(token.content, lexer)
    else:  # no known language, or past the highlighting budget
        code = escapeHtml(token.content)
    line = _source_line_attr(token)
    if shell:
        return (
            f'<pre class="{HIGHLIGHT_CLASS} shell-block" title="{SHELL_BLOCK_TITLE}"'
            f" {FOCUSABLE}{line}>"
            f"<code>{code}</code></pre>\n"
        )
    if lexer is None:
        return f"<pre {FOCUSABLE}{line}><code>{code}</code></pre>\n"
    return f'<pre class="{HIGHLIGHT_CLASS}" {FOCUSABLE}{line}><code>{code}</code></pre>\n'


def _render_code_block(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    line = _source_line_attr(token)
    return f"<pre {FOCUSABLE}{line}><code>{escapeHtml(token.content)}</code></pre>\n"


def _render_escaped(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Raw HTML never reaches the page, even if a token slipped past _rewrite_tokens.
    return escapeHtml(tokens[idx].content)


def _bounded_tables(md: MarkdownIt) -> None:
    """At most TABLE_CELLS_MAX cells per body. markdown-it fills a short row up to the
    header's width, so a wide header over one-cell rows makes far more cells than the
    text has characters (30 KB gave 10 MB of HTML); past the limit a table is read as
    the text it is."""
    table = next(rule.fn for rule in md.block.ruler.__rules__ if rule.name == "table")

    def table_within_budget(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        cells = state.env.get("table_cells", 0)
        if cells >= TABLE_CELLS_MAX:
            return False
        before = len(state.tokens)
        found = table(state, start, end, silent)
        if found and not silent:
            made = state.tokens[before:]
            state.env["table_cells"] = cells + sum(t.type in ("td_open", "th_open") for t in made)
        return found

    md.block.ruler.at("table", table_within_budget, {"alt": ["paragraph", "reference"]})
    # And per table: markdown-it's own guard is 65,536 filled-in cells a table, read from
    # its module at every call (no option exists); a row past ours ends the table. (The
    # package's `table` is the rule function, hence importlib for the module; mypy sees a
    # ModuleType, which declares no such constant.)
    module = importlib.import_module("markdown_it.rules_block.table")
    module.MAX_AUTOCOMPLETED_CELLS = TABLE_FILLED_CELLS_MAX  # type: ignore[attr-defined]  # see above


def _keep_deep_blocks(md: MarkdownIt) -> None:
    """Blocks nested past maxNesting (20 token levels: 20 `>`, or 10 lists, each a list
    and an item) are shown as preformatted
    text. markdown-it drops them silently, which would hide text from the page that the
    model still reads: the same hidden-instruction risk as an HTML comment."""
    tokenize = md.block.tokenize

    def tokenize_or_keep(state: StateBlock, startLine: int, endLine: int) -> None:
        if state.level < md.options["maxNesting"] or startLine >= endLine:
            tokenize(state, startLine, endLine)
            return
        token = state.push("code_block", "code", 0)
        token.content = state.getLines(startLine, endLine, state.blkIndent, True)
        token.map = [startLine, endLine]
        state.line = endLine

    # On this instance only, where the block rules that nest (quotes, lists) call it back.
    md.block.tokenize = tokenize_or_keep  # type: ignore[method-assign]  # a deliberate wrapper


class _EveryLink(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # Build every link, whatever its scheme: a refused link would otherwise show its
        # address as text. nh3's url_schemes decides which addresses survive.
        return True


def build_markdown() -> MarkdownIt:
    # html=True only so that html_inline yields tokens that _rewrite_tokens makes inert;
    # html_block stays off so markdown between prompt tags is parsed as markdown.
    md = _EveryLink("commonmark", {"html": True})
    md.enable(["table", "strikethrough"]).disable("html_block")
    _keep_deep_blocks(md)
    _bounded_tables(md)
    # User HTML is made inert right after inline parsing; task list checkboxes come after,
    # as tokens of our own, so no HTML a user could have written is ever let through.
    md.core.ruler.after("inline", "skillhub_rewrite", _rewrite_tokens)
    md.core.ruler.after("skillhub_rewrite", "skillhub_task_lists", _task_lists)
    md.core.ruler.push("skillhub_source_lines", _source_lines)
    md.add_render_rule("inert_marker", _render_marker)
    md.add_render_rule("task_checkbox", _render_checkbox)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    md.add_render_rule("html_inline", _render_escaped)
    md.add_render_rule("html_block", _render_escaped)
    return md
