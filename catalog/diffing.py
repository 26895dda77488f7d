"""Line and word diffs: the hunks a diff page shows, unified or side by side.

Pure Python: imports no Django. Texts are the normalised stored form (LF line ends); a
text may or may not end with a newline, and every function here keeps that difference
visible instead of smoothing it over. Three-way merge is catalog.merging, which shares
split_lines and match_work; frontmatter-field diffs are catalog.field_diffs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

__all__ = [
    "DiffLine",
    "Hunk",
    "Row",
    "Segment",
    "hunk_stats",
    "match_work",
    "page_hunks",
    "rows",
    "side_by_side",
    "split_lines",
    "stats",
    "unified",
]

# Word-level diffs of longer line pairs are not worth their cost (the token matcher is
# quadratic in the worst case) nor readable: such a pair is shown as wholly changed.
WORD_DIFF_LIMIT = 2000

# Above this many pairs of equal elements (see match_work), exact matching gets slow:
# tens of milliseconds, growing with the square of the repeats.
LINE_MATCH_BUDGET = 10_000
WORD_MATCH_BUDGET = 5_000

# A run of whitespace, a word, or one other character: every character of a line falls
# in exactly one token, so joining the tokens gives the line back.
_TOKEN = re.compile(r"(?P<space>\s+)|\w+|[^\w\s]")

# A SequenceMatcher opcode: tag, then the old and the new range.
_Opcode = tuple[str, int, int, int, int]


def split_lines(text: str) -> list[str]:
    """Lines with their "\\n" kept; only the last one may lack it.

    str.splitlines would also break on \\r, \\f, U+2028 and friends, which in stored
    texts are characters inside a line, not line ends.
    """
    if not text:
        return []
    lines = [line + "\n" for line in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()  # split() left an empty piece after the final newline
    else:
        lines[-1] = lines[-1][:-1]
    return lines


# ---------------------------------------------------------------------- line diffs


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class DiffLine:
    op: Literal["equal", "delete", "insert"]
    old_no: int | None  # 1-based line number in old, None for an inserted line
    new_no: int | None  # 1-based line number in new, None for a deleted line
    segments: tuple[Segment, ...]  # the line's text (without its newline), in pieces
    # False only on a last line that has no final newline (diff's "\ No newline at end
    # of file"): without it a change of just that newline would be invisible.
    newline: bool = True

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class Hunk:
    # Start and length as in a unified diff header: the start of an empty range is the
    # line before it (0 at the top of the file).
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[DiffLine, ...]

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"


@dataclass(frozen=True)
class Row:
    left: DiffLine | None
    right: DiffLine | None


def _line_matcher(old_lines: list[str], new_lines: list[str]) -> SequenceMatcher[str]:
    """Exact matching while it is cheap, difflib's autojunk heuristic past that.

    autojunk makes a line seen in over 1% of a long text (blank lines, code fences)
    unable to anchor a match, which can scatter a diff needlessly; but without it the
    matcher's work grows with the square of those repeats (a minute for two 1 MiB
    versions with many blank lines).
    """
    exact = match_work(old_lines, new_lines) <= LINE_MATCH_BUDGET
    return SequenceMatcher(None, old_lines, new_lines, autojunk=not exact)


def match_work(a: Sequence[str], b: Sequence[str]) -> int:
    """How many (i, j) with a[i] == b[j]: what one pass of SequenceMatcher walks through."""
    counts = Counter(b)
    return sum(counts[item] for item in a)


def unified(old: str, new: str, context: int = 3) -> list[Hunk]:
    """Hunks of changed lines with `context` equal lines around them; [] when equal.

    The deleted and inserted lines of a replaced block are paired in order, and each
    pair carries word-level segments marking what changed; any other line is one
    unchanged-looking segment (its op already says it is new or gone).
    """
    old_lines, new_lines = split_lines(old), split_lines(new)
    matcher = _line_matcher(old_lines, new_lines)
    return [_hunk(group, old_lines, new_lines) for group in matcher.get_grouped_opcodes(context)]


# What one page of diff shows. Building and rendering a diff costs per line: two
# versions of 500,000 one-character lines take 15 s to diff and give a million rows.
DIFF_MAX_LINES = 20_000  # of the two texts together, before anything is diffed
SHOW_MAX_LINES = 5_000  # of the diff itself
PAGE_LIMITS = (
    f"a page shows at most {SHOW_MAX_LINES:,} diff lines, of versions of at most "
    f"{DIFF_MAX_LINES:,} lines together"
)


def page_hunks(old: str, new: str, context: int = 3) -> list[Hunk] | None:
    """The hunks of `unified`, or None when the texts or their diff are too large to show
    on one page (the page then offers both files instead)."""
    if old.count("\n") + new.count("\n") > DIFF_MAX_LINES:
        return None
    hunks = unified(old, new, context)
    if sum(len(hunk.lines) for hunk in hunks) > SHOW_MAX_LINES:
        return None
    return hunks


def side_by_side(old: str, new: str, context: int = 3) -> list[list[Row]]:
    """The hunks of `unified` as rows: a deleted line beside the inserted line it pairs
    with (same segments), an equal line on both sides, None where a side has no line."""
    return [rows(hunk) for hunk in unified(old, new, context)]


def rows(hunk: Hunk) -> list[Row]:
    """One hunk of `unified` as side-by-side rows (no second diff)."""
    return _rows(hunk.lines)


def hunk_stats(hunks: Sequence[Hunk]) -> tuple[int, int]:
    """(lines added, lines removed) in `hunks`; equals `stats` of the same texts."""
    ops = [line.op for hunk in hunks for line in hunk.lines]
    return ops.count("insert"), ops.count("delete")


def stats(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed), counted as in `unified`."""
    matcher = _line_matcher(split_lines(old), split_lines(new))
    added = removed = 0
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag != "equal":
            removed += old_to - old_from
            added += new_to - new_from
    return added, removed


def _hunk(group: Sequence[_Opcode], old_lines: list[str], new_lines: list[str]) -> Hunk:
    lines: list[DiffLine] = []
    for tag, old_from, old_to, new_from, new_to in group:
        if tag == "equal":
            for offset in range(old_to - old_from):
                index = old_from + offset
                lines.append(_diff_line("equal", old_lines[index], index, new_from + offset))
        else:
            lines.extend(_replaced_block(old_lines, old_from, old_to, new_lines, new_from, new_to))
    old_first, old_last = group[0][1], group[-1][2]
    new_first, new_last = group[0][3], group[-1][4]
    return Hunk(
        old_start=_header_start(old_first, old_last),
        old_len=old_last - old_first,
        new_start=_header_start(new_first, new_last),
        new_len=new_last - new_first,
        lines=tuple(lines),
    )


def _header_start(first: int, last: int) -> int:
    return first + 1 if last > first else first


def _replaced_block(
    old_lines: list[str],
    old_from: int,
    old_to: int,
    new_lines: list[str],
    new_from: int,
    new_to: int,
) -> Iterator[DiffLine]:
    """All deleted lines, then all inserted ones; the k-th of each are a pair."""
    pairs = min(old_to - old_from, new_to - new_from)
    word_diffs = [
        _word_segments(_content(old_lines[old_from + k]), _content(new_lines[new_from + k]))
        for k in range(pairs)
    ]
    for k, index in enumerate(range(old_from, old_to)):
        segments = word_diffs[k][0] if k < pairs else None
        yield _diff_line("delete", old_lines[index], index, None, segments)
    for k, index in enumerate(range(new_from, new_to)):
        segments = word_diffs[k][1] if k < pairs else None
        yield _diff_line("insert", new_lines[index], None, index, segments)


def _diff_line(
    op: Literal["equal", "delete", "insert"],
    line: str,
    old_index: int | None,
    new_index: int | None,
    segments: tuple[Segment, ...] | None = None,
) -> DiffLine:
    """A DiffLine for `line` (with its newline, if any); 0-based indexes in, 1-based out."""
    return DiffLine(
        op=op,
        old_no=None if old_index is None else old_index + 1,
        new_no=None if new_index is None else new_index + 1,
        segments=segments or (Segment(_content(line), False),),
        newline=line.endswith("\n"),
    )


def _content(line: str) -> str:
    return line[:-1] if line.endswith("\n") else line


def _rows(lines: Sequence[DiffLine]) -> list[Row]:
    rows: list[Row] = []
    deleted: list[DiffLine] = []
    inserted: list[DiffLine] = []

    def flush() -> None:
        # `unified` emits a replaced block as its deletes then its inserts, paired by
        # position; pairing the same way here keeps each row's word highlights aligned.
        for k in range(max(len(deleted), len(inserted))):
            left = deleted[k] if k < len(deleted) else None
            right = inserted[k] if k < len(inserted) else None
            rows.append(Row(left, right))
        deleted.clear()
        inserted.clear()

    for line in lines:
        if line.op == "equal":
            flush()
            rows.append(Row(line, line))
        elif line.op == "delete":
            if inserted:  # a delete after inserts starts a new block
                flush()
            deleted.append(line)
        else:
            inserted.append(line)
    flush()
    return rows


# ---------------------------------------------------------------------- word diffs


def _word_segments(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Segments of a paired old and new line, marking the words that differ.

    Only words and punctuation are matched; the whitespace between them follows. Were
    spaces tokens of their own in the matcher, a lone space common to both lines could
    anchor a match between unrelated words, and the many spaces of a long line would
    make matching slow.
    """
    if max(len(old), len(new)) > WORD_DIFF_LIMIT:
        return _whole(old), _whole(new)
    old_words, old_gaps = _tokenize(old)
    new_words, new_gaps = _tokenize(new)
    old_partner: list[int | None] = [None] * len(old_words)
    new_partner: list[int | None] = [None] * len(new_words)
    for tag, old_from, old_to, new_from, _ in _word_opcodes(old_words, new_words):
        if tag == "equal":
            for offset in range(old_to - old_from):
                old_partner[old_from + offset] = new_from + offset
                new_partner[new_from + offset] = old_from + offset
    return (
        _line_segments(old_words, old_gaps, old_partner, new_gaps),
        _line_segments(new_words, new_gaps, new_partner, old_gaps),
    )


def _tokenize(line: str) -> tuple[list[str], list[str]]:
    """The line's words and punctuation marks, and the whitespace around them:
    gaps[k] precedes words[k], and the last gap ends the line."""
    words: list[str] = []
    gaps = [""]
    for token in _TOKEN.finditer(line):
        if token.group("space"):
            gaps[-1] = token.group()
        else:
            words.append(token.group())
            gaps.append("")
    return words, gaps


def _word_opcodes(a: list[str], b: list[str]) -> list[_Opcode]:
    """SequenceMatcher opcodes, with the common head and tail matched up front: most edits
    touch one spot of a line, so little is left for the matcher. If what is left would
    be slow to match (a long line of repeats), it is all one change."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a_end, b_end = len(a) - tail, len(b) - tail
    opcodes: list[_Opcode] = [("equal", 0, head, 0, head)] if head else []
    middle_a, middle_b = a[head:a_end], b[head:b_end]
    if match_work(middle_a, middle_b) > WORD_MATCH_BUDGET:
        opcodes.append(("replace", head, a_end, head, b_end))
    elif middle_a or middle_b:
        matcher = SequenceMatcher(None, middle_a, middle_b, autojunk=False)
        opcodes.extend(
            (tag, i1 + head, i2 + head, j1 + head, j2 + head)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        )
    if tail:
        opcodes.append(("equal", a_end, len(a), b_end, len(b)))
    return opcodes


def _line_segments(
    words: list[str], gaps: list[str], partner: list[int | None], other_gaps: list[str]
) -> tuple[Segment, ...]:
    pieces: list[tuple[str, bool]] = []
    for k, gap in enumerate(gaps):
        if gap:
            pieces.append((gap, _gap_changed(k, gap, partner, other_gaps)))
        if k < len(words):
            pieces.append((words[k], partner[k] is None))
    return _segments(pieces)


def _gap_changed(k: int, gap: str, partner: list[int | None], other_gaps: list[str]) -> bool:
    """Whether the whitespace before word k (after the last word, for k == len(words))
    is part of a change."""
    # Between two words whose partners are neighbours too (the line's two ends count as
    # partners of the other line's), the other line has a gap of its own to compare with.
    before = -1 if k == 0 else partner[k - 1]
    after = len(other_gaps) - 1 if k == len(partner) else partner[k]
    if before is not None and after is not None and after == before + 1:
        return gap != other_gaps[after]
    # Otherwise it borders a change: it belongs to the change only if no unchanged word
    # touches it ("foo bar baz" -> "qux quux baz" changes "foo bar", not "foo", "bar").
    touches_unchanged = (k > 0 and partner[k - 1] is not None) or (
        k < len(partner) and partner[k] is not None
    )
    return not touches_unchanged


def _whole(line: str) -> tuple[Segment, ...]:
    return (Segment(line, bool(line)),)


def _segments(pieces: list[tuple[str, bool]]) -> tuple[Segment, ...]:
    """Join neighbouring pieces of the same kind; an empty line is one empty segment."""
    runs: list[tuple[list[str], bool]] = []
    for text, changed in pieces:
        if not text:
            continue
        if runs and runs[-1][1] == changed:
            runs[-1][0].append(text)
        else:
            runs.append(([text], changed))
    return tuple(Segment("".join(texts), changed) for texts, changed in runs) or (
        Segment("", False),
    )
