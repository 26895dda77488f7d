"""Three-way merge: a save from a stale page, and which of a change's edits a save undoes.

Pure Python: imports no Django. Texts are the normalised stored form (LF line ends), as
in catalog.diffing, whose line splitting and matching cost this shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import merge3

from catalog.diffing import match_work, split_lines

__all__ = ["Conflict", "MergeResult", "TooLargeToMerge", "merge", "reverted"]


@dataclass(frozen=True)
class Conflict:
    """One region both sides changed differently; each field is that side's text there."""

    base_start: int  # 1-based line in base where the region starts (or, if empty, would)
    base: str
    theirs: str
    mine: str


@dataclass(frozen=True)
class MergeResult:
    text: str | None  # the merged text when clean, else None
    conflicts: list[Conflict]

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class _Side:
    """A text as merge3 sees it: every line ends with "\\n", and whether the text did.

    Merging the final newline as its own tiny three-way value keeps it from turning the
    last line into a change (and so a spurious conflict) on a side that never touched it.
    """

    lines: list[str]
    final_newline: bool

    @classmethod
    def of(cls, text: str) -> _Side:
        lines = split_lines(text)
        final_newline = not lines or lines[-1].endswith("\n")
        if not final_newline:
            lines[-1] += "\n"
        return cls(lines, final_newline)

    def text(self, start: int, end: int) -> str:
        joined = "".join(self.lines[start:end])
        if end == len(self.lines) and not self.final_newline:
            joined = joined[:-1]
        return joined


def merge(base: str, theirs: str, mine: str, *, mine_wins: bool = False) -> MergeResult:
    """Three-way merge of `mine` (the author's text) with `theirs` (what landed since base).

    Changes on one side only are taken; identical changes on both sides are taken once;
    different changes to the same or to adjacent lines are conflicts (merge3, like diff3
    and git, needs an unchanged line between two edits to keep them apart) unless
    `mine_wins`, when mine is taken there: the author resolved those regions by hand, and
    their other changes still come through. Raises TooLargeToMerge past MERGE_MATCH_BUDGET.
    """
    sides = _Side.of(base), _Side.of(theirs), _Side.of(mine)
    base_side, their_side, my_side = sides
    merger = _merger(base_side, their_side, my_side)
    merged: list[str] = []
    conflicts: list[Conflict] = []
    # Comparing region[0] itself (not a copy of it) lets mypy narrow the region's tuple
    # type, so what is left after the simple kinds is a conflict with all six bounds.
    for region in merger.merge_regions():
        if region[0] == "unchanged":
            merged.extend(base_side.lines[region[1] : region[2]])
        elif region[0] == "a" or region[0] == "same":
            merged.extend(their_side.lines[region[1] : region[2]])
        elif region[0] == "b":
            merged.extend(my_side.lines[region[1] : region[2]])
        elif mine_wins:
            merged.extend(my_side.lines[region[5] : region[6]])
        else:
            conflicts.append(_region(sides, *region[1:]))
    if conflicts:
        return MergeResult(text=None, conflicts=conflicts)
    text = "".join(merged)
    if text and not _merge_flag(*(side.final_newline for side in sides)):
        text = text[:-1]
    return MergeResult(text=text, conflicts=[])


def _region(
    sides: tuple[_Side, _Side, _Side],
    base_start: int,
    base_end: int,
    their_start: int,
    their_end: int,
    my_start: int,
    my_end: int,
) -> Conflict:
    """One region of a three-way comparison, each side's text in its range."""
    base_side, their_side, my_side = sides
    return Conflict(
        base_start=base_start + 1,
        base=base_side.text(base_start, base_end),
        theirs=their_side.text(their_start, their_end),
        mine=my_side.text(my_start, my_end),
    )


def reverted(base: str, theirs: str, mine: str) -> list[Conflict]:
    """The changes `theirs` made to `base` that `mine` undoes: each region `theirs` changed
    where `mine` holds exactly what `base` had (changed lines put back, added lines gone,
    deleted lines back), and the final newline if `theirs` changed it and `mine` did not.

    Regions are `merge`'s: lines that all three share separate them, so edits to adjacent
    lines are one region. A region `mine` changed as well, differently from both, is an
    edit of its own (`merge` calls it a conflict), and one where `mine` made the same
    change keeps it: neither is an undo. Each comes as a Conflict whose `mine` is `base`.
    """
    base_side, their_side, my_side = _Side.of(base), _Side.of(theirs), _Side.of(mine)
    merger = _merger(base_side, their_side, my_side)
    undone: list[Conflict] = []
    base_at = their_at = my_at = 0
    undone_to_end = False
    # Between two runs of lines all three share lies a region each side may have changed
    # (merge3's own walk, in merge_regions); its base range is what they replaced.
    for sync in merger.find_sync_regions():
        base_match, base_end, their_match, their_end, my_match, my_end = sync
        base_lines = base_side.lines[base_at:base_match]
        if (
            their_side.lines[their_at:their_match] != base_lines
            and my_side.lines[my_at:my_match] == base_lines
        ):
            ranges = (base_at, base_match, their_at, their_match, my_at, my_match)
            undone.append(_region((base_side, their_side, my_side), *ranges))
            undone_to_end = base_match == len(base_side.lines)
        base_at, their_at, my_at = base_end, their_end, my_end
    newline_undone = their_side.final_newline != base_side.final_newline == my_side.final_newline
    if newline_undone and not undone_to_end:
        ends = [len(side.lines) for side in (base_side, their_side, my_side)]
        base_end, their_end, my_end = ends
        undone.append(
            Conflict(
                base_start=max(base_end, 1),
                base=base_side.text(max(base_end - 1, 0), base_end),
                theirs=their_side.text(max(their_end - 1, 0), their_end),
                mine=my_side.text(max(my_end - 1, 0), my_end),
            )
        )
    return undone


# merge3 matches lines with difflib, whose work grows with the square of lines that
# repeat just under its 1% junk threshold: two such 1 MiB texts take minutes. Every save
# from a stale page merges, inside the item's row lock, so past this many pairs of equal
# lines (see diffing.match_work) Skillhub asks the author to merge by hand instead.
MERGE_MATCH_BUDGET = 2_000_000


class TooLargeToMerge(ValueError):
    """Texts whose three-way merge would cost more than MERGE_MATCH_BUDGET."""


def _merger(base: _Side, theirs: _Side, mine: _Side) -> merge3.Merge3[str]:
    work = match_work(base.lines, theirs.lines) + match_work(base.lines, mine.lines)
    if work > MERGE_MATCH_BUDGET:
        raise TooLargeToMerge(
            f"These versions are too large to merge line by line ({work:,} pairs of equal "
            f"lines to match; the limit is {MERGE_MATCH_BUDGET:,})."
        )
    return merge3.Merge3(base.lines, theirs.lines, mine.lines)


def _merge_flag(base: bool, theirs: bool, mine: bool) -> bool:
    # A two-valued thing cannot conflict: whichever side changed it wins, and if both
    # changed it they changed it to the same value.
    return mine if theirs == base else theirs
