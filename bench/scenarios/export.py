"""4. Export: bundles of 1,000 items against `zip -qr` over the same files on disk, and
the peak memory of a bundle of 10,000 items against one of 1,000.

Three ways in, each against zip over its own 1,000 files written to a scratch folder:
- catalog.bundles.iter_zip over BundleItems held in memory (the writer alone);
- catalog.exporting from the database (list the items, fetch texts in batches, write);
- GET /export.zip?tag=… through Django's test client, streamed (skipped while 404), and
  the same as an update check, which does not count a download (to show that cost).
Peak memory is tracemalloc's peak while the bundle is consumed chunk by chunk and
thrown away, so it counts what the writer holds, not the output.
"""

import gc
import shutil
import subprocess
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from measure import MISS, PASS, Row, interleave, kib, skipped, timed_row

from catalog import bundles

SCENARIO = "4 export"
LIMIT = 2.0
MEMORY_LIMIT = 1.5
EXPORT_TAG = "bench-export"
ITEMS = 1_000
MANY = 10_000
UPDATE_CHECK = "X-Skills-Update-Check"  # a client checking for changes: not a download


@dataclass(frozen=True)
class LazyItem:
    """A BundleItem whose bytes are made when read, as a database-backed item fetches
    them: a list of 10,000 of these costs metadata only."""

    kind: str
    name: str
    path: str
    version: int
    number: int
    texts: tuple[bytes, ...]
    files: tuple = ()  # single-file items, as commands are
    tree_sha256: str = ""

    @property
    def data(self) -> bytes:
        return self.texts[self.number % len(self.texts)] + f"\n<!-- {self.number} -->\n".encode()

    @property
    def sha256(self) -> str:
        return bundles.BundleItem(self.kind, self.name, self.path, 1, self.data).sha256


def lazy_items(texts: list[str], count: int) -> list[LazyItem]:
    encoded = tuple(text.encode("utf-8") for text in texts)
    return [
        LazyItem(
            "command",
            f"bench:item-{n:05d}",
            f".claude/commands/bench/item-{n:05d}.md",
            1,
            n,
            encoded,
        )
        for n in range(count)
    ]


def run(ctx) -> list[Row]:
    rows = [_writer_alone(ctx), _writer_memory(ctx)]
    ctx.catalog.ensure(ITEMS if ctx.quick else MANY)
    rows += [_from_database(ctx), *_over_http(ctx)]
    if ctx.quick:
        case = f"exporting peak memory, {MANY:,} items from the DB"
        rows.append(skipped(SCENARIO, case, "BENCH_QUICK (the catalog stops at 5,000)"))
    else:
        rows.append(_database_memory())
    return rows


# -- time ----------------------------------------------------------------------------


def _writer_alone(ctx) -> Row:
    items = [
        bundles.BundleItem(i.kind, i.name, i.path, i.version, i.data)
        for i in lazy_items(ctx.texts, ITEMS)
    ]
    folder = _write_tree(ctx.tmp / "export-writer", ((i.path, i.data) for i in items))
    name, baseline = zip_baseline(folder)
    n, seconds = (5, 10) if ctx.quick else (15, 40)
    subject, base = interleave(
        lambda: _drain(bundles.iter_zip(items)), baseline, n=n, max_seconds=seconds
    )
    note = _sizes(bundles.iter_zip(items), folder)
    case = f"iter_zip, {ITEMS:,} items in memory"
    return timed_row(SCENARIO, case, subject, name, base, limit=LIMIT, note=note)


def _from_database(ctx) -> Row:
    from catalog import exporting

    items = exporting.bundle_items(skills=_first_items(ITEMS))
    folder = _write_tree(ctx.tmp / "export-db", ((i.path, i.data) for i in items))
    name, baseline = zip_baseline(folder)

    def export() -> int:
        items = exporting.bundle_items(skills=_first_items(ITEMS))
        return _drain(exporting.iter_bundle(items, "zip"))

    n, seconds = (5, 10) if ctx.quick else (10, 40)
    subject, base = interleave(export, baseline, n=n, max_seconds=seconds)
    case = f"exporting.bundle_items + iter_bundle, {ITEMS:,} items from the DB"
    return timed_row(SCENARIO, case, subject, name, base, limit=LIMIT)


def _over_http(ctx) -> list[Row]:
    """The view, with and without counting the download (an update check skips it)."""
    from django.test import Client

    from catalog import exporting, search

    case = f"GET /export.zip?tag={EXPORT_TAG}, {ITEMS:,} items"
    _tag_first_items(ITEMS)
    client = Client()
    url = f"/export.zip?tag={EXPORT_TAG}"
    response = client.get(url)
    if response.status_code == 404:
        return [skipped(SCENARIO, case, "/export.zip answered 404")]
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    _drain(_content(response))
    items = exporting.bundle_items(search.CatalogQuery(tags=(EXPORT_TAG,)))
    folder = _write_tree(ctx.tmp / "export-http", ((i.path, i.data) for i in items))
    name, baseline = zip_baseline(folder)
    n, seconds = (5, 10) if ctx.quick else (10, 40)
    rows = []
    for label, headers, limit in (
        ("", {}, LIMIT),
        (", no download count (update check)", {UPDATE_CHECK: "1"}, None),
    ):
        subject, base = interleave(
            lambda headers=headers: _drain(_content(client.get(url, headers=headers))),
            baseline,
            n=n,
            max_seconds=seconds,
        )
        rows.append(timed_row(SCENARIO, case + label, subject, name, base, limit=limit))
    return rows


def _content(response) -> Iterator[bytes]:
    if response.streaming:
        yield from response.streaming_content
    else:
        yield response.content
    response.close()


# -- memory --------------------------------------------------------------------------


def _writer_memory(ctx) -> Row:
    _drain(bundles.iter_zip(lazy_items(ctx.texts, ITEMS)))  # warm up outside the trace
    many_items = lazy_items(ctx.texts, MANY)
    few_items = lazy_items(ctx.texts, ITEMS)
    few, _ = peak_bytes(lambda: bundles.iter_zip(few_items))
    many, size = peak_bytes(lambda: bundles.iter_zip(many_items))
    return _memory_row(f"iter_zip peak memory, {MANY:,} items", few, many, size, MEMORY_LIMIT)


def _database_memory() -> Row:
    from catalog import exporting

    def export(count: int) -> Callable[[], Iterator[bytes]]:
        return lambda: exporting.iter_bundle(
            exporting.bundle_items(skills=_first_items(count)), "zip"
        )

    few, _ = peak_bytes(export(ITEMS))
    many, size = peak_bytes(export(MANY))
    case = f"exporting peak memory, {MANY:,} items from the DB"
    return _memory_row(case, few, many, size, None)


def _memory_row(case: str, few: int, many: int, size: int, limit: float | None) -> Row:
    ratio = many / few
    per_item = (many - few) / (MANY - ITEMS)
    verdict = "INFO" if limit is None else (PASS if ratio <= limit else MISS)
    return Row(
        SCENARIO,
        case,
        median=kib(many),
        baseline=f"{ITEMS:,} items {kib(few)}",
        ratio=ratio,
        budget="—" if limit is None else f"<= {limit:g}x (flat)",
        verdict=verdict,
        note=f"{per_item:,.0f} bytes more per extra item; bundle {size / 1024 / 1024:,.1f} MiB",
    )


def peak_bytes(produce: Callable[[], Iterator[bytes]]) -> tuple[int, int]:
    """tracemalloc's peak while the chunks of `produce()` are read and dropped, and the
    number of bytes they made."""
    gc.collect()
    tracemalloc.start()
    try:
        total = _drain(produce())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, total


# -- helpers -------------------------------------------------------------------------


def _drain(chunks) -> int:
    total = 0
    for chunk in chunks:
        total += len(chunk)
    return total


def _first_items(count: int):
    from catalog.models import Skill

    return Skill.objects.active().filter(name__startswith="bench-", name__lt=f"bench-{count:05d}")


def _tag_first_items(count: int) -> None:
    from catalog.models import Skill, Tag

    tag, _ = Tag.objects.get_or_create(name=EXPORT_TAG)
    through = Skill.tags.through
    pks = _first_items(count).values_list("pk", flat=True)
    links = [through(skill_id=pk, tag_id=tag.pk) for pk in pks]
    through.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)


def _write_tree(folder: Path, files) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    for path, data in files:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def zip_baseline(folder: Path) -> tuple[str, Callable[[], None]]:
    """`zip -qr` over the folder's .claude tree, or Python's zipfile when zip is absent."""
    out = folder.with_suffix(".zip")
    zip_command = shutil.which("zip")
    if zip_command:

        def run_zip() -> None:
            out.unlink(missing_ok=True)  # zip adds to an existing archive
            subprocess.run([zip_command, "-qr", str(out), ".claude"], cwd=folder, check=True)

        return "zip -qr", run_zip

    def run_zipfile() -> None:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted((folder / ".claude").rglob("*")):
                archive.write(file, file.relative_to(folder).as_posix())

    return "Python zipfile (zip not installed)", run_zipfile


def _sizes(chunks, folder: Path) -> str:
    ours = _drain(chunks)
    theirs = folder.with_suffix(".zip").stat().st_size
    return f"bundle {kib(ours)} at deflate level 9, zip's {kib(theirs)} at its default 6"
