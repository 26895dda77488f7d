"""Choose what goes into a bundle and stream it.

A bundle may hold thousands of items, so nothing here holds every text at
once: items are listed from the database without their texts (kind, name,
version, sha256 and size are enough for the lock file and the ETag), and the
writer pulls the texts in small batches, in path order, as it reaches them.

Two layouts:
- `claude`: the `.claude/` tree with `.claude/skillhub.lock.json`, written by
  catalog.bundles (zip or tar.gz);
- `plugin`: a Claude Code plugin (`.claude-plugin/plugin.json`, `commands/`,
  `skills/<name>/SKILL.md`, `agents/`, `output-styles/`) with the same lock
  file at `skillhub.lock.json`; zip only.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.db.models.functions import Length

from catalog import bundles
from catalog.models import Skill, Version
from catalog.skillfile import bundle_path

# A batch of texts stops at whichever comes first.
BATCH_ITEMS = 500
BATCH_CHARS = 4 * 1024 * 1024

PLUGIN_NAME = "skillhub"
PLUGIN_MANIFEST = ".claude-plugin/plugin.json"
PLUGIN_LOCK = "skillhub.lock.json"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _Texts:
    """Texts of versions, fetched in batches in the order a writer reads them.

    A writer that goes back to an earlier item (a zip's central directory
    walks the entries again) simply causes a fresh fetch.
    """

    def __init__(self) -> None:
        self._order: list[int] = []
        self._sizes: list[int] = []
        self._position: dict[int, int] = {}
        self._batch: dict[int, str] = {}

    def set_order(self, version_ids: Sequence[int], sizes: Sequence[int]) -> None:
        self._order, self._sizes = list(version_ids), list(sizes)
        self._position = {pk: index for index, pk in enumerate(self._order)}
        self._batch = {}

    def data(self, version_id: int) -> bytes:
        if version_id not in self._batch:
            self._batch = self._fetch(self._position[version_id])
        return self._batch[version_id].encode("utf-8")

    def _fetch(self, start: int) -> dict[int, str]:
        end, chars = start, 0
        while end < len(self._order) and end - start < BATCH_ITEMS:
            if end > start and chars + self._sizes[end] > BATCH_CHARS:
                break
            chars += self._sizes[end]
            end += 1
        ids = self._order[start:end]
        return dict(Version.objects.filter(pk__in=ids).values_list("pk", "text"))


@dataclass(frozen=True, slots=True)  # slots: thousands of these live at once
class StoredItem:
    """A bundle item (see bundles.BundleItem) whose text stays in the database until read."""

    kind: str
    name: str
    path: str
    version: int
    sha256: str
    version_id: int = field(compare=False)
    texts: _Texts = field(compare=False, repr=False)

    @property
    def data(self) -> bytes:
        return self.texts.data(self.version_id)


def stored_items(skills: QuerySet, *, latest: bool = False) -> list[StoredItem]:
    """Items for the published versions of `skills` (or the newest with `latest`), by path.

    Two rows of metadata per item are held in memory, never the texts.
    """
    field_name = "latest" if latest else "published"
    rows = (
        skills.filter(**{f"{field_name}__isnull": False})
        .order_by()
        .annotate(text_chars=Length(f"{field_name}__text"))
        .values_list(
            "kind",
            "name",
            f"{field_name}__number",
            f"{field_name}__sha256",
            f"{field_name}_id",
            "text_chars",
        )
    )
    texts = _Texts()
    items, sizes = [], {}
    for kind, name, number, sha256, version_id, chars in rows.iterator(chunk_size=2000):
        path = bundle_path(kind, name)
        items.append(StoredItem(kind, name, path, number, sha256, version_id, texts))
        sizes[version_id] = chars or 0
    items.sort(key=lambda item: item.path)
    texts.set_order([item.version_id for item in items], [sizes[i.version_id] for i in items])
    return items


def bundle_items(
    *, kinds=(), tags=(), items=(), latest: bool = False, skills=None
) -> list[StoredItem]:
    """Bundle items for the published versions (or the newest with `latest`)."""
    queryset = skills if skills is not None else Skill.objects.active()
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    for tag in tags:
        queryset = queryset.filter(tags__name=tag)
    if items:
        wanted = {(kind, name.casefold()) for kind, name in items}
        found = stored_items(queryset, latest=latest)
        return [i for i in found if (i.kind, i.name.casefold()) in wanted]
    return stored_items(queryset, latest=latest)


def lock_digest(items: Iterable) -> str:
    """Hex sha256 of the lock file's lines (bundles module docstring), from metadata alone."""
    digest = hashlib.sha256()
    for item in sorted(items, key=lambda item: item.path):
        line = f"{item.path}\t{item.kind}\t{item.name}\t{item.version}\t{item.sha256}\n"
        digest.update(line.encode("utf-8"))
    return digest.hexdigest()


def iter_bundle(items: list, fmt: str) -> Iterator[bytes]:
    return bundles.iter_zip(items) if fmt == "zip" else bundles.iter_tar_gz(items)


# -- the Claude Code plugin layout ---------------------------------------------------


def plugin_path(item) -> str:
    """Where an item goes in a plugin: its bundle path without the leading `.claude/`."""
    return item.path.removeprefix(".claude/")


def plugin_manifest(items: Sequence) -> bytes:
    """`.claude-plugin/plugin.json`: its version changes whenever the content does."""
    count = len(items)
    manifest = {
        "name": PLUGIN_NAME,
        "description": f"{count} item{'' if count == 1 else 's'} published on Skillhub",
        "version": f"1.0.0+{lock_digest(_as_plugin(items))[:12]}",
    }
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")


def plugin_lock(items: Sequence) -> bytes:
    """The lock file of a plugin: the bundle lock format, with plugin paths."""
    moved = sorted(_as_plugin(items), key=lambda item: item.path)
    lock = {
        "version": bundles.LOCK_VERSION,
        "generator": "skillhub",
        "digest": "sha256:" + lock_digest(moved),
        "items": [
            {
                "kind": i.kind,
                "name": i.name,
                "path": i.path,
                "version": i.version,
                "sha256": i.sha256,
            }
            for i in moved
        ],
    }
    return (json.dumps(lock, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class _Moved:
    kind: str
    name: str
    path: str
    version: int
    sha256: str


def _as_plugin(items: Iterable) -> list[_Moved]:
    return [_Moved(i.kind, i.name, plugin_path(i), i.version, i.sha256) for i in items]


def iter_plugin_zip(items: Sequence) -> Iterator[bytes]:
    """A reproducible zip of `items` laid out as a Claude Code plugin, yielded entry by entry."""
    entries: list[tuple[str, object]] = [(plugin_path(item), item) for item in items]
    entries += [(PLUGIN_MANIFEST, plugin_manifest(items)), (PLUGIN_LOCK, plugin_lock(items))]
    entries.sort(key=lambda entry: entry[0])
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in entries:
            data = content if isinstance(content, bytes) else content.data
            archive.writestr(_zip_info(path), data, compresslevel=9)
            yield sink.take()
    yield sink.take()


def _zip_info(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so that readers take the mode from external_attr
    info.external_attr = 0o100644 << 16
    return info


class _Sink(io.RawIOBase):
    """A write-only stream that hands over what was written so far (zipfile streams into it)."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out
