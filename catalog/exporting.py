"""Choose what goes into a bundle and stream it.

A bundle may hold thousands of items, so nothing here holds every text or file at
once: items are listed from the database without their texts, and a skill's files
without their bytes (kind, name, version, sha256s, modes, sizes and the tree digest
are enough for the lock file and the ETag), and the writer pulls texts and blobs in
small batches (catalog.blobs.read_blobs), in path order, as it reaches them.

Two layouts:
- `claude`: the `.claude/` tree with `.claude/skillhub.lock.json`, written by
  catalog.bundles (zip or tar.gz);
- `plugin`: a Claude Code plugin (`.claude-plugin/plugin.json`, `commands/`,
  `skills/<name>/SKILL.md` and the skill's files, `agents/`, `output-styles/`, a
  `README.md`) with the same lock file at `skillhub.lock.json`; zip only. Named and
  signed by `Plugin` (settings SKILLHUB_PLUGIN_NAME, _AUTHOR, _LICENSE; `?plugin=`
  names it too), and checked by the pinned Claude Code
  (tests/catalog/test_claude_code_exports.py): `claude plugin validate --strict` passes
  and `--plugin-dir` loads every item.

One skill's folder (`/skills/<name>.zip`, `.tar.gz`) is folder_archive; the digest the
discovery index lists for it is folder_digests, cached by the tree digest.
"""

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import astuple, dataclass, field
from typing import Protocol, cast
from urllib.parse import urlsplit

import yaml
from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import Length

from catalog import bundles, plugin_names, search, skillfile, skilltree, zipwriter
from catalog.blobs import read_blobs
from catalog.locks import LockedItem, lock_bytes, lock_digest  # lock_digest: ETags, plugin versions
from catalog.models import Skill, Version, VersionFile
from catalog.paths import mode_of
from catalog.plugin_readme import markdown_code, markdown_text, plugin_readme  # noqa: F401 (as before)
from catalog.skillfile import bundle_path

# A batch of texts stops at whichever comes first.
BATCH_ITEMS = 500
BATCH_CHARS = 4 * 1024 * 1024

PLUGIN_NAME = "skillhub"
PLUGIN_MANIFEST = ".claude-plugin/plugin.json"
PLUGIN_LOCK = "skillhub.lock.json"
PLUGIN_README = "README.md"
# Bumped whenever the plugin writer's bytes change for the same items and settings, so
# that an ETag handed out before never matches the new bytes. (A plugin of single-file
# items is byte for byte what format 2 wrote; one with skill folders is new.)
PLUGIN_FORMAT = 2
# The same for one skill's folder archive: its digest is cached under this and the tree
# digest, and the discovery index hands it out.
FOLDER_FORMAT = 1


class _Texts:
    """Texts of versions, fetched in batches in the order a writer reads them, each with
    whether its frontmatter has a `description` (the plugin writer asks; one boolean).

    A writer that goes back to an earlier item (a zip's central directory
    walks the entries again) simply causes a fresh fetch.
    """

    def __init__(self) -> None:
        self._order: list[int] = []
        self._sizes: list[int] = []
        self._position: dict[int, int] = {}
        self._batch: dict[int, tuple[str, bool]] = {}

    def set_order(self, version_ids: Sequence[int], sizes: Sequence[int]) -> None:
        self._order, self._sizes = list(version_ids), list(sizes)
        self._position = {pk: index for index, pk in enumerate(self._order)}
        self._batch = {}

    def data(self, version_id: int) -> bytes:
        return self._row(version_id)[0].encode("utf-8")

    def described(self, version_id: int) -> bool:
        return self._row(version_id)[1]

    def _row(self, version_id: int) -> tuple[str, bool]:
        if version_id not in self._batch:
            self._batch = self._fetch(self._position[version_id])
        return self._batch[version_id]

    def _fetch(self, start: int) -> dict[int, tuple[str, bool]]:
        end, chars = start, 0
        while end < len(self._order) and end - start < BATCH_ITEMS:
            if end > start and chars + self._sizes[end] > BATCH_CHARS:
                break
            chars += self._sizes[end]
            end += 1
        ids = self._order[start:end]
        described = ExpressionWrapper(
            Q(analysis__metadata__has_key="description"), output_field=BooleanField()
        )
        rows = Version.objects.filter(pk__in=ids).annotate(described=described)
        return {pk: (text, bool(d)) for pk, text, d in rows.values_list("pk", "text", "described")}


class _Blobs:
    """Contents of skills' files, fetched in batches in the order a writer reads them
    (global path order), as _Texts does for texts."""

    def __init__(self) -> None:
        self._order: list[tuple[str, int]] = []  # (sha256, size) of each file, in order
        self._start = self._end = 0
        self._batch: dict[str, bytes] = {}

    def set_order(self, files: Sequence["StoredFile"]) -> None:
        self._order = [(file.sha256, file.size) for file in files]
        self._start = self._end = 0
        self._batch = {}

    def data(self, index: int) -> bytes:
        if not self._start <= index < self._end:
            self._fetch(index)
        return self._batch[self._order[index][0]]

    def _fetch(self, start: int) -> None:
        end, size = start, 0
        while end < len(self._order) and end - start < BATCH_ITEMS:
            if end > start and size + self._order[end][1] > BATCH_CHARS:
                break
            size += self._order[end][1]
            end += 1
        self._batch = {}  # the previous batch goes before the next one comes
        self._batch = read_blobs(sha256 for sha256, _ in self._order[start:end])
        self._start, self._end = start, end


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file of a skill in a bundle (see bundles.BundleFile), its bytes in a blob until read."""

    path: str  # the bundle path: .claude/skills/<name>/<path>
    sha256: str
    executable: bool
    size: int
    index: int = field(compare=False)
    blobs: _Blobs = field(compare=False, repr=False)

    @property
    def data(self) -> bytes:
        return self.blobs.data(self.index)

    @property
    def mode(self) -> int:
        return mode_of(self.executable)


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
    files: tuple[StoredFile, ...] = ()
    tree_sha256: str = ""  # Analysis.tree_sha256 of an item with files, else ""

    @property
    def data(self) -> bytes:
        return self.texts.data(self.version_id)

    @property
    def described(self) -> bool:
        """Whether the frontmatter has a `description` field (from the stored metadata)."""
        return self.texts.described(self.version_id)


def stored_items(skills: QuerySet, *, latest: bool = False) -> list[StoredItem]:
    """Items for the published versions of `skills` (or the newest with `latest`), by path.

    A few rows of metadata per item and per file are held in memory, never the texts
    or the files' bytes. Two queries, and a third when a skill has files.
    """
    field_name = "latest" if latest else "published"
    chosen = skills.filter(**{f"{field_name}__isnull": False}).order_by()
    rows = chosen.annotate(text_chars=Length(f"{field_name}__text")).values_list(
        "kind",
        "name",
        f"{field_name}__number",
        f"{field_name}__sha256",
        f"{field_name}_id",
        "text_chars",
        f"{field_name}__analysis__file_count",
        f"{field_name}__analysis__tree_sha256",
    )
    texts = _Texts()
    items, sizes, folders = [], {}, {}
    for kind, name, number, sha256, version_id, chars, count, tree in rows.iterator(
        chunk_size=2000
    ):
        path = bundle_path(kind, name)
        if (count or 1) > 1:
            folders[version_id] = (kind, name, path, number, sha256, tree)
        else:
            items.append(StoredItem(kind, name, path, number, sha256, version_id, texts))
        sizes[version_id] = chars or 0
    if folders:
        items += _with_files(chosen, field_name, folders, texts)
    items.sort(key=lambda item: item.path)
    texts.set_order([item.version_id for item in items], [sizes[i.version_id] for i in items])
    return items


def _with_files(chosen: QuerySet, field_name: str, folders: dict, texts: _Texts) -> list:
    """The items of `folders` (version id -> item fields) with their files, in one query."""
    rows = (
        VersionFile.objects.filter(version_id__in=chosen.values(f"{field_name}_id"))
        .order_by()
        .values_list("version_id", "path", "blob_id", "executable", "blob__size")
    )
    blobs = _Blobs()
    listed: dict[int, list] = {version_id: [] for version_id in folders}
    for version_id, path, sha256, executable, size in rows.iterator(chunk_size=2000):
        folder = folders[version_id][2].rsplit("/", 1)[0]
        listed[version_id].append((f"{folder}/{path}", sha256, executable, size))
    every = sorted((row for rows in listed.values() for row in rows), key=lambda row: row[0])
    index = {row[0]: number for number, row in enumerate(every)}
    items: list[StoredItem] = []
    files: list[StoredFile] = []
    for version_id, (kind, name, path, number, sha256, tree) in folders.items():
        own = tuple(
            StoredFile(p, digest, executable, size, index[p], blobs)
            for p, digest, executable, size in sorted(listed[version_id])
        )
        files += own
        items.append(StoredItem(kind, name, path, number, sha256, version_id, texts, own, tree))
    blobs.set_order(sorted(files, key=lambda file: file.index))
    return items


def bundle_items(
    query: search.CatalogQuery | None = None, *, latest: bool = False, skills=None
) -> list[StoredItem]:
    """Bundle items for the published versions (or the newest with `latest`) of the
    items `query` selects. It selects through the catalog's filter (search.filtered), as
    GET /export.zip does, so export_skills and the HTTP export of the same filters
    bundle the same items."""
    queryset = skills if skills is not None else Skill.objects.active()
    if query is not None:
        queryset = search.filtered(queryset, query)
    return stored_items(queryset, latest=latest)


def iter_bundle(items: list, fmt: str) -> Iterator[bytes]:
    return bundles.iter_zip(items) if fmt == "zip" else bundles.iter_tar_gz(items)


# -- one skill's folder --------------------------------------------------------------


def folder_archive(item: StoredItem, fmt: str) -> Iterator[bytes]:
    """One skill's folder, SKILL.md at the root, as a reproducible zip or tar.gz."""
    if fmt == "zip":
        return bundles.iter_folder_zip(item)
    return bundles.iter_folder_tar_gz(item)


def folder_etag(tree_sha256: str) -> str:
    """The bytes of a folder archive follow from its tree digest and the writer alone."""
    return f'"{tree_sha256.removeprefix("sha256:")}-{FOLDER_FORMAT}"'


def _digest_key(tree_sha256: str) -> str:
    return f"skillhub:folder-tar-gz:{FOLDER_FORMAT}:{tree_sha256}"


def folder_digests(skills: QuerySet) -> dict[str, str]:
    """name -> "sha256:<hex>" of the `.tar.gz` of each published skill's folder.

    The archive is reproducible, so its digest is a function of the tree digest: it is
    computed once per tree and writer (FOLDER_FORMAT), and kept in the cache (which in
    production is the shared Redis) for good; an index of many skills costs one cache
    round trip, and archives are built only for trees never seen before.
    """
    trees = dict(
        skills.filter(published__isnull=False)
        .order_by()
        .values_list("name", "published__analysis__tree_sha256")
    )
    known = cache.get_many([_digest_key(tree) for tree in trees.values() if tree])
    found = {
        name: known[_digest_key(tree)] for name, tree in trees.items() if _digest_key(tree) in known
    }
    missing = [name for name in trees if name not in found]
    if missing:
        fresh = {}
        for item in stored_items(skills.filter(name__in=missing)):
            digest = hashlib.sha256()
            for chunk in bundles.iter_folder_tar_gz(item):
                digest.update(chunk)
            found[item.name] = "sha256:" + digest.hexdigest()
            if trees.get(item.name):
                fresh[_digest_key(trees[item.name])] = found[item.name]
        cache.set_many(fresh, timeout=None)
    return found


# -- the Claude Code plugin layout ---------------------------------------------------

PLUGIN_NAME_RULE = plugin_names.NAME_RULE


def is_plugin_name(name: str) -> bool:
    """Kebab-case, as `claude plugin validate --strict` and the Claude.ai marketplace want."""
    return plugin_names.is_kebab(name)


@dataclass(frozen=True)
class Plugin:
    """Who and what a plugin export is, beside its items: every field goes into its bytes."""

    name: str = PLUGIN_NAME
    author: str = "Skillhub"
    email: str = ""
    license: str = ""
    homepage: str = ""
    site: str = ""  # the host the description and README name

    @classmethod
    def configured(cls, site_url: str = "", name: str = "") -> "Plugin":
        """The plugin as settings describe it: SKILLHUB_PLUGIN_NAME unless `name` (a
        request's `?plugin=`, already checked) is given; SKILLHUB_PLUGIN_AUTHOR ("Name"
        or "Name <email>"), by default the site's host; SKILLHUB_PLUGIN_LICENSE if set."""
        site = urlsplit(site_url).netloc
        author, email = plugin_names.split_author(
            settings.SKILLHUB_PLUGIN_AUTHOR.strip() or site or "Skillhub"
        )
        return cls(
            name=name or settings.SKILLHUB_PLUGIN_NAME,
            author=author,
            email=email,
            license=settings.SKILLHUB_PLUGIN_LICENSE.strip(),
            homepage=site_url,
            site=site,
        )

    @property
    def fingerprint(self) -> str:
        """Short hex digest of everything but the items that the plugin's bytes depend on
        (for the ETag)."""
        fields = json.dumps([PLUGIN_FORMAT, *astuple(self)], ensure_ascii=True)
        return hashlib.sha256(fields.encode()).hexdigest()[:16]

    @property
    def file_name(self) -> str:
        return f"{self.name}-plugin.zip"


class PluginItem(bundles.Item, Protocol):
    """What a plugin zip is written from (StoredItem): a bundle item that knows whether
    its frontmatter has a `description`."""

    @property
    def described(self) -> bool: ...


def plugin_path(item: bundles.Entry) -> str:
    """Where an item goes in a plugin: its bundle path without the leading `.claude/`."""
    return item.path.removeprefix(".claude/")


# A command, skill or agent whose frontmatter has no `description` fails `claude plugin
# validate --strict` ("No frontmatter block found", "No description in frontmatter"). An
# empty description is the same to Claude Code as none (it takes the body's first line,
# as before), so the plugin adds `description: ""` and Claude Code does exactly what the
# stored file makes it do. Output styles are not validated, so they stay as stored.
_DESCRIBED_KINDS = frozenset({"command", "skill", "agent"})
_EMPTY_DESCRIPTION = 'description: ""\n'


def plugin_file(kind: str, data: bytes, described: bool) -> bytes:
    """An item's file as the plugin holds it: as stored, but for the empty description
    added to a command's, skill's or agent's frontmatter that has none (`described`)."""
    if described or kind not in _DESCRIBED_KINDS:
        return data
    text = data.decode("utf-8")
    parts = skillfile.stored(text, kind, None, {})
    if not parts.has_frontmatter:
        return f"---\n{_EMPTY_DESCRIPTION}---\n".encode() + data
    try:
        fields = yaml.safe_load(_EMPTY_DESCRIPTION + parts.frontmatter)
    except yaml.YAMLError:
        fields = None
    if not isinstance(fields, dict) or fields.get("description") != "":
        return data  # not a block mapping a line can go on top of: left as written
    opening = text.index("\n") + 1
    return (text[:opening] + _EMPTY_DESCRIPTION + text[opening:]).encode("utf-8")


def plugin_manifest(moved: Sequence[LockedItem], plugin: Plugin = Plugin()) -> bytes:
    """`.claude-plugin/plugin.json`: its version changes whenever a file in it does."""
    count = len(moved)
    description = f"{count} item{'' if count == 1 else 's'} published on Skillhub"
    manifest: dict[str, object] = {
        "name": plugin.name,
        "version": f"1.0.0+{lock_digest(moved)[:12]}",
        "description": description + (f" at {plugin.site}" if plugin.site else ""),
        "author": plugin_names.person_of(plugin.author, plugin.email),
    }
    if plugin.homepage:
        manifest["homepage"] = plugin.homepage
    if plugin.license:
        manifest["license"] = plugin.license
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def plugin_lock(moved: Sequence[LockedItem]) -> bytes:
    """The lock file of a plugin: the bundle lock format, with plugin paths and the
    sha256 of each file (and tree digest of each folder) as the plugin holds it."""
    return lock_bytes(moved)


@dataclass(frozen=True)
class _MovedFile:
    path: str
    sha256: str
    executable: bool

    @property
    def mode(self) -> int:
        return mode_of(self.executable)


@dataclass(frozen=True)
class _Moved:
    kind: str
    name: str
    path: str
    version: int
    sha256: str
    files: tuple[_MovedFile, ...] = ()
    tree_sha256: str = ""


def as_held(item: bundles.Item, path: str, data: bytes) -> _Moved:
    """An item as the plugin holds it: at `path`, with `data` (maybe described)."""
    sha256 = hashlib.sha256(data).hexdigest()
    if not item.files:
        return _Moved(item.kind, item.name, path, item.version, sha256)
    files = tuple(_MovedFile(plugin_path(f), f.sha256, f.executable) for f in item.files)
    folder = path.rsplit("/", 1)[0] + "/"
    tree = skilltree.tree_digest(data, {f.path[len(folder) :]: f for f in files})
    return _Moved(item.kind, item.name, path, item.version, sha256, files, tree)


# The entries a plugin zip adds to the items and their files: README.md, plugin.json
# and the lock file.
PLUGIN_OWN_ENTRIES = 3


def iter_plugin_zip(items: Sequence[PluginItem], plugin: Plugin = Plugin()) -> Iterator[bytes]:
    """A reproducible zip of `items` laid out as a Claude Code plugin, streamed in chunks
    of about 64 KiB (bundles.rechunk) as it is written.

    The items and their files come first, in path order, then README.md, plugin.json and
    the lock file, which hold the digests of what was written before them. Entries carry
    their sizes in data descriptors (the README is made as it is written), as this zip
    always has.
    """
    files = (f for item in items for f in item.files)
    entries: list[PluginItem | bundles.ItemFile] = sorted([*items, *files], key=plugin_path)
    zipwriter.check_count(
        len(entries) + PLUGIN_OWN_ENTRIES,
        f"{len(entries):,} items and files (and the plugin's README, manifest and lock file)",
    )
    members = _plugin_members(items, entries, plugin)
    return bundles.rechunk(zipwriter.zip_pieces(members, descriptors=True))


def _plugin_members(
    items: Sequence[PluginItem],
    entries: Sequence[PluginItem | bundles.ItemFile],
    plugin: Plugin,
) -> Iterator[zipwriter.Member]:
    moved: list[_Moved] = []
    owned = {id(file) for item in items for file in item.files}
    for entry in entries:
        path = plugin_path(entry)
        if id(entry) in owned:  # a skill's file, as stored, with its mode
            file = cast(bundles.ItemFile, entry)
            yield zipwriter.Member(path, data=file.data, mode=mode_of(file.executable))
        else:  # an entry that no item owns is one of the items
            item = cast(PluginItem, entry)
            data = plugin_file(item.kind, item.data, item.described)
            moved.append(as_held(item, path, data))
            yield zipwriter.Member(path, data=data)

    def readme() -> Iterator[bytes]:  # made as it is written: it lists every item
        return bundles.rechunk(line.encode() for line in plugin_readme(items, plugin, PLUGIN_LOCK))

    yield zipwriter.Member(PLUGIN_README, chunks=readme)
    yield zipwriter.Member(PLUGIN_MANIFEST, data=plugin_manifest(moved, plugin))
    yield zipwriter.Member(PLUGIN_LOCK, data=plugin_lock(moved))
