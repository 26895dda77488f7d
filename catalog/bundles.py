"""Reproducible .claude/ bundles (zip, tar.gz) and their lock files.

Pure Python: imports no Django. docs/skill-format.md §6 and adversarial/archives.md
(../shared) are the spec.

Writing
-------
    BundleItem(kind, name, path, version, data)      .sha256 (lowercase hex)
    lock_file(items) -> bytes                        the LOCK_PATH entry
    iter_zip(items), iter_tar_gz(items) -> Iterator[bytes]   streamed
    write_zip(items), write_tar_gz(items) -> bytes
    verify_lock(files: Mapping[path, bytes]) -> list[str]    problems, [] if good

A bundle holds every item at its path plus `.claude/skillhub.lock.json`, all
sorted by path (Unicode code points, which is also UTF-8 byte order). It is
reproducible: the same items, in any order, give the same bytes with the same
zlib. Every entry has the time 1980-01-01 00:00:00 (zip; the format's minimum)
or 0 (tar), mode 0644, no owner, no extra fields; deflate runs at level 9; the
gzip header has no file name and mtime 0.

The lock file is JSON with a 2-space indent and a final newline:

    {"version": 1, "generator": "skillhub", "digest": "sha256:<hex>",
     "items": [{"kind", "name", "path", "version", "sha256"}, ...]}   (sorted by path)

Its digest covers one line per item, in path order, each
`f"{path}\\t{kind}\\t{name}\\t{version}\\t{sha256}\\n"` (version in decimal), so
anyone can check a bundle by hand:

    lines = "".join(f"{i['path']}\\t{i['kind']}\\t{i['name']}\\t{i['version']}\\t{i['sha256']}\\n"
                    for i in sorted(lock["items"], key=lambda i: i["path"]))
    assert lock["digest"] == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()

Reading uploads is catalog.archives; the path rules both share are catalog.paths.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import stat
import struct
import tarfile
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter

# The reading side, for callers that know bundles as one module.
from catalog.archives import DEFAULT_LIMITS, ArchiveError, Limits, Upload, UploadEntry, read_upload
from catalog.paths import (
    LOCK_PATH,
    Collisions,
    Problems,
    allowlist_reasons,
    folded,
    shown,
    unsafe_name_reasons,
)

__all__ = [
    "DEFAULT_LIMITS",
    "LOCK_PATH",
    "ArchiveError",
    "BundleItem",
    "Limits",
    "Upload",
    "UploadEntry",
    "iter_tar_gz",
    "iter_zip",
    "lock_file",
    "read_upload",
    "verify_lock",
    "write_tar_gz",
    "write_zip",
]

LOCK_VERSION = 1
MIB = 1024 * 1024

# Output is handed out in pieces of about this size; reads use it too.
_CHUNK = 64 * 1024
_DEFLATE_LEVEL = 9
_FILE_MODE = 0o644


# ---------------------------------------------------------------- writing


@dataclass(frozen=True)
class BundleItem:
    kind: str
    name: str
    path: str  # ".claude/commands/git/commit.md"
    version: int
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def lock_file(items: Iterable[BundleItem]) -> bytes:
    """The `.claude/skillhub.lock.json` of a bundle of `items` (see the module docstring)."""
    ordered = _ordered(items)
    return b"".join(_lock_chunks(ordered, _digest_of(ordered)))


def iter_zip(items: Iterable[BundleItem]) -> Iterator[bytes]:
    """A reproducible zip of `items` and its lock file, yielded as it is written.

    Memory holds one file and one compressor at a time, plus a few dozen bytes per
    item (sorting, collision check, central directory); the lock file is streamed too.
    Raises ValueError at once if a path is unsafe, duplicated or reserved.
    """
    ordered = _ordered(items)
    if len(ordered) + 1 > 0xFFFF:
        raise ValueError("more than 65,534 items: a zip without zip64 cannot hold them")
    return _rechunk(_zip_pieces(ordered, _digest_of(ordered)))


def iter_tar_gz(items: Iterable[BundleItem]) -> Iterator[bytes]:
    """A reproducible tar.gz of `items` and its lock file, yielded as it is written."""
    ordered = _ordered(items)
    return _rechunk(_gzip_pieces(_tar_pieces(ordered, _digest_of(ordered))))


def write_zip(items: Iterable[BundleItem]) -> bytes:
    return b"".join(iter_zip(items))


def write_tar_gz(items: Iterable[BundleItem]) -> bytes:
    return b"".join(iter_tar_gz(items))


def verify_lock(files: Mapping[str, bytes]) -> list[str]:
    """Check a bundle's files against its lock file; return the problems ([] = good).

    Every listed file must be present with the listed sha256, every file must be
    listed, and the digest must match the listed items.
    """
    raw = files.get(LOCK_PATH)
    if raw is None:
        return [f"{LOCK_PATH}: missing"]
    try:
        lock = json.loads(raw.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return [f"{LOCK_PATH}: not valid JSON ({error})"]
    rows, problems = _lock_rows(lock)
    if problems:
        return problems
    listed = set()
    for path, _kind, _name, _version, sha256 in rows:
        if path in listed:
            problems.append(f"{shown(path)}: listed twice in the lock file")
        listed.add(path)
        data = files.get(path)
        if data is None:
            problems.append(f"{shown(path)}: listed in the lock file but missing from the bundle")
        elif hashlib.sha256(data).hexdigest() != sha256:
            problems.append(f"{shown(path)}: sha256 differs from the lock file")
    for path in files:
        if path != LOCK_PATH and path not in listed:
            problems.append(f"{shown(path)}: not listed in the lock file")
    if lock.get("digest") != "sha256:" + _digest(sorted(rows)):
        problems.append(f"{LOCK_PATH}: digest does not match the listed items")
    return problems


_LockRow = tuple[str, str, str, int, str]  # path, kind, name, version, sha256


def _lock_rows(lock: object) -> tuple[list[_LockRow], list[str]]:
    """The items of a parsed lock file as digest rows, or the reasons it is malformed."""
    if not isinstance(lock, dict) or lock.get("version") != LOCK_VERSION:
        return [], [f"{LOCK_PATH}: not a version {LOCK_VERSION} lock file"]
    items = lock.get("items")
    if not isinstance(items, list):
        return [], [f'{LOCK_PATH}: "items" is not a list']
    rows, problems = [], []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.append(f"{LOCK_PATH}: item {number} is not an object")
            continue
        texts = [item.get(key) for key in ("path", "kind", "name", "sha256")]
        version = item.get("version")
        if not all(isinstance(text, str) for text in texts) or not _is_version(version):
            problems.append(
                f"{LOCK_PATH}: item {number} lacks a path, kind, name, sha256 or version"
            )
            continue
        path, kind, name, sha256 = texts
        rows.append((path, kind, name, version, sha256))
    return rows, problems


def _is_version(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _ordered(items: Iterable[BundleItem]) -> list[BundleItem]:
    """Items sorted by path, after checking that the bundle would pass read_upload."""
    ordered = sorted(items, key=attrgetter("path"))
    problems = Problems("bundle")
    for index, item in enumerate(ordered):
        for reason in _item_reasons(item):
            problems.add(index, item.path, reason)
        if index and item.path == ordered[index - 1].path:
            problems.add(index, item.path, "duplicate entry name")
    for index, reason in _clashes(ordered).items():
        problems.add(index, ordered[index].path, reason)
    if lines := problems.lines():
        raise ValueError("\n".join(lines))
    return ordered


def _item_reasons(item: BundleItem) -> list[str]:
    reasons = unsafe_name_reasons(item.path, DEFAULT_LIMITS)
    if not reasons and not item.path.startswith(".claude/"):
        reasons.append("bundle paths start with .claude/")
    if not reasons and item.path == LOCK_PATH:
        reasons.append("reserved for the lock file")
    if not reasons:
        reasons += allowlist_reasons(item.path)
    if not _is_version(item.version):
        reasons.append("version must be a positive integer")
    if not all(text.isprintable() for text in (item.kind, item.name)):
        reasons.append("kind and name must be printable text")
    return reasons


def _clashes(ordered: list[BundleItem]) -> dict[int, str]:
    """Reasons for paths equal to an earlier one after casefold + NFC.

    A first pass keeps only a hash of each folded path, so that a bundle of
    many items does not hold a second copy of every path; names are compared
    only if two hashes meet.
    """
    hashes = sorted(hash(folded(item.path)) for item in ordered)
    if all(a != b for a, b in itertools.pairwise(hashes)):
        return {}
    names = Collisions()
    reasons = ((index, names.reason(item.path)) for index, item in enumerate(ordered))
    return {index: reason for index, reason in reasons if reason}


def _digest(rows: Iterable[_LockRow]) -> str:
    """Hex sha256 over the canonical lines of `rows`, which must be in path order."""
    digest = hashlib.sha256()
    for path, kind, name, version, sha256 in rows:
        digest.update(f"{path}\t{kind}\t{name}\t{version}\t{sha256}\n".encode())
    return digest.hexdigest()


def _digest_of(ordered: list[BundleItem]) -> str:
    return _digest((i.path, i.kind, i.name, i.version, i.sha256) for i in ordered)


def _lock_chunks(ordered: list[BundleItem], digest: str) -> Iterator[bytes]:
    """The lock file, item by item; the same bytes as json.dumps(lock, indent=2) + "\\n".

    Written out by hand so that a bundle of many items never holds the whole
    document, nor json's list of fragments, in memory.
    """
    head = f'{{\n  "version": {LOCK_VERSION},\n  "generator": "skillhub",\n'
    head += f'  "digest": {json.dumps("sha256:" + digest)},\n'
    if not ordered:
        yield (head + '  "items": []\n}\n').encode()
        return
    yield (head + '  "items": [\n').encode()
    last = len(ordered) - 1
    for number, item in enumerate(ordered):
        yield (
            "    {\n"
            f'      "kind": {json.dumps(item.kind)},\n'
            f'      "name": {json.dumps(item.name)},\n'
            f'      "path": {json.dumps(item.path)},\n'
            f'      "version": {item.version},\n'
            f'      "sha256": "{item.sha256}"\n'
            "    }" + (",\n" if number < last else "\n")
        ).encode()
    yield b"  ]\n}\n"


def _members(ordered: list[BundleItem]) -> Iterator[tuple[str, bytes | None]]:
    """(path, data) of every bundle entry in path order; data None stands for the lock file."""
    for path, item in _entries(ordered):
        yield path, None if item is None else item.data


def _entries(ordered: list[BundleItem]) -> Iterator[tuple[str, BundleItem | None]]:
    """(path, item) of every bundle entry in path order, without reading any data."""
    lock_pending = True
    for item in ordered:
        if lock_pending and item.path > LOCK_PATH:
            lock_pending = False
            yield LOCK_PATH, None
        yield item.path, item
    if lock_pending:
        yield LOCK_PATH, None


def _rechunk(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Join small pieces into chunks of about _CHUNK bytes."""
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= _CHUNK:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Raw DEFLATE (no zlib header) with every parameter fixed."""
    compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    for chunk in chunks:
        if out := compressor.compress(chunk):
            yield out
    yield compressor.flush()


# The zip written here: version 2.0, no flags, deflate, 1980-01-01 00:00:00,
# made by Unix (3) so that readers take the mode from the external attributes.
_ZIP_LOCAL = struct.Struct("<IHHHHHIIIHH")
_ZIP_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_ZIP_END = struct.Struct("<IHHHHIIH")
_ZIP_VERSION = 20
_ZIP_MADE_BY = (3 << 8) | _ZIP_VERSION
_ZIP_DATE = (0 << 9) | (1 << 5) | 1  # years since 1980, month, day
_ZIP_TIME = 0
_ZIP_ATTR = (stat.S_IFREG | _FILE_MODE) << 16


def _zip_pieces(ordered: list[BundleItem], digest: str) -> Iterator[bytes]:
    # crc, compressed size, size and offset of each entry, in order, for the central directory
    records = array("I", [0]) * (4 * (len(ordered) + 1))  # "I" holds 32 bits, as zip does
    offset = count = 0
    for path, data in _members(ordered):
        if data is None:
            # The lock file is compressed twice (sizes first, then output), never held.
            crc, size, compressed_size = _measure_deflate(_lock_chunks(ordered, digest))
            body: Iterable[bytes] = _deflate(_lock_chunks(ordered, digest))
        else:
            compressed = b"".join(_deflate((data,)))
            crc, size, compressed_size = zlib.crc32(data), len(data), len(compressed)
            body = (compressed,)
        if max(offset, compressed_size, size) > 0xFFFFFFFF:
            raise ValueError("bundle over 4 GiB: a zip without zip64 cannot hold it")
        name = path.encode("ascii")
        header = _ZIP_LOCAL.pack(
            0x04034B50, _ZIP_VERSION, 0, zipfile.ZIP_DEFLATED, _ZIP_TIME, _ZIP_DATE,
            crc, compressed_size, size, len(name), 0,
        )  # fmt: skip
        yield header + name
        yield from body
        records[4 * count : 4 * count + 4] = array("I", (crc, compressed_size, size, offset))
        count += 1
        offset += len(header) + len(name) + compressed_size
    directory_start = offset
    for number, (path, _item) in enumerate(_entries(ordered)):  # paths only: data read once
        crc, compressed_size, size, entry_offset = records[4 * number : 4 * number + 4]
        name = path.encode("ascii")
        record = _ZIP_CENTRAL.pack(
            0x02014B50, _ZIP_MADE_BY, _ZIP_VERSION, 0, zipfile.ZIP_DEFLATED, _ZIP_TIME,
            _ZIP_DATE, crc, compressed_size, size, len(name), 0, 0, 0, 0, _ZIP_ATTR, entry_offset,
        )  # fmt: skip
        yield record + name
        offset += len(record) + len(name)
    if offset > 0xFFFFFFFF:
        raise ValueError("bundle over 4 GiB: a zip without zip64 cannot hold it")
    yield _ZIP_END.pack(
        0x06054B50, 0, 0, count, count, offset - directory_start, directory_start, 0
    )


class _Checksum:
    """crc32 and size of the chunks that pass through `tap`."""

    def __init__(self) -> None:
        self.crc = self.size = 0

    def tap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.crc = zlib.crc32(chunk, self.crc)
            self.size += len(chunk)
            yield chunk


def _measure_deflate(chunks: Iterable[bytes]) -> tuple[int, int, int]:
    """crc32, size and deflated size of a stream of chunks."""
    checksum = _Checksum()
    compressed_size = sum(len(out) for out in _deflate(checksum.tap(chunks)))
    return checksum.crc, checksum.size, compressed_size


def _tar_pieces(ordered: list[BundleItem], digest: str) -> Iterator[bytes]:
    """An uncompressed tar: POSIX pax format (plain ustar headers for short paths)."""
    written = 0
    for path, data in _members(ordered):
        if data is None:
            size = sum(len(chunk) for chunk in _lock_chunks(ordered, digest))
            body: Iterable[bytes] = _lock_chunks(ordered, digest)
        else:
            size, body = len(data), (data,)
        header = _tar_header(path, size)
        padding = -size % tarfile.BLOCKSIZE
        yield header
        yield from body
        yield bytes(padding)
        written += len(header) + size + padding
    # Two zero blocks end the archive; like tarfile, pad to a whole record.
    end = 2 * tarfile.BLOCKSIZE
    yield bytes(end + -(written + end) % tarfile.RECORDSIZE)


def _tar_header(path: str, size: int) -> bytes:
    info = tarfile.TarInfo(path)
    info.size, info.mtime, info.mode = size, 0, _FILE_MODE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.type = tarfile.REGTYPE
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8", errors="strict")


# deflate, no flags (so no file name), mtime 0, "maximum compression", OS unknown
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"


def _gzip_pieces(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """One gzip member around `pieces`, written by hand so that the header is fixed."""
    checksum = _Checksum()
    yield _GZIP_HEADER
    yield from _deflate(checksum.tap(pieces))
    yield struct.pack("<II", checksum.crc, checksum.size & 0xFFFFFFFF)
