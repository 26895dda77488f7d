"""8. Cost of pathological input: every generator of tests/pathological.py at 64 KiB and
at 256 KiB through what a preview does (parse, validate, lint, render, expand the prompt
and render it: catalog.previews.build_preview), which is the costliest thing any door
does with one text.

Each row is one generator: the median at 256 KiB, the median at 64 KiB as the baseline
and their ratio (16 and 64 KiB for the generators that grow the frontmatter, which is
refused unread past 64 KiB). Budget: at most 1 s at the larger size, and a ratio of at
most 6 (linear cost gives 4; quadratic gives 16). Timed in CPU time: pure computation.
"""

from measure import CPU, Row, sample, timed_row

from catalog.previews import build_preview
from tests.pathological import GENERATORS

SCENARIO = "8 cost"
RATIO_LIMIT = 6.0
SECONDS_LIMIT = 1.0
SIZES = (64 * 1024, 256 * 1024)
# A frontmatter past 64 KiB is refused unread, so growing one from 64 to 256 KiB would
# only compare reading with refusing: those generators are compared at 16 and 64 KiB.
FRONTMATTER_SIZES = (16 * 1024, 64 * 1024)


def run(ctx) -> list[Row]:
    n = 2 if ctx.quick else 3
    rows = []
    for generator in GENERATORS:
        small_size, large_size = FRONTMATTER_SIZES if generator.frontmatter else SIZES
        timings = {}
        for size in (small_size, large_size):
            text = generator.make(size)

            def preview(text=text, generator=generator) -> object:
                return build_preview(text, generator.kind, "bench", generator.arguments)

            timings[size] = sample(preview, n=n, max_seconds=10, min_n=n, warmup=1, clock=CPU)
        large, small = timings[large_size], timings[small_size]
        case = f"{generator.name}, {large_size // 1024} KiB"
        baseline = f"{small_size // 1024} KiB"
        rows.append(
            timed_row(
                SCENARIO, case, large, baseline, small, limit=RATIO_LIMIT, seconds=SECONDS_LIMIT
            )
        )
    return rows
