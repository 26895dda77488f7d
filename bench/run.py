"""`make bench`: Skillhub's performance as ratios against baselines measured in the same run.

    .venv/bin/python bench/run.py [--only NAME ...]     BENCH_QUICK=1 for a smoke run
    DATABASE_URL=postgres://user@host:5432/db …         on PostgreSQL (a throwaway
                                                        database skillhub_bench is made
                                                        beside `db` and dropped after)

The run never touches the project's own database: on SQLite it migrates a fresh file in
a temporary folder. It prints a table and, for a full run, writes the same table with
the machine it ran on into bench/results/<date>.md (one section per database; the rest
of that file, such as the notes on missed budgets, is kept). See bench/README.md.
"""

import argparse
import datetime
import importlib
import os
import platform
import re
import secrets
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO)]

from database import Database, bench_database, describe  # noqa: E402
from measure import ERROR, Row  # noqa: E402
from scenarios import ORDER, module_name  # noqa: E402

RESULTS = BENCH / "results"
NOTES_HEADING = "## Notes"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    quick = os.environ.get("BENCH_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}
    names = args.only or list(ORDER)
    started, load_before = time.perf_counter(), os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="skillhub-bench-") as scratch:
        tmp = Path(scratch)
        with bench_database(tmp) as bench_db:
            server_env = _configure(bench_db.url)
            rows, context = _run_scenarios(names, quick, bench_db, server_env)
            database = describe()
    elapsed = time.perf_counter() - started
    machine = _machine(database, elapsed, load_before, quick, context.source)
    table = markdown_table(rows)
    print(f"\n{machine}\n\n{table}\n")
    if quick or args.only:
        print("(partial run: bench/results not written)")
    else:
        path = write_results(database, f"{machine}\n\n{table}\n")
        print(f"written to {path.relative_to(REPO)}")
    return 1 if any(row.verdict == ERROR for row in rows) else 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=ORDER,
        metavar="NAME",
        help=f"run only this scenario (repeatable): {', '.join(ORDER)}",
    )
    return parser.parse_args(argv)


# -- environment and database ------------------------------------------------------------


def _configure(database_url: str) -> dict[str, str]:
    """Set up this process for Django (DEBUG off, a random key for this run only) and return
    the environment for the servers it starts."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        USE_TLS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        LOG_LEVEL="WARNING",  # the write log would bury the table; servers keep theirs
    )
    # Whitenoise warns that STATIC_ROOT was never collected; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return {**os.environ, "LOG_LEVEL": "INFO"}


# -- scenarios -------------------------------------------------------------------------


def _run_scenarios(names, quick: bool, database: Database, server_env: dict):
    from context import Context

    context = Context(quick=quick, tmp=database.tmp, env=server_env, database=database)
    rows: list[Row] = []
    for name in names:
        print(f"[bench] {name}…", file=sys.stderr, flush=True)
        started = time.perf_counter()
        module = None
        try:
            module = importlib.import_module(module_name(name))
            rows += module.run(context)
        except Exception as error:  # one broken scenario must not hide the others
            traceback.print_exc()
            scenario = getattr(module, "SCENARIO", name)
            rows.append(Row(scenario, "crashed", verdict=ERROR, note=_one_line(error)))
        print(f"[bench] {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return rows, context


def _one_line(error: Exception) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"[:200]


# -- output ----------------------------------------------------------------------------

COLUMNS = ("Scenario", "Case", "Median", "p10-p90", "Baseline", "Ratio", "Budget", "Result")


def markdown_table(rows: list[Row]) -> str:
    """A Markdown table whose columns also line up as plain text."""
    cells = [
        (r.scenario, r.case, r.median, r.spread, r.baseline, r.ratio_text, r.budget, r.verdict)
        for r in rows
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(COLUMNS, *cells, strict=False)]

    def line(values) -> str:
        return (
            "| " + " | ".join(str(v).ljust(w) for v, w in zip(values, widths, strict=True)) + " |"
        )

    lines = [line(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += [line(values) for values in cells]
    notes = [f"- {r.scenario}, {r.case}: {r.note}" for r in rows if r.note]
    return "\n".join(lines) + ("\n\n" + "\n".join(notes) if notes else "")


def _machine(database: str, elapsed: float, load_before, quick: bool, source: str) -> str:
    import django

    load_after = os.getloadavg()
    facts = {
        "Date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "CPU": f"{_cpu_model()}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)",
        "Memory": _memory(),
        "OS": platform.platform(),
        "Python": f"{platform.python_version()}, Django {django.get_version()}",
        "Database": database,
        "Commit": _commit(),
        "Inputs": source,
        "Load average (1 min)": f"{load_before[0]:.2f} at start, {load_after[0]:.2f} at end",
        "Run": f"{elapsed:.0f} s{' (BENCH_QUICK)' if quick else ''}",
    }
    return "\n".join(f"- {key}: {value}" for key, value in facts.items())


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _commit() -> str:
    """The checked-out commit, read from .git without running git (the tree may hold more)."""
    git = REPO / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head.removeprefix("ref: ")
        if (git / ref).is_file():
            return (git / ref).read_text().strip()[:12] + f" ({ref.rsplit('/', 1)[-1]})"
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:12] + f" ({ref.rsplit('/', 1)[-1]})"
    except OSError:
        pass
    return "unknown"


def write_results(database: str, body: str) -> Path:
    """Put this run's section into today's results file, keeping everything else in it."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.date.today().isoformat()}.md"
    key = database.split()[0].lower()
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    section = f"{start}\n## {database}\n\n{body}{end}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = (
            f"# Benchmark results, {path.stem}\n\nWritten by `make bench` (bench/run.py); "
            "see bench/README.md for what each row measures.\n\n"
            f"{NOTES_HEADING}\n\nWhy a budget is missed, with the measurements (kept by "
            "bench/run.py when it rewrites the sections above).\n"
        )
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    elif NOTES_HEADING in text:
        text = text.replace(NOTES_HEADING, f"{section}\n\n{NOTES_HEADING}", 1)
    else:
        text = f"{text.rstrip()}\n\n{section}\n"
    path.write_text(text, encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
