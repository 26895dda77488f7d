"""7. Concurrent writers on PostgreSQL: saves per second with 8 threads.

Each thread has its own database connection (Django's are per thread) and calls
Skill.save_version in a loop. On different items the row locks never meet; on the same
item every save waits for the one before it (select_for_update on the skill), which is
what keeps version numbers gapless. After the same-item rounds the versions are checked
to be exactly 1..N. SQLite allows one writer at a time, so there is nothing to measure.
"""

import threading
import time

from measure import Row, Samples, per_second, skipped

SCENARIO = "7 writers"
THREADS = 8
BASE_TEXT = """---
description: Summarise what changed since the last release
allowed-tools: Bash(git log:*), Bash(git diff:*)
---
Read `git log --oneline $(git describe --tags --abbrev=0)..HEAD` and the diff.

Write release notes grouped by area, one line per change, newest first.
"""


def run(ctx) -> list[Row]:
    if ctx.vendor != "postgresql":
        reason = f"needs PostgreSQL (this run is on {ctx.vendor}, which has one writer at a time)"
        return [skipped(SCENARIO, f"{THREADS} writers", reason)]
    from catalog.models import Skill

    user, _ = ctx.user("bench-writer")
    saves, rounds = (5, 1) if ctx.quick else (25, 3)
    own = [_new_item(f"writer-{n}", user) for n in range(THREADS)]
    shared = _new_item("writer-shared", user)
    different, same = [], []
    for number in range(rounds):
        different.append(_round(own, saves, user, f"d{number}"))
        same.append(_round([shared] * THREADS, saves, user, f"s{number}"))
    numbers = list(
        Skill.objects.get(pk=shared).versions.order_by("number").values_list("number", flat=True)
    )
    expected = list(range(1, 1 + 1 + THREADS * saves * rounds))
    if numbers != expected:
        raise RuntimeError(f"versions of the shared item are not 1..{expected[-1]}: {numbers}")
    total = THREADS * saves
    apart, together = Samples(tuple(different)), Samples(tuple(same))
    return [
        _row(f"{THREADS} writers, different items", apart, total, "—", None),
        _row(
            f"{THREADS} writers, the same item",
            together,
            total,
            f"different items {per_second(total / apart.median)}",
            together.median / apart.median,
            note=f"versions 1..{expected[-1]} without gaps",
        ),
    ]


def _new_item(name: str, user) -> int:
    from catalog.models import Skill

    return Skill.create("command", name, BASE_TEXT, user).version.skill_id


def _row(case, samples: Samples, total: int, baseline: str, ratio, note: str = "") -> Row:
    rates = sorted(total / seconds for seconds in samples.seconds)
    return Row(
        SCENARIO,
        case,
        median=per_second(total / samples.median) + " saves",
        spread=f"{rates[0]:,.0f}-{per_second(rates[-1])} (min-max)",
        baseline=baseline,
        ratio=ratio,
        note=f"{len(samples)} rounds of {total} saves" + (f"; {note}" if note else ""),
    )


def _round(skill_pks: list[int], saves: int, user, label: str) -> float:
    """Seconds for one thread per item of `skill_pks` to save `saves` versions each, from a
    common start."""
    from django.db import connection

    from catalog.models import Skill

    start = threading.Barrier(len(skill_pks) + 1)
    errors: list[BaseException] = []

    def write(pk: int, thread: int) -> None:
        skill = None
        try:
            skill = Skill.objects.get(pk=pk)  # an instance of its own, on its own connection
        except BaseException as error:
            errors.append(error)
        start.wait()
        try:
            for number in range(saves if skill else 0):
                text = f"{BASE_TEXT}\nRound {label}, writer {thread}, save {number}.\n"
                skill.save_version(text, user, message=f"bench {label}")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(pk, n)) for n, pk in enumerate(skill_pks)]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed
