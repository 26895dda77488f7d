"""6. Diff of two 15 KB versions: unified, side by side, and word-level.

The new version changes one word in every tenth line, drops and adds a few lines: a
typical edit. The word-level case changes a word in every line, so that every line pair
goes through the word matcher. The baseline is difflib.unified_diff on the same texts,
the plain line diff our line pass is built on; ours pairs lines and marks words as well.
"""

import difflib

from data import edited
from measure import CPU, Row, interleave, timed_row

from catalog import diffing

SCENARIO = "6 diff"


def run(ctx) -> list[Row]:
    old = ctx.fifteen_kb
    typical = edited(old, every=10, seed=6)
    every_line = edited(old, every=1, seed=7)
    n, seconds = (20, 8) if ctx.quick else (100, 30)
    cases = (
        ("unified (with word marks), edits in 1 line in 10", diffing.unified, typical),
        ("side_by_side, edits in 1 line in 10", diffing.side_by_side, typical),
        ("word-level: unified, a word changed in every line", diffing.unified, every_line),
    )
    rows = []
    for case, function, new in cases:

        def ours(function=function, new=new) -> object:
            return function(old, new)

        def plain(new=new) -> list[str]:
            return list(difflib.unified_diff(old.splitlines(True), new.splitlines(True)))

        subject, baseline = interleave(ours, plain, n=n, max_seconds=seconds, clock=CPU)
        rows.append(timed_row(SCENARIO, case, subject, "difflib.unified_diff", baseline))
    return rows
