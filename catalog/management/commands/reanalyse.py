"""Rebuild what Skillhub derives from versions (catalog.analysis) with today's analyser.

Versions never change; their analyses do whenever parsing, lint or rendering improves
(catalog.analysis.ANALYSER is bumped). `--stale` rebuilds the analyses made by an older
analyser (including those carried over by migration 0006), `--all` every one. Work goes
in batches, each its own transaction, oldest version first, with a progress line per
batch, so an interrupted run loses at most one batch and running it again picks up
where it stopped (with --stale).
"""

from collections.abc import Iterable, Iterator

from django.core.management.base import BaseCommand
from django.db import transaction

from catalog.analysis import ANALYSER, Analysis
from catalog.blobs import read_blobs
from catalog.models import Version, VersionFile
from catalog.skilltree import TreeFile

FIELDS = ["analyser", "analysed_at", "metadata", "problems", "result", "html"]
FIELDS += ["file_count", "total_size", "tree_sha256"]


class Command(BaseCommand):
    help = "Rebuild versions' problems, results and HTML with the current analyser."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every version")
        which.add_argument(
            "--stale", action="store_true", help=f"versions analysed before analyser {ANALYSER}"
        )
        parser.add_argument("--batch", type=int, default=200, metavar="N")

    def handle(self, *args, all: bool, stale: bool, batch: int, **options):
        versions = Version.objects.order_by("pk")
        if stale:
            versions = versions.exclude(analysis__analyser=ANALYSER)
        rows = list(versions.values_list("pk", "analysis__total_size"))
        if not rows:
            self.stdout.write("Nothing to reanalyse: every analysis is current.")
            return
        done = 0
        for chunk in _batches(rows, max(batch, 1)):
            with transaction.atomic():
                rebuilt = [Analysis.rebuild(v) for v in _with_trees(chunk)]
                existing = set(Analysis.objects.filter(pk__in=chunk).values_list("pk", flat=True))
                Analysis.objects.bulk_create([a for a in rebuilt if a.pk not in existing])
                Analysis.objects.bulk_update([a for a in rebuilt if a.pk in existing], FIELDS)
            done += len(chunk)
            self.stdout.write(f"Reanalysed {done:,} of {len(rows):,} versions")
        self.stdout.write(self.style.SUCCESS(f"Done: analyser {ANALYSER}."))


# A batch also stops at this many bytes of files, so that a catalog of large skills
# never holds more than about this much in memory at once.
BATCH_BYTES = 64 * 1024 * 1024


def _batches(rows: Iterable[tuple[int, int | None]], size: int) -> Iterator[list[int]]:
    """Version ids in batches of at most `size` versions and about BATCH_BYTES."""
    chunk: list[int] = []
    held = 0
    for pk, total_size in rows:
        if chunk and (len(chunk) == size or held + (total_size or 0) > BATCH_BYTES):
            yield chunk
            chunk, held = [], 0
        chunk.append(pk)
        held += total_size or 0
    if chunk:
        yield chunk


def _with_trees(ids: list[int]) -> list[Version]:
    """The versions `ids` with their skills and files loaded in three queries."""
    versions = list(Version.objects.filter(pk__in=ids).select_related("skill").order_by("pk"))
    rows = list(
        VersionFile.objects.filter(version_id__in=ids).values_list(
            "version_id", "path", "blob_id", "executable"
        )
    )
    contents = read_blobs({blob for _, _, blob, _ in rows}) if rows else {}
    trees: dict[int, dict[str, TreeFile]] = {pk: {} for pk in ids}
    for version_id, path, blob, executable in sorted(rows):
        trees[version_id][path] = TreeFile(path, contents[blob], executable)
    for version in versions:
        version._tree = trees[version.pk]
    return versions
