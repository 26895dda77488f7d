"""Reproducible .claude/ bundles (zip, tar.gz), their lock files, and one skill's folder.

Pure Python: imports no Django. docs/skill-format.md §6 and adversarial/archives.md
(../shared) are the spec.

Writing
-------
    BundleItem(kind, name, path, version, data, files=())     .sha256 .tree_sha256
    BundleFile(path, data, executable)               a skill's other file, at its bundle path
    lock_file(items) -> bytes                        the LOCK_PATH entry
    iter_zip(items), iter_tar_gz(items) -> Iterator[bytes]   streamed
    write_zip(items), write_tar_gz(items) -> bytes
    iter_folder_zip(item), iter_folder_tar_gz(item)  one skill's folder, SKILL.md at the root
    rechunk(pieces) -> Iterator[bytes]               small pieces joined into 64 KiB chunks
    verify_lock(files, executable=None) -> list[str]         problems, [] if good

A bundle holds every item at its path, every file of every skill at its path under the
skill's folder, and `.claude/skillhub.lock.json`, all sorted by path (Unicode code
points, which is also UTF-8 byte order). It is reproducible: the same items, in any
order, give the same bytes with the same zlib. Every entry has the time 1980-01-01
00:00:00 (zip; the format's minimum) or 0 (tar), mode 0644 (0755 for a file marked
executable), no owner, no extra fields; deflate runs at level 9; the gzip header has
no file name and mtime 0. A file whose path is not ASCII has the zip's UTF-8 flag. A
file's tar header is plain ustar (a long path split into prefix and name) where ustar
can hold the path, a pax record followed by a ustar block with the name in UTF-8 for a
non-ASCII path, else pax alone, as for every item: readers that know only ustar (the
skills CLI) find a file of a skill under its own name.

The lock file is JSON with a 2-space indent and a final newline:

    {"version": 1, "generator": "skillhub", "digest": "sha256:<hex>",
     "items": [{"kind", "name", "path", "version", "sha256"}, ...]}   (sorted by path)

An item with files (a skill folder) has two more keys after "sha256":
"tree_sha256" (skilltree.tree_digest of the folder: SKILL.md and every file with its
mode) and "files": [{"path", "sha256", "executable"}, ...] (sorted by path; bundle
paths). An item without files has neither, so a bundle of single-file items is byte
for byte what it was before skills had files.

Its digest covers one line per item, in path order, each
`f"{path}\\t{kind}\\t{name}\\t{version}\\t{sha256}\\n"` (version in decimal), or for an
item with files `f"{path}\\t{kind}\\t{name}\\t{version}\\t{sha256}\\t{tree_sha256}\\n"`
(the tree digest covers every file's path, sha256 and mode), so anyone can check a
bundle by hand:

    def line(i):
        tree = f"\\t{i['tree_sha256']}" if "files" in i else ""
        return f"{i['path']}\\t{i['kind']}\\t{i['name']}\\t{i['version']}\\t{i['sha256']}{tree}\\n"
    lines = "".join(line(i) for i in sorted(lock["items"], key=lambda i: i["path"]))
    assert lock["digest"] == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()

One skill's folder (iter_folder_zip, iter_folder_tar_gz) is written the same way but
with paths relative to the folder (SKILL.md at the root) and no lock file: what
`npx skills add` installs from a discovery index entry of type "archive".

The zip bytes are written by catalog.zipwriter (this module picks the entries, their
order and modes); tar.gz is written here.

Reading uploads is catalog.archives; the path rules both share are catalog.paths.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import tarfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Protocol, cast

from catalog import skilltree, zipwriter

# The reading side, for callers that know bundles as one module.
from catalog.archives import DEFAULT_LIMITS, Limits, Upload, UploadEntry, read_upload
from catalog.locks import (
    LOCK_VERSION,
    LockedFile,
    LockedItem,
    is_version,
    lock_bytes,
    lock_chunks,
    lock_digest,
    lock_entry,
    lock_line,
    verify_lock,
)
from catalog.paths import (
    FILE_MODE,
    LOCK_PATH,
    ArchiveError,
    Collisions,
    Problems,
    allowlist_reasons,
    folded,
    mode_of,
    shown,
    unsafe_name_reasons,
)

__all__ = [
    "DEFAULT_LIMITS",
    "LOCK_PATH",
    "LOCK_VERSION",
    "ArchiveError",
    "BundleFile",
    "BundleItem",
    "Limits",
    "Upload",
    "UploadEntry",
    "iter_folder_tar_gz",
    "iter_folder_zip",
    "iter_tar_gz",
    "iter_zip",
    "lock_digest",
    "lock_entry",
    "lock_file",
    "lock_line",
    "read_upload",
    "rechunk",
    "verify_lock",
    "write_tar_gz",
    "write_zip",
]

MIB = 1024 * 1024

# Output is handed out in pieces of about this size; reads use it too.
_CHUNK = 64 * 1024
# A skill's files sit deeper than a .claude/ item may (archives' upload limits): the
# writer checks them for safety (no `..`, no absolute path, …) and leaves sizes and
# depth to the store's limits, which every stored file has passed.
_FILE_PATH_LIMITS = Limits(max_path_chars=1024, max_path_depth=64)


# ---------------------------------------------------------------- writing


class Entry(Protocol):
    """What an archive entry is written from: an item, a file, a file at another path."""

    @property
    def path(self) -> str: ...
    @property
    def data(self) -> bytes: ...


class File(Entry, Protocol):
    """A file with its mode: BundleFile, exporting.StoredFile, plugin_tree.PluginFile."""

    @property
    def executable(self) -> bool: ...


class ItemFile(File, LockedFile, Protocol):
    """A file of a skill in a bundle: BundleFile, exporting.StoredFile."""


class Item(LockedItem, Protocol):
    """A bundle item: BundleItem, or anything with its attributes (exporting.StoredItem)."""

    @property
    def data(self) -> bytes: ...
    @property
    def files(self) -> Sequence[ItemFile]: ...


@dataclass(frozen=True)
class BundleFile:
    """One file of a skill's folder besides SKILL.md, at its full bundle path."""

    path: str  # ".claude/skills/pdf/scripts/fill.py"
    data: bytes = field(repr=False)
    executable: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def mode(self) -> int:
        return mode_of(self.executable)


@dataclass(frozen=True)
class BundleItem:
    kind: str
    name: str
    path: str  # ".claude/commands/git/commit.md"
    version: int
    data: bytes
    # A skill's other files (a folder); () for a single file, which bundles as before.
    files: tuple[BundleFile, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def tree_sha256(self) -> str:
        """skilltree.tree_digest of the folder, "" for an item without files."""
        if not self.files:
            return ""
        folder = folder_of(self)
        return skilltree.tree_digest(self.data, {f.path[len(folder) :]: f for f in self.files})


def folder_of(item: Entry) -> str:
    """The folder a skill's files sit in: its path without SKILL.md, "/" at the end."""
    return item.path.rsplit("/", 1)[0] + "/"


def lock_file(items: Iterable[Item]) -> bytes:
    """The `.claude/skillhub.lock.json` of a bundle of `items` (see the module docstring)."""
    return lock_bytes(_ordered(items)[0])


def iter_zip(items: Iterable[Item]) -> Iterator[bytes]:
    """A reproducible zip of `items`, their files and the lock file, yielded as it is written.

    Memory holds one file and one compressor at a time, plus a few dozen bytes and the
    path per entry (sorting, collision check, central directory); the lock file is
    streamed too.
    Raises ValueError at once if a path is unsafe, duplicated or reserved.
    """
    ordered, entries = _ordered(items)
    zipwriter.check_count(len(entries) + 1, f"{len(entries):,} entries and a lock file")
    lock = _Lock(ordered, lock_digest(ordered))
    return rechunk(_zip_pieces(entries, lock))


def iter_tar_gz(items: Iterable[Item]) -> Iterator[bytes]:
    """A reproducible tar.gz of `items`, their files and the lock file, as it is written."""
    ordered, entries = _ordered(items)
    lock = _Lock(ordered, lock_digest(ordered))
    return rechunk(_gzip_pieces(_tar_pieces(entries, lock)))


def write_zip(items: Iterable[Item]) -> bytes:
    return b"".join(iter_zip(items))


def write_tar_gz(items: Iterable[Item]) -> bytes:
    return b"".join(iter_tar_gz(items))


def iter_folder_zip(item: Item) -> Iterator[bytes]:
    """One skill's folder as a reproducible zip: SKILL.md and its files at their paths
    relative to the folder, with their modes, and no lock file."""
    entries = _folder_entries(item)
    zipwriter.check_count(len(entries))
    return rechunk(_zip_pieces(entries, None))


def iter_folder_tar_gz(item: Item) -> Iterator[bytes]:
    """One skill's folder as a reproducible tar.gz (see iter_folder_zip)."""
    return rechunk(_gzip_pieces(_tar_pieces(_folder_entries(item), None)))


def iter_files_zip(files: Sequence[File]) -> Iterator[bytes]:
    """Files (each with path, data and executable) as a reproducible zip, by path, with
    their modes and no lock file: a plugin release's folder (catalog.plugin_tree)."""
    entries = sorted(files, key=attrgetter("path"))
    zipwriter.check_count(len(entries))
    return rechunk(_zip_pieces(entries, None))


def iter_files_tar_gz(files: Sequence[File]) -> Iterator[bytes]:
    """The same files as a reproducible tar.gz (see iter_files_zip)."""
    return rechunk(_gzip_pieces(_tar_pieces(sorted(files, key=attrgetter("path")), None)))


@dataclass(frozen=True)
class _At:
    """An entry written at another path than its own (a folder archive's relative paths)."""

    path: str
    source: Entry = field(repr=False)

    @property
    def data(self) -> bytes:
        return self.source.data

    @property
    def executable(self) -> bool:
        return bool(getattr(self.source, "executable", False))


def _folder_entries(item: Item) -> list[_At]:
    _ordered([item])  # the same checks as in a bundle
    if item.kind != "skill" or not item.path.endswith("/" + skilltree.SKILL_MD):
        raise ValueError(f"{shown(item.path)}: only a skill is a folder")
    folder = folder_of(item)
    entries = [_At(skilltree.SKILL_MD, item)]
    entries += [_At(f.path[len(folder) :], f) for f in item.files]
    return sorted(entries, key=attrgetter("path"))


def _ordered(items: Iterable[Item]) -> tuple[list[Item], Sequence[Item | ItemFile]]:
    """Items sorted by path, and every entry (items and their files) sorted by path, after
    checking that the bundle would pass read_upload and every file is in its skill."""
    ordered = sorted(items, key=attrgetter("path"))
    problems = Problems("bundle")
    owned = [(file, item) for item in ordered for file in item.files]
    # Without files the entries are the items themselves: no second list of them.
    entries: Sequence[Item | ItemFile] = ordered
    if owned:
        entries = sorted([*ordered, *(f for f, _ in owned)], key=_path)
    owners = {id(file): item for file, item in owned}
    for index, entry in enumerate(entries):
        owner = owners.get(id(entry))
        # An entry that no item owns is one of the items.
        reasons = _item_reasons(cast(Item, entry)) if owner is None else _file_reasons(entry, owner)
        for reason in reasons:
            problems.add(index, entry.path, reason)
        if index and entry.path == entries[index - 1].path:
            problems.add(index, entry.path, "duplicate entry name")
    for index, reason in _clashes(entries).items():
        problems.add(index, entries[index].path, reason)
    if lines := problems.lines():
        raise ValueError("\n".join(lines))
    return ordered, entries


_path = attrgetter("path")


def _item_reasons(item: Item) -> list[str]:
    reasons = unsafe_name_reasons(item.path, DEFAULT_LIMITS)
    if not reasons and not item.path.startswith(".claude/"):
        reasons.append("bundle paths start with .claude/")
    if not reasons and item.path == LOCK_PATH:
        reasons.append("reserved for the lock file")
    if not reasons:
        reasons += allowlist_reasons(item.path)
    if not is_version(item.version):
        reasons.append("version must be a positive integer")
    if not all(text.isprintable() for text in (item.kind, item.name)):
        reasons.append("kind and name must be printable text")
    return reasons


def _file_reasons(file: Entry, item: Item) -> list[str]:
    folder = folder_of(item)
    if item.kind != "skill" or not item.path.endswith("/" + skilltree.SKILL_MD):
        return [f"only a skill has files, and {shown(item.path)} is not a SKILL.md"]
    if not file.path.startswith(folder):
        return [f"not in the folder of {shown(item.path)}"]
    reasons = unsafe_name_reasons(file.path, _FILE_PATH_LIMITS)
    if not reasons and file.path[len(folder) :] == skilltree.SKILL_MD:
        reasons.append("SKILL.md is the item itself")
    return reasons


def _clashes(entries: Sequence[Entry]) -> dict[int, str]:
    """Reasons for paths equal to an earlier one after casefold + NFC.

    A first pass keeps only a hash of each folded path, so that a bundle of
    many items does not hold a second copy of every path; names are compared
    only if two hashes meet.
    """
    hashes = sorted(hash(folded(entry.path)) for entry in entries)
    if all(a != b for a, b in itertools.pairwise(hashes)):
        return {}
    names = Collisions()
    reasons = ((index, names.reason(entry.path)) for index, entry in enumerate(entries))
    return {index: reason for index, reason in reasons if reason}


@dataclass(frozen=True)
class _Lock:
    """The lock file of a bundle, written again each time it is read (never held)."""

    ordered: Sequence[LockedItem]
    digest: str

    def chunks(self) -> Iterator[bytes]:
        return lock_chunks(self.ordered, self.digest)


def _members(entries: Sequence[Entry], lock: _Lock | None) -> Iterator[tuple[str, Entry | _Lock]]:
    """(path, entry) of every archive entry in path order, without reading any data, and
    the lock file (if there is one) at its place."""
    lock_pending = lock
    for entry in entries:
        if lock_pending is not None and entry.path > LOCK_PATH:
            yield LOCK_PATH, lock_pending
            lock_pending = None
        yield entry.path, entry
    if lock_pending is not None:
        yield LOCK_PATH, lock_pending


def _mode(entry: Entry | _Lock) -> int:
    return mode_of(bool(getattr(entry, "executable", False)))


def rechunk(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of about _CHUNK bytes."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= _CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _zip_pieces(entries: Sequence[Entry], lock: _Lock | None) -> Iterator[bytes]:
    for_zip = (
        zipwriter.Member(path, chunks=entry.chunks)
        if isinstance(entry, _Lock)
        else zipwriter.Member(path, data=entry.data, mode=_mode(entry))
        for path, entry in _members(entries, lock)
    )

    def directory() -> Iterator[tuple[str, int]]:  # the entries again, no data read
        return ((path, _mode(entry)) for path, entry in _members(entries, lock))

    return zipwriter.zip_pieces(for_zip, directory=directory)


def _tar_pieces(entries: Sequence[Entry], lock: _Lock | None) -> Iterator[bytes]:
    """An uncompressed tar: POSIX pax format (plain ustar headers for short paths)."""
    written = 0
    for path, entry in _members(entries, lock):
        if isinstance(entry, _Lock):
            size = sum(len(chunk) for chunk in entry.chunks())
            body: Iterable[bytes] = entry.chunks()
        else:
            data = entry.data
            size, body = len(data), (data,)
        # An item's header is what it always was; a skill's file gets a plain ustar
        # header whenever one can hold its path, since some readers (the skills CLI)
        # read only ustar's name and prefix, not pax records.
        ustar = not isinstance(entry, _Lock) and not hasattr(entry, "kind")
        header = _tar_header(path, size, _mode(entry), ustar)
        padding = -size % tarfile.BLOCKSIZE
        yield header
        yield from body
        yield bytes(padding)
        written += len(header) + size + padding
    # Two zero blocks end the archive; like tarfile, pad to a whole record.
    end = 2 * tarfile.BLOCKSIZE
    yield bytes(end + -(written + end) % tarfile.RECORDSIZE)


def _tar_header(path: str, size: int, mode: int = FILE_MODE, ustar: bool = False) -> bytes:
    info = tarfile.TarInfo(path)
    info.size, info.mtime, info.mode = size, 0, mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    pax = info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")
    if not ustar:
        return pax
    try:
        plain = info.tobuf(format=tarfile.USTAR_FORMAT, encoding="utf-8", errors="strict")
    except ValueError:  # a path ustar cannot split into prefix and name
        return pax
    if path.isascii():
        return plain
    # A pax record for readers that know pax, then the ustar block with the name in UTF-8
    # (tarfile would write "?" for each non-ASCII character) for readers that do not.
    return pax[: -tarfile.BLOCKSIZE] + plain


# deflate, no flags (so no file name), mtime 0, "maximum compression", OS unknown
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def _gzip_pieces(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """One gzip member around `pieces`, written by hand so that the header is fixed."""
    checksum = zipwriter.Checksum()
    yield _GZIP_HEADER
    yield from zipwriter.deflate(checksum.tap(pieces))
    yield struct.pack("<II", checksum.crc, checksum.size & 0xFFFFFFFF)
