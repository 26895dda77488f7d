"""Reproducible .claude/ bundles (zip, tar.gz) and a safe reader for uploads.

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

Reading
-------
    Limits(max_upload_bytes, max_entries, max_file_bytes, max_total_bytes,
           max_path_chars, max_path_depth)
    read_upload(filename, data, limits) -> Upload(entries, skipped, lock)
    ArchiveError(problems)      .problems: one line per offending entry

An upload is sniffed by its bytes (zip, gzip), never by its name; anything
else is a single .md file if its name says so, or refused. Nothing touches the
file system: entries are read into memory with hard byte caps. All or
nothing: any problem refuses the whole upload, and the error names every
offending entry. Only .md files are returned; other regular files are listed
in `skipped`, the lock file of a Skillhub bundle comes back as `lock`, and
directory entries are ignored.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import re
import stat
import struct
import tarfile
import unicodedata
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import BinaryIO, Protocol

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

LOCK_PATH = ".claude/skillhub.lock.json"
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
            problems.append(f"{_shown(path)}: listed twice in the lock file")
        listed.add(path)
        data = files.get(path)
        if data is None:
            problems.append(f"{_shown(path)}: listed in the lock file but missing from the bundle")
        elif hashlib.sha256(data).hexdigest() != sha256:
            problems.append(f"{_shown(path)}: sha256 differs from the lock file")
    for path in files:
        if path != LOCK_PATH and path not in listed:
            problems.append(f"{_shown(path)}: not listed in the lock file")
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
    problems = _Problems("bundle")
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
    reasons = _unsafe_name_reasons(item.path, DEFAULT_LIMITS)
    if not reasons and not item.path.startswith(".claude/"):
        reasons.append("bundle paths start with .claude/")
    if not reasons and item.path == LOCK_PATH:
        reasons.append("reserved for the lock file")
    if not reasons:
        reasons += _allowlist_reasons(item.path)
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
    hashes = sorted(hash(_folded(item.path)) for item in ordered)
    if all(a != b for a, b in itertools.pairwise(hashes)):
        return {}
    names = _Collisions()
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


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = 10 * MIB
    max_entries: int = 500
    max_file_bytes: int = MIB
    max_total_bytes: int = 16 * MIB
    max_path_chars: int = 255
    max_path_depth: int = 8


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class UploadEntry:
    path: str
    data: bytes


@dataclass
class Upload:
    entries: list[UploadEntry]
    skipped: list[tuple[str, str]]  # (path, reason) of files not imported
    lock: bytes | None = None  # the bundle's .claude/skillhub.lock.json, if it has one


class ArchiveError(Exception):
    """An upload refused as a whole; `problems` has one line per offending entry."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


# What CPython raises for hostile or broken archives (archives.md, rule 3).
# UnicodeDecodeError is a ValueError; RecursionError a RuntimeError; gzip's
# BadGzipFile an OSError.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    tarfile.TarError,
    OSError,
    struct.error,
    ValueError,
    OverflowError,
)


def read_upload(filename: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Upload:
    """The .md entries of an uploaded .md, .zip or .tar.gz; raises ArchiveError.

    `filename` is the name the client gave; it only names a single .md upload
    and the archive in messages.
    """
    base_name = re.split(r"[\\/]", filename)[-1]
    label = base_name or "upload"
    if len(data) > limits.max_upload_bytes:
        raise _refusal(
            label, f"{len(data)} bytes, over the upload limit of {limits.max_upload_bytes}"
        )
    container = _sniff(data)
    if container == "zip":
        return _read_zip(label, data, limits)
    if container == "gzip":
        return _read_tar_gz(label, data, limits)
    if base_name.lower().endswith(".md"):
        return _read_markdown(base_name, data, limits)
    raise _refusal(label, "unsupported file type (expected .md, .zip or .tar.gz)")


def _refusal(label: str, reason: str) -> ArchiveError:
    return ArchiveError([f"{_shown(label)}: {reason}"])


def _sniff(data: bytes) -> str:
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    try:  # zipfile finds the end record past leading data (self-extractors, polyglots)
        return "zip" if zipfile.is_zipfile(io.BytesIO(data)) else "other"
    except _READ_ERRORS:
        return "other"


def _read_markdown(name: str, data: bytes, limits: Limits) -> Upload:
    intake = _Intake(name, limits)
    role = intake.admit(0, name, len(data), _unsafe_name_reasons(name, limits))
    if role:
        intake.take(0, name, role, io.BytesIO(data))
    return intake.finish()


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Intake:
    """What every container shares: name rules, size budget, problems and the result."""

    def __init__(self, label: str, limits: Limits):
        self.label = label
        self.limits = limits
        self.problems = _Problems(label)
        self.names = _Collisions()
        self.upload = Upload(entries=[], skipped=[])
        self.declared_total = 0
        self.read_total = 0

    def admit(self, index: int, name: str, declared_size: int, reasons: list[str]) -> str | None:
        """Judge one listed regular file; return "md" or "lock" if it is to be read.

        `reasons` are the problems already found with it (name, type, flags).
        """
        if not reasons and (clash := self.names.reason(name)):
            reasons = [clash]
        role = _role(name)
        if not reasons and role == "md":
            reasons = _allowlist_reasons(name)
        if not reasons and role in ("md", "lock") and declared_size > self.limits.max_file_bytes:
            limit = self.limits.max_file_bytes
            reasons = [f"declares {declared_size} bytes, over the per-file limit of {limit}"]
        for reason in reasons:
            self.problems.add(index, name, reason)
        if reasons:
            return None
        if role not in ("md", "lock"):
            self.upload.skipped.append((name, _SKIP_REASONS[role]))
            return None
        self.declared_total += declared_size
        if self.declared_total > self.limits.max_total_bytes:
            self._over_total()
            return None
        return role

    def ignore_directory(self, index: int, name: str, reasons: list[str]) -> None:
        for reason in reasons:
            self.problems.add(index, name, reason)

    def take(self, index: int, name: str, role: str, stream: _Readable) -> None:
        """Read an admitted entry with a hard cap, whatever its header declared."""
        room = self.limits.max_total_bytes - self.read_total
        cap = min(self.limits.max_file_bytes, room)
        data = _read_capped(stream, cap)
        if data is None:
            if cap == self.limits.max_file_bytes:
                limit = self.limits.max_file_bytes
                self.problems.add(index, name, f"more than {limit} bytes once decompressed")
            else:
                self._over_total()
            return
        self.read_total += len(data)
        if role == "lock":
            self.upload.lock = data
        elif reason := _text_reason(data):
            self.problems.add(index, name, reason)
        else:
            self.upload.entries.append(UploadEntry(name, data))

    def finish(self) -> Upload:
        self.problems.raise_if_any()
        if not self.upload.entries:
            raise _refusal(self.label, "no skills found (no .md files)")
        return self.upload

    def _over_total(self) -> None:
        limit = self.limits.max_total_bytes
        self.problems.archive(f"the files add up to more than {limit} bytes uncompressed (limit)")


_SKIP_REASONS = {
    "macos": "macOS metadata, not a skill",
    "other": "not a .md file; Skillhub stores only markdown skill files",
}


def _role(name: str) -> str:
    """lock, md, macos (Finder's __MACOSX/ and ._ files) or other."""
    if name == LOCK_PATH:
        return "lock"
    parts = name.split("/")
    if parts[0] == "__MACOSX" or parts[-1].startswith("._"):
        return "macos"
    return "md" if name.lower().endswith(".md") else "other"


def _read_capped(stream: _Readable, cap: int) -> bytes | None:
    """The rest of `stream`, or None as soon as it passes `cap` bytes."""
    chunks, size = [], 0
    while chunk := stream.read(min(_CHUNK, cap + 1 - size)):
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _text_reason(data: bytes) -> str | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (invalid byte at offset {error.start})"
    if b"\x00" in data:
        return "not text (contains a NUL byte)"
    return None


# ---------------------------------------------------------------- names

_DRIVE = re.compile(r"[A-Za-z]:")
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", "conin$", "conout$"]
    + [f"{port}{n}" for port in ("com", "lpt") for n in "0123456789\u00b9\u00b2\u00b3"]
)
_WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
_INVISIBLE = frozenset(["Cc", "Cf", "Zl", "Zp"])  # controls, format chars, line breaks
# archives.md's path row: folders are names, files are names plus .md
_ALLOWED_FOLDER = re.compile(r"\.claude|[A-Za-z0-9_-]+")
_ALLOWED_FILE = re.compile(r"[A-Za-z0-9_-]+\.md")


def _unsafe_name_reasons(name: str, limits: Limits) -> list[str]:
    """What makes `name` unsafe as a path anywhere; checked as text, never repaired."""
    if not name:
        return ["empty name"]
    reasons = []
    if "\x00" in name:
        reasons.append("NUL character in name")
    elif any(unicodedata.category(c) in _INVISIBLE for c in name):
        reasons.append("control or invisible character in name")
    if any("\ud800" <= c <= "\udfff" for c in name):
        reasons.append("name is not valid UTF-8")
    if "\\" in name:
        reasons.append("backslash in name (a path separator on Windows)")
    if name.startswith("/"):
        reasons.append("absolute path")
    if _DRIVE.match(name):
        reasons.append("drive letter (an absolute path on Windows)")
    parts = name.lstrip("/").split("/")
    if ".." in parts:
        reasons.append("path leaves the archive root ('..' component)")
    if any(part in ("", ".") for part in parts):
        reasons.append("empty or '.' path component")
    if len(name) > limits.max_path_chars:
        reasons.append(f"path is {len(name)} characters long (limit {limits.max_path_chars})")
    if len(parts) > limits.max_path_depth:
        reasons.append(f"path has {len(parts)} components (limit {limits.max_path_depth})")
    reasons += _windows_reasons(parts)
    return list(dict.fromkeys(reasons))


def _windows_reasons(parts: list[str]) -> list[str]:
    """Bundles must unpack everywhere; Windows is the pickiest place."""
    reasons = []
    for part in parts:
        if part in ("", ".", ".."):
            continue
        if part.split(".")[0].rstrip(" ").casefold() in _WINDOWS_RESERVED:
            reasons.append("reserved device name on Windows")
        if part.endswith((".", " ")):
            reasons.append("trailing dot or space (Windows drops it)")
        if any(c in _WINDOWS_FORBIDDEN for c in part):
            reasons.append('character not allowed on Windows (one of <>:"|?*)')
    return reasons


def _allowlist_reasons(name: str) -> list[str]:
    *folders, file_name = name.split("/")
    if all(_ALLOWED_FOLDER.fullmatch(f) for f in folders) and _ALLOWED_FILE.fullmatch(file_name):
        return []
    return ["name not allowed: folders must match [A-Za-z0-9_-]+ and files [A-Za-z0-9_-]+.md"]


class _Collisions:
    """Names met so far, exactly and after casefold + NFC."""

    def __init__(self) -> None:
        self._exact: set[str] = set()
        self._folded: dict[str, str] = {}

    def reason(self, name: str) -> str | None:
        if name in self._exact:
            return "duplicate entry name"
        self._exact.add(name)
        first = self._folded.setdefault(_folded(name), name)
        if first != name:
            return f"same name as {_shown(first)} when case and Unicode normalisation are ignored"
        return None


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _shown(text: str, limit: int = 120) -> str:
    """`text` safe for a log line or a terminal: escapes, and cut if very long."""
    escaped = "".join(map(_escaped, text))
    if len(escaped) > limit:
        return f"{escaped[:limit]}… ({len(text)} characters)"
    return escaped


def _escaped(char: str) -> str:
    # Combining marks are escaped too, so that NFC and NFD spellings look different.
    if char.isprintable() and not unicodedata.combining(char):
        return char
    escape = repr(char)[1:-1]  # \x1b, \t, \u200b; repr leaves printable marks alone
    return escape if escape != char else f"\\u{ord(char):04x}"


class _Problems:
    """Reasons grouped by entry, then reasons about the whole archive; one line each."""

    def __init__(self, label: str):
        self.label = label
        self._entries: dict[int, tuple[str, list[str]]] = {}
        self._archive: list[str] = []

    def add(self, index: int, name: str, reason: str) -> None:
        reasons = self._entries.setdefault(index, (name, []))[1]
        if reason not in reasons:
            reasons.append(reason)

    def archive(self, reason: str) -> None:
        if reason not in self._archive:
            self._archive.append(reason)

    def lines(self) -> list[str]:
        entries = [f"{_shown(name)}: {'; '.join(why)}" for name, why in self._entries.values()]
        return entries + [f"{_shown(self.label)}: {reason}" for reason in self._archive]

    def raise_if_any(self) -> None:
        if lines := self.lines():
            raise ArchiveError(lines)


# ---------------------------------------------------------------- zip

_UTF8_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1
_DOS_DIRECTORY = 0x10
_UNICODE_PATH_EXTRA = 0x7075
_ZIP_END_SIGNATURE = b"PK\x05\x06"
_SPECIAL_TYPES = {
    stat.S_IFLNK: "symlink",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
}


def _read_zip(label: str, data: bytes, limits: Limits) -> Upload:
    declared = _declared_entry_count(data)
    if declared is not None and declared > limits.max_entries:
        raise _refusal(label, f"{declared} entries, over the limit of {limits.max_entries}")
    intake = _Intake(label, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_entries:
                raise _refusal(
                    label, f"{len(infos)} entries, over the limit of {limits.max_entries}"
                )
            if declared is not None and declared != len(infos):
                # zipfile walks the directory by its size in bytes; a count that disagrees
                # means that another reader would list other entries.
                counts = f"{declared} entries in the end record, {len(infos)} in the directory"
                raise _refusal(label, f"inconsistent zip ({counts})")
            wanted = _list_zip(data, infos, intake)
            intake.problems.raise_if_any()  # nothing is decompressed from a refused listing
            for index, info, role in wanted:
                name = info.orig_filename
                try:
                    with archive.open(info) as stream:
                        intake.take(index, name, role, stream)
                except _READ_ERRORS as error:
                    intake.problems.add(index, name, f"corrupt data ({_shown(str(error))})")
    except UnicodeDecodeError as error:  # ZipFile() decodes every name flagged as UTF-8
        raise ArchiveError(
            [f"{_undecodable(error)}: name is not valid UTF-8 although flagged as UTF-8"]
        ) from error
    except _READ_ERRORS as error:
        raise _refusal(label, f"not a readable zip archive ({_shown(str(error))})") from error
    return intake.finish()


def _declared_entry_count(data: bytes) -> int | None:
    """The entry count of the end-of-central-directory record, before zipfile lists them."""
    at = data.rfind(_ZIP_END_SIGNATURE, max(0, len(data) - 22 - 0xFFFF))
    if at < 0 or at + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, at + 10)[0]
    return None if count == 0xFFFF else count  # 0xFFFF: the real count is in zip64 records


def _list_zip(
    data: bytes, infos: list[zipfile.ZipInfo], intake: _Intake
) -> list[tuple[int, zipfile.ZipInfo, str]]:
    """Judge every entry from the central directory; return those to read, with their role."""
    overlaps = _overlapping_entries(data, infos)
    wanted = []
    for index, info in enumerate(infos):
        name = info.orig_filename  # before zipfile cuts it at a NUL
        reasons = _zip_name_source_reasons(data, info)
        if not info.flag_bits & _UTF8_FLAG and not name.isascii():
            name = info.orig_filename.encode("cp437").decode("ascii", "backslashreplace")
        if not reasons:
            reasons = _unsafe_name_reasons(name.removesuffix("/"), intake.limits)
        file_type = _zip_file_type(info)
        if file_type == "directory":
            intake.ignore_directory(index, name, reasons)
            continue
        if file_type != "file":
            reasons.append(f"not a regular file ({file_type})")
        if info.external_attr >> 16 & (stat.S_ISUID | stat.S_ISGID):
            reasons.append("setuid or setgid bit set")
        if info.flag_bits & _ENCRYPTED_FLAG:
            reasons.append("encrypted archives are not supported")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            reasons.append(f"unsupported compression (method {info.compress_type})")
        if index in overlaps:
            reasons.append(overlaps[index])
        if role := intake.admit(index, name, info.file_size, reasons):
            wanted.append((index, info, role))
    return wanted


def _zip_file_type(info: zipfile.ZipInfo) -> str:
    """file, directory, or what else the Unix mode in the external attributes says."""
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return _SPECIAL_TYPES.get(kind, f"file type {kind:o}")
    dos_directory = kind == 0 and info.external_attr & _DOS_DIRECTORY
    if kind == stat.S_IFDIR or dos_directory or info.orig_filename.endswith("/"):
        return "directory"
    return "file"


def _zip_name_source_reasons(data: bytes, info: zipfile.ZipInfo) -> list[str]:
    """Disagreements between the names a zip gives one entry, or a name that is not UTF-8.

    Different unzippers trust different sources (central directory, local
    header, Info-ZIP Unicode Path extra field), so all of them must agree.
    """
    name = info.orig_filename
    if not info.flag_bits & _UTF8_FLAG and not name.isascii():
        return ["name is not UTF-8 (its UTF-8 flag is clear and it has non-ASCII bytes)"]
    reasons = []
    extras = [info.extra]
    local = _local_header(data, info.header_offset)
    if local is None:
        reasons.append("local file header missing or truncated")
    else:
        flags, raw_name, extra, _data_start = local
        local_name = raw_name.decode("utf-8" if flags & _UTF8_FLAG else "cp437", "backslashreplace")
        if local_name != name:
            reasons.append(f"the local file header names it {_shown(local_name)}")
        extras.append(extra)
    for raw in itertools.chain.from_iterable(_unicode_path_fields(extra) for extra in extras):
        unicode_name = raw.decode("utf-8", "backslashreplace")
        if unicode_name != name:
            reasons.append(f"its Info-ZIP Unicode Path extra field names it {_shown(unicode_name)}")
    return list(dict.fromkeys(reasons))


_ZIP_LOCAL_READ = struct.Struct("<4s5H3I2H")


def _local_header(data: bytes, offset: int) -> tuple[int, bytes, bytes, int] | None:
    """flags, name, extra field and data offset of the local header at `offset`."""
    if offset < 0 or offset + _ZIP_LOCAL_READ.size > len(data):
        return None
    signature, _, flags, *_, name_length, extra_length = _ZIP_LOCAL_READ.unpack_from(data, offset)
    name_start = offset + _ZIP_LOCAL_READ.size
    extra_start = name_start + name_length
    data_start = extra_start + extra_length
    if signature != b"PK\x03\x04" or data_start > len(data):
        return None
    return flags, data[name_start:extra_start], data[extra_start:data_start], data_start


def _unicode_path_fields(extra: bytes) -> list[bytes]:
    """Names in Info-ZIP Unicode Path (0x7075) records: version (1), CRC (4), UTF-8 name."""
    names, at = [], 0
    while at + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, at)
        if tag == _UNICODE_PATH_EXTRA:
            names.append(extra[at + 9 : at + 4 + size])
        at += 4 + size
    return names


def _overlapping_entries(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[int, str]:
    """Entries whose data runs into the next entry or past the end (overlap bombs)."""
    spans = []
    for index, info in enumerate(infos):
        if local := _local_header(data, info.header_offset):
            spans.append((info.header_offset, local[3] + info.compress_size, index))
    spans.sort()
    reasons = {}
    for (_start, end, index), (next_start, _, _) in itertools.pairwise(spans):
        if end > next_start:
            reasons[index] = "its data overlaps the next entry (a zip bomb trick)"
    for _start, end, index in spans:
        if end > len(data):
            reasons[index] = "its data runs past the end of the archive"
    return reasons


def _undecodable(error: UnicodeDecodeError) -> str:
    raw = error.object if isinstance(error.object, bytes) else b""
    return _shown(raw.decode("utf-8", "backslashreplace"))


# ---------------------------------------------------------------- tar.gz

# Headers and padding a tar may add around the member data it holds.
_TAR_OVERHEAD_PER_ENTRY = 4 * tarfile.BLOCKSIZE
_TAR_TYPES = {
    tarfile.CHRTYPE: "character device",
    tarfile.BLKTYPE: "block device",
    tarfile.FIFOTYPE: "FIFO",
    tarfile.CONTTYPE: "contiguous file",
    tarfile.GNUTYPE_SPARSE: "sparse file",
}


class _TooLarge(Exception):
    pass


class _CappedReader:
    """A stream that fails once more than `cap` bytes have been read from it."""

    def __init__(self, stream: BinaryIO, cap: int):
        self._stream = stream
        self._cap = cap
        self._count = 0

    def read(self, size: int = -1) -> bytes:
        room = self._cap + 1 - self._count
        chunk = self._stream.read(room if size is None or size < 0 else min(size, room))
        self._count += len(chunk)
        if self._count > self._cap:
            raise _TooLarge
        return chunk


class _StrictTarInfo(tarfile.TarInfo):
    """Headers that make TarFile.next() stop quietly mid-archive become errors instead.

    TarFile treats a damaged header after the first as the end of the
    archive, which would import the members before it and drop the rest.
    Only an all-zero block ends an archive here.
    """

    @classmethod
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.EOFHeaderError:
            raise
        except tarfile.HeaderError as error:
            raise tarfile.ReadError(f"bad tar header ({error})") from None


def _read_tar_gz(label: str, data: bytes, limits: Limits) -> Upload:
    """Read members in one pass through the gzip stream, with a cap on what it expands to.

    Skipping a member still means decompressing it, so skipped files count
    towards the cap too.
    """
    intake = _Intake(label, limits)
    cap = limits.max_total_bytes + limits.max_entries * _TAR_OVERHEAD_PER_ENTRY
    stream = _CappedReader(gzip.GzipFile(fileobj=io.BytesIO(data), mode="rb"), cap)
    current = ""
    try:
        with tarfile.open(
            fileobj=stream, mode="r|", tarinfo=_StrictTarInfo,
            encoding="utf-8", errors="surrogateescape",
        ) as archive:  # fmt: skip
            for index, member in enumerate(archive):
                if index >= limits.max_entries:
                    intake.problems.archive(f"more than {limits.max_entries} entries (limit)")
                    break
                current = member.name
                if role := _admit_tar_member(intake, index, member):
                    intake.take(index, member.name, role, archive.extractfile(member))
            else:
                # tarfile stops at the end marker; the rest proves the gzip CRC and length.
                while stream.read(_CHUNK):
                    pass
    except _TooLarge:
        where = f" (at {_shown(current)})" if current else ""
        intake.problems.archive(f"expands to more than {cap} bytes (limit){where}")
    except _READ_ERRORS as error:
        where = f" after {_shown(current)}" if current else ""
        intake.problems.archive(f"not a readable tar.gz archive{where} ({_shown(str(error))})")
    return intake.finish()


def _admit_tar_member(intake: _Intake, index: int, member: tarfile.TarInfo) -> str | None:
    reasons = _unsafe_name_reasons(member.name, intake.limits)
    if member.isdir():
        intake.ignore_directory(index, member.name, reasons)
        return None
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        reasons.append(f"not a regular file ({_tar_type(member)})")
    elif member.mode & (stat.S_ISUID | stat.S_ISGID):
        reasons.append("setuid or setgid bit set")
    return intake.admit(index, member.name, member.size, reasons)


def _tar_type(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"symlink to {_shown(member.linkname)}"
    if member.islnk():
        return f"hard link to {_shown(member.linkname)}"
    return _TAR_TYPES.get(member.type, f"type {member.type!r}")
