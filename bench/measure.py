"""Timing and the rows of the results table.

Every figure is a ratio against a baseline measured in the same run, so a table from a
fast laptop and one from a loaded CI runner say the same thing. Where two things can be
timed in turn (a render and cmark-gfm, a preview and /healthz) they are interleaved, so
that a burst of load from elsewhere on the machine slows both, not one. Pure computation
is timed in CPU time (CPU), everything that waits in wall-clock time (WALL).
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

PASS, MISS, INFO, SKIP, ERROR = "PASS", "MISS", "INFO", "SKIP", "ERROR"


@dataclass(frozen=True)
class Samples:
    """Durations in seconds of repeated runs of one thing."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p10(self) -> float:
        return self._deciles()[0]

    @property
    def p90(self) -> float:
        return self._deciles()[-1]

    def _deciles(self) -> list[float]:
        if len(self.seconds) < 2:
            return [self.seconds[0]] * 9
        return statistics.quantiles(self.seconds, n=10, method="inclusive")

    def __len__(self) -> int:
        return len(self.seconds)


# Wall-clock time, for anything that waits (a database, a server, a subprocess).
WALL = time.perf_counter
# CPU time of this thread, for pure computation in this process: time slices taken by
# other processes on a busy machine do not count, so a long task is not penalised
# against a short one that is rarely interrupted.
CPU = time.thread_time


def _timed(action: Callable[[], object], clock: Callable[[], float]) -> float:
    started = clock()
    action()
    return clock() - started


def sample(
    action: Callable[[], object],
    *,
    n: int,
    max_seconds: float,
    min_n: int = 3,
    warmup: int = 1,
    clock: Callable[[], float] = WALL,
) -> Samples:
    """Run `action` n times (fewer, but at least min_n, if that would take over max_seconds)."""
    for _ in range(warmup):
        action()
    durations: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(durations) < n and (len(durations) < min_n or time.perf_counter() < deadline):
        durations.append(_timed(action, clock))
    return Samples(tuple(durations))


def interleave(
    subject: Callable[[], object],
    baseline: Callable[[], object],
    *,
    n: int,
    max_seconds: float,
    min_n: int = 5,
    warmup: int = 2,
    clock: Callable[[], float] = WALL,
) -> tuple[Samples, Samples]:
    """Time `subject` and `baseline` in turn, n times each (within max_seconds, as `sample`)."""
    for _ in range(warmup):
        subject()
        baseline()
    ours: list[float] = []
    theirs: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(ours) < n and (len(ours) < min_n or time.perf_counter() < deadline):
        ours.append(_timed(subject, clock))
        theirs.append(_timed(baseline, clock))
    return Samples(tuple(ours)), Samples(tuple(theirs))


# -- formatting ----------------------------------------------------------------------


def _milliseconds(seconds: float) -> str:
    """About three significant digits."""
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def ms(seconds: float) -> str:
    return f"{_milliseconds(seconds)} ms"


def ms_spread(samples: Samples) -> str:
    """p10-p90 and the number of samples."""
    return f"{_milliseconds(samples.p10)}-{ms(samples.p90)} (n={len(samples)})"


def kib(size: float) -> str:
    return f"{size / 1024:,.0f} KiB"


def per_second(count: float) -> str:
    return f"{count:,.0f}/s"


# -- rows ----------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    case: str
    median: str = "—"
    spread: str = "—"
    baseline: str = "—"
    ratio: float | None = None
    budget: str = "—"
    verdict: str = INFO
    note: str = ""

    @property
    def ratio_text(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio:.2f}x"


def verdict_for(ratio: float, limit: float | None) -> str:
    if limit is None:
        return INFO
    return PASS if ratio <= limit else MISS


def budget_text(limit: float | None) -> str:
    return "—" if limit is None else f"<= {limit:g}x"


def seconds_text(seconds: float) -> str:
    return f"<= {seconds:g} s"


def timed_row(
    scenario: str,
    case: str,
    subject: Samples,
    baseline_name: str,
    baseline: Samples,
    *,
    limit: float | None = None,
    seconds: float | None = None,
    note: str = "",
) -> Row:
    """A row comparing two sets of durations by their medians: `limit` bounds their
    ratio, `seconds` (if given) the subject's median as well."""
    ratio = subject.median / baseline.median
    if seconds is not None and subject.median > seconds:
        verdict = MISS
    elif seconds is not None and limit is None:
        verdict = PASS  # within the only budget it has
    else:
        verdict = verdict_for(ratio, limit)
    budgets = [budget_text(limit)] if limit is not None else []
    budgets += [seconds_text(seconds)] if seconds is not None else []
    budget = ", ".join(budgets) or "—"
    return Row(
        scenario,
        case,
        median=ms(subject.median),
        spread=ms_spread(subject),
        baseline=f"{baseline_name} {ms(baseline.median)}",
        ratio=ratio,
        budget=budget,
        verdict=verdict,
        note=note,
    )


def seconds_row(scenario: str, case: str, samples: Samples, seconds: float) -> Row:
    """A row of durations against a limit on their median alone."""
    return Row(
        scenario,
        case,
        median=ms(samples.median),
        spread=ms_spread(samples),
        budget=seconds_text(seconds),
        verdict=PASS if samples.median <= seconds else MISS,
    )


def skipped(scenario: str, case: str, reason: str) -> Row:
    return Row(scenario, case, verdict=SKIP, note=reason)
