"""5. Import of 1,000 files: items per second, and the cost against parsing them alone.

catalog.importing.import_entries is what the import page and `manage.py import_skills`
run: plan every entry (locate, decode, parse, look the item up), then in one
transaction create each item and its first version (parse and render again, for the
derived fields) and an import event. The baseline is skillfile.parse over the same
files: the least an import must do. Each round imports new items (new folder names), so
no round finds the previous one's items unchanged. The catalog holds 20,000 generated
items first (5,000 with BENCH_QUICK), as a team's would after a while: looking items up
by name must not cost more as it grows.
"""

import time

from measure import Row, Samples, ms_spread, per_second

SCENARIO = "5 import"


def run(ctx) -> list[Row]:
    from catalog import importing, skillfile

    count, rounds = (200, 1) if ctx.quick else (1_000, 3)
    ctx.catalog.ensure(5_000 if ctx.quick else 20_000)
    user, _ = ctx.user("bench-importer")
    texts = [text.encode("utf-8") for text in ctx.texts]
    import_times, parse_times = [], []
    for number in range(rounds):
        entries = [
            importing.Entry(
                f".claude/commands/imported-{number}/item-{i:04d}.md", texts[i % len(texts)]
            )
            for i in range(count)
        ]
        located = [(entry.data, *skillfile.locate(entry.path)) for entry in entries]
        started = time.perf_counter()
        for data, kind, name in located:
            skillfile.parse(data, kind=kind, name=name)
        parse_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = importing.import_entries(entries, user)
        import_times.append(time.perf_counter() - started)
        if not report.applied:
            raise RuntimeError(f"the import was not applied: {report.summary()}")
    imports, parses = Samples(tuple(import_times)), Samples(tuple(parse_times))
    return [
        Row(
            SCENARIO,
            f"import_entries, {count:,} files, catalog of {ctx.catalog.count:,}",
            median=per_second(count / imports.median),
            spread=f"{ms_spread(imports)} per import",
            baseline=f"skillfile.parse alone {per_second(count / parses.median)}",
            ratio=imports.median / parses.median,
            note=f"rounds={rounds}; {report.summary()}",
        )
    ]
