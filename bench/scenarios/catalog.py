"""3. Catalog page and search as the catalog grows: 50, 5,000 and 20,000 published items.

Each page is requested in-process through Django's test client (the whole middleware
stack and the template, no network): once inside CaptureQueriesContext to count its
queries (and to warm it up), then repeatedly for its time, until it has used 20 s: a
page that slow is a miss whatever the exact figure, and the column n says how often it
was timed. The catalog is grown once and copied at each
size (database.snapshot), and the sizes are then timed in rounds, a few requests of
each size per round, so that load from elsewhere on the machine falls on every size
alike. The 50-item figure is each page's baseline.
"""

from data import SEARCH_WORD
from measure import MISS, PASS, Row, Samples, ms, ms_spread, sample, skipped, timed_row

SCENARIO = "3 catalog"
LIMIT = 1.5
BUDGETED_SIZE = 5_000
PAGES = (("/", "GET /"), (f"/?q={SEARCH_WORD}", f"GET /?q={SEARCH_WORD}"))


def run(ctx) -> list[Row]:
    sizes = (50, 5_000) if ctx.quick else (50, 5_000, 20_000)
    databases = {}
    for size in sizes:
        ctx.catalog.ensure(size)
        databases[size] = ctx.database.snapshot(f"catalog_{size}")

    skips, queries = _check_and_count(ctx, databases)
    pages = [(path, label) for path, label in PAGES if path not in skips]
    rounds, per_round, cap = (2, 5, 6) if ctx.quick else (5, 6, 20)
    durations: dict[tuple[str, int], list[float]] = {}
    for _ in range(rounds):
        for size, name in databases.items():
            with ctx.database.switched(name):
                _connect()
                for path, _label in pages:
                    times = durations.setdefault((path, size), [])
                    times += _time_page(path, per_round, cap - sum(times))
    ctx.database.drop_copies()

    rows = []
    for path, label in PAGES:
        if path in skips:
            rows.append(skipped(SCENARIO, label, skips[path]))
            continue
        times = {size: Samples(tuple(durations[path, size])) for size in sizes}
        rows += _time_rows(label, times)
        rows.append(_query_row(label, queries[path]))
    return rows


def _check_and_count(ctx, databases: dict) -> tuple[dict[str, str], dict[str, dict[int, int]]]:
    """Pages that do not answer 200 (to skip), and the queries of the others at each size."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    skips: dict[str, str] = {}
    queries: dict[str, dict[int, int]] = {path: {} for path, _ in PAGES}
    for size, name in databases.items():
        with ctx.database.switched(name):
            for path, _ in PAGES:
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                if response.status_code != 200:
                    skips.setdefault(path, f"{path} answered {response.status_code}")
                    continue
                queries[path][size] = len(captured)
    return skips, queries


def _connect() -> None:
    """Open the connection to the database just switched to, outside the timings."""
    from django.test import Client

    Client().get("/healthz")


def _time_page(path: str, count: int, seconds_left: float) -> tuple[float, ...]:
    """Up to `count` timings of `path`, none once the page has used up its time: a page
    that takes longer than that per request is timed once."""
    from django.test import Client

    client = Client()
    if seconds_left <= 0:
        return ()
    return sample(
        lambda: client.get(path), n=count, max_seconds=seconds_left, min_n=1, warmup=0
    ).seconds


def _time_rows(label: str, times: dict[int, Samples]) -> list[Row]:
    smallest = min(times)
    baseline = times[smallest]
    rows = [
        Row(
            SCENARIO,
            f"{label}, {smallest:,} items",
            median=ms(baseline.median),
            spread=ms_spread(baseline),
            baseline="(baseline)",
        )
    ]
    for size, samples in sorted(times.items())[1:]:
        limit = LIMIT if size == BUDGETED_SIZE else None
        case = f"{label}, {size:,} items"
        rows.append(
            timed_row(SCENARIO, case, samples, f"{smallest:,} items", baseline, limit=limit)
        )
    return rows


def _query_row(label: str, counts: dict[int, int]) -> Row:
    constant = len(set(counts.values())) == 1
    return Row(
        SCENARIO,
        f"{label}, queries at {' / '.join(f'{size:,}' for size in sorted(counts))} items",
        median=" / ".join(str(counts[size]) for size in sorted(counts)),
        budget="constant",
        verdict=PASS if constant else MISS,
        note="" if constant else "the number of queries grows with the catalog",
    )
