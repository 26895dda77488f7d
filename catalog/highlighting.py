"""Code highlighting with Pygments: fenced code in markdown, a skill's code files, and
the token colours of a light and a dark theme.

Pure Python: imports no Django. Highlighted code is Pygments' token spans, classed with
TOKEN_CLASS_PREFIX so that they cannot clash with the page's own classes, inside
`<pre class="highlight"><code>`; the sanitiser (catalog.sanitising) allows exactly the
classes token_classes() names.
"""

from functools import lru_cache

from markdown_it.common.utils import escapeHtml
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

__all__ = [
    "highlight_code",
    "highlight_file",
    "lexer_for_language",
    "token_classes",
    "token_colours",
]

HIGHLIGHT_CLASS = "highlight"
TOKEN_CLASS_PREFIX = "tok-"
LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

# A file shown highlighted in the editor: past this it is shown as escaped text, since
# Pygments' cost grows with the file and a 10 MiB script would stall the preview.
HIGHLIGHT_FILE_MAX_BYTES = 256 * 1024


def highlight_file(path: str, text: str) -> str:
    """A skill's code file as safe HTML: highlighted by the lexer its name picks (escaped
    text for unknown names and files over HIGHLIGHT_FILE_MAX_BYTES), in the same
    `<pre class="highlight">` and token classes as code blocks in markdown."""
    lexer = None
    if len(text) <= HIGHLIGHT_FILE_MAX_BYTES:
        try:
            lexer = get_lexer_for_filename(path.rsplit("/", 1)[-1], stripnl=False)
        except ClassNotFound:
            lexer = None
    if lexer is None:
        return f"<pre {FOCUSABLE}><code>{escapeHtml(text)}</code></pre>\n"
    code = highlight_code(text, lexer)
    return f'<pre class="{HIGHLIGHT_CLASS}" {FOCUSABLE}><code>{code}</code></pre>\n'


# A block of code scrolls sideways: it takes the keyboard's focus, so that the arrow
# keys can scroll it too (WCAG 2.1.1; axe's scrollable-region-focusable).
FOCUSABLE = 'tabindex="0"'


def highlight_code(code: str, lexer: Lexer) -> str:
    """`code` as Pygments' token spans, escaped, without a wrapping element."""
    return highlight(code, lexer, _FORMATTER)


@lru_cache(maxsize=128)
def lexer_for_language(language: str) -> Lexer | None:
    """The lexer a fence's language names (`python`, `sh`), or None if Pygments has none."""
    try:
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


def token_classes() -> set[str]:
    """Every class a token span may carry."""
    return {TOKEN_CLASS_PREFIX + name for name in STANDARD_TYPES.values() if name}


def token_colours() -> str:
    """CSS for the token spans: the light theme, and the dark one for a dark colour scheme."""
    light = _style_rules(LIGHT_STYLE)
    dark = _style_rules(DARK_STYLE)
    # The dark block starts by undoing whatever the light style set, so that a token the
    # dark style leaves alone does not keep a light-theme colour on a dark background.
    reset = (
        f':root .{HIGHLIGHT_CLASS} [class^="{TOKEN_CLASS_PREFIX}"] '
        "{ color: inherit; background: none; border: none; "
        "font-style: inherit; font-weight: inherit; }"
    )
    dark_block = "\n".join(f"  {line}" for line in [reset, *dark.splitlines()])
    return f"{light}\n\n@media (prefers-color-scheme: dark) {{\n{dark_block}\n}}"


def _style_rules(style: str) -> str:
    formatter = HtmlFormatter(style=get_style_by_name(style), classprefix=TOKEN_CLASS_PREFIX)
    scope = f":root .{HIGHLIGHT_CLASS}"
    # types-Pygments leaves these two unannotated; each returns a list of CSS rules.
    background = formatter.get_background_style_defs(scope)  # type: ignore[no-untyped-call]
    tokens = formatter.get_token_style_defs(scope)  # type: ignore[no-untyped-call]
    return "\n".join([*background, *tokens])


_FORMATTER = HtmlFormatter(nowrap=True, classprefix=TOKEN_CLASS_PREFIX)
