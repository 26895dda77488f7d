"""Where a search matched: a short excerpt of a text around its first matched word, every
matched word in it marked with <mark>.

Pure (no Django): search.py hands in the texts, this module finds, cuts, escapes and
marks. The excerpt is HTML built here from escaped pieces only (html.escape, quotes
too), so a hostile description cannot become markup; `Snippet.__html__` lets Django's
templates print it as it is, without a `|safe` in the template.

Words match as the catalog's search finds them: at the start of a word, any case
("deploy" marks "Deploying"); a word ending in a common English suffix is also tried
without it, since PostgreSQL's search finds "deploying" in a text saying "deploy".
The pattern is an alternation of at most MAX_TERMS escaped literals after a
look-behind, so matching costs time linear in the text.
"""

import html
import re

TOKEN = re.compile(r"[^\W_]+")  # what a search index keeps of a word: letters and digits
SUFFIXES = ("ing", "ed", "es", "s")
MIN_STEM = 3
MAX_TERMS = 20
BEFORE = 60  # characters of context shown before the first match
WIDTH = 180  # characters of the whole excerpt, at most
ELLIPSIS = "…"


class Snippet(str):
    """An escaped, marked excerpt (markup) of one of an item's texts; `source` says which:
    "description", "text" (the body), "files" or "frontmatter". A str, so that templates
    print it; `__html__` says it is markup already, so they do not escape it again."""

    source: str

    def __new__(cls, markup: str, source: str) -> "Snippet":
        snippet = super().__new__(cls, markup)
        snippet.source = source
        return snippet

    def __html__(self) -> str:
        return str(self)


def terms(words: list[str]) -> list[str]:
    """The lower-case terms to look for: each word's tokens, and their stems."""
    found: dict[str, None] = {}
    for word in words:
        for token in TOKEN.findall(word.lower()):
            found[token] = None
            for suffix in SUFFIXES:
                stem = token.removesuffix(suffix)
                if stem != token and len(stem) >= MIN_STEM:
                    found[stem] = None
                    break
    return list(found)[:MAX_TERMS]


def matcher(words: list[str]) -> re.Pattern[str] | None:
    """A pattern for the words at the start of a word (the whole word matched), or None
    when the words hold no term (punctuation only)."""
    wanted = terms(words)
    if not wanted:
        return None
    # Longest first, so that a term never stops short of a longer one it begins.
    alternatives = "|".join(re.escape(term) for term in sorted(wanted, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def snippet(
    text: str,
    pattern: re.Pattern[str],
    source: str,
    *,
    cut_before: bool = False,
    cut_after: bool = False,
) -> Snippet | None:
    """The excerpt of `text` around the first match of `pattern`, or None if nothing in
    it matches. `cut_before`, `cut_after`: `text` is itself a piece of a longer text."""
    first = pattern.search(text)
    if first is None:
        return None
    start = max(0, first.start() - BEFORE)
    if start > 0:  # begin at a word, not inside one
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", first.end(), end)
        end = space if space != -1 else end
    window = " ".join(text[start:end].split())
    markup = _marked(window, pattern)
    if cut_before or start > 0:
        markup = ELLIPSIS + markup
    if cut_after or end < len(text):
        markup += ELLIPSIS
    return Snippet(markup, source)


def _marked(window: str, pattern: re.Pattern[str]) -> str:
    pieces, done = [], 0
    for match in pattern.finditer(window):
        pieces.append(html.escape(window[done : match.start()]))
        pieces.append(f"<mark>{html.escape(match.group())}</mark>")
        done = match.end()
    pieces.append(html.escape(window[done:]))
    return "".join(pieces)
