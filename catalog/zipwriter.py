"""The one zip writer: every zip Skillhub hands out is written here, reproducibly.

Pure Python: imports no Django. Every entry is version 2.0, deflated with every
parameter fixed (level 9, a 32 KiB window, memory level 8, the default strategy),
dated 1980-01-01 00:00:00 (the format's minimum), made by Unix (3) with its mode in
the external attributes so that readers restore it, with no extra field and no
comment; a name that is not ASCII has the UTF-8 flag. No zip64: an archive over
65,535 entries or 4 GiB is refused with ValueError.

An entry's crc and sizes go in one of two places:

- in its local header (`zip_pieces(members)`): a member's `data` is deflated whole;
  a member given as `chunks` (made again each time it is called) is read twice, once
  to measure and once to write, and never held;
- after its data, in a data descriptor (`zip_pieces(members, descriptors=True)`): for
  members made while they are written, read once. This is, byte for byte, what
  Python's zipfile writes to a stream it cannot seek.

`members` is read lazily, so a later member may depend on what earlier ones held (a
plugin's manifest carries the digests of the files before it).
"""

from __future__ import annotations

import stat
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from catalog.paths import FILE_MODE

MAX_ENTRIES = 0xFFFF

_DEFLATE_LEVEL = 9
_DEFLATED = 8  # the zip's compression method number for deflate
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_DESCRIPTOR = struct.Struct("<IIII")
_END = struct.Struct("<IHHHHIIH")
_VERSION = 20
_MADE_BY = (3 << 8) | _VERSION
_DATE = (0 << 9) | (1 << 5) | 1  # years since 1980, month, day
_TIME = 0
_UTF8 = 0x800
_USES_DESCRIPTOR = 0x08
_LIMIT = 0xFFFFFFFF


@dataclass(frozen=True)
class Member:
    """One entry: its path, and either its `data` or a callable that makes its `chunks`."""

    path: str
    data: bytes | None = field(default=None, repr=False)
    chunks: Callable[[], Iterable[bytes]] | None = field(default=None, repr=False)
    mode: int = FILE_MODE

    def __post_init__(self) -> None:
        if (self.data is None) == (self.chunks is None):
            given = "both" if self.data is not None else "neither"
            raise ValueError(
                f"{self.path}: a member needs exactly one of data and chunks, {given} given"
            )


def check_count(count: int, description: str | None = None) -> None:
    """Refuse, before anything is written, an archive of more than MAX_ENTRIES entries.

    `description` says what is counted, in the caller's terms, for the message
    ("3 items and a lock file"); by default f"{count:,} entries".
    """
    if count > MAX_ENTRIES:
        counted = description if description is not None else f"{count:,} entries"
        raise ValueError(f"{counted}: a zip without zip64 holds at most 65,535")


def zip_pieces(
    members: Iterable[Member],
    *,
    descriptors: bool = False,
    directory: Callable[[], Iterable[tuple[str, int]]] | None = None,
) -> Iterator[bytes]:
    """The zip of `members`, in their order, as it is written (small pieces).

    `directory`, if given, gives each member's (path, mode) again, in the same order,
    without reading any data: the central directory is written from it, and the writer
    keeps 16 bytes an entry. Without it the writer keeps each name too (members made as
    they are written cannot be made twice)."""
    # Per entry, for the central directory: crc, compressed size, size and offset in
    # `records` ("I" holds 32 bits, as zip does); without `directory`, also the mode in
    # `modes` and the name in `names` up to its end in `ends`. Never an object each.
    records, modes, ends, names = array("I"), array("I"), array("I"), bytearray()
    offset = count = 0
    for member in members:
        name, flags = _name(member.path)
        if descriptors:
            flags |= _USES_DESCRIPTOR
            header = _LOCAL.pack(
                0x04034B50, _VERSION, flags, _DEFLATED, _TIME, _DATE, 0, 0, 0, len(name), 0
            )
            yield header + name
            checksum = Checksum()
            compressed_size = 0
            for out in deflate(checksum.tap(_chunks_of(member))):
                compressed_size += len(out)
                yield out
            crc, size = checksum.crc, checksum.size
            _check_size(max(offset, compressed_size, size))
            yield _DESCRIPTOR.pack(0x08074B50, crc, compressed_size, size)
            written = len(header) + len(name) + compressed_size + _DESCRIPTOR.size
        else:
            body: Iterable[bytes]
            if member.data is not None:
                compressed = b"".join(deflate((member.data,)))
                crc, size = zlib.crc32(member.data), len(member.data)
                compressed_size, body = len(compressed), (compressed,)
            else:
                crc, size, compressed_size = _measure(_chunks_of(member))
                body = deflate(_chunks_of(member))
            _check_size(max(offset, compressed_size, size))
            header = _LOCAL.pack(
                0x04034B50, _VERSION, flags, _DEFLATED, _TIME, _DATE,
                crc, compressed_size, size, len(name), 0,
            )  # fmt: skip
            yield header + name
            yield from body
            written = len(header) + len(name) + compressed_size
        records.extend((crc, compressed_size, size, offset))
        if directory is None:
            modes.append(member.mode)
            names += name
            ends.append(len(names))
        count += 1
        offset += written
    # Callers check the count before the first member (check_count), so this never
    # fires mid-stream; it only guards the end record's 16-bit count.
    check_count(count)
    directory_start = offset
    entries = directory() if directory is not None else _kept(modes, ends, names)
    number = 0
    for number, (path, mode) in enumerate(entries):
        if number >= count:
            raise ValueError("the directory lists more entries than were written")
        crc, compressed_size, size, entry_offset = records[4 * number : 4 * number + 4]
        name, flags = _name(path)
        if descriptors:
            flags |= _USES_DESCRIPTOR
        record = _CENTRAL.pack(
            0x02014B50, _MADE_BY, _VERSION, flags, _DEFLATED, _TIME, _DATE,
            crc, compressed_size, size, len(name), 0, 0, 0, 0,
            (stat.S_IFREG | mode) << 16, entry_offset,
        )  # fmt: skip
        yield record + name
        offset += len(record) + len(name)
    if count and number + 1 != count:
        raise ValueError("the directory lists fewer entries than were written")
    _check_size(offset)
    yield _END.pack(0x06054B50, 0, 0, count, count, offset - directory_start, directory_start, 0)


def _kept(modes: array[int], ends: array[int], names: bytearray) -> Iterator[tuple[str, int]]:
    start = 0
    for mode, end in zip(modes, ends, strict=True):
        yield names[start:end].decode("utf-8"), mode
        start = end


def deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Raw DEFLATE (no zlib header) with every parameter fixed (zip entries and gzip)."""
    compressor = zlib.compressobj(_DEFLATE_LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
    for chunk in chunks:
        if out := compressor.compress(chunk):
            yield out
    yield compressor.flush()


class Checksum:
    """crc32 and size of the chunks that pass through `tap`."""

    def __init__(self) -> None:
        self.crc = self.size = 0

    def tap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.crc = zlib.crc32(chunk, self.crc)
            self.size += len(chunk)
            yield chunk


def _chunks_of(member: Member) -> Iterable[bytes]:
    if member.data is not None:
        return (member.data,)
    assert member.chunks is not None  # Member.__post_init__: one of the two
    return member.chunks()


def _measure(chunks: Iterable[bytes]) -> tuple[int, int, int]:
    """crc32, size and deflated size of a stream of chunks."""
    checksum = Checksum()
    compressed_size = sum(len(out) for out in deflate(checksum.tap(chunks)))
    return checksum.crc, checksum.size, compressed_size


def _name(path: str) -> tuple[bytes, int]:
    """The name's bytes and the flags they need."""
    if path.isascii():
        return path.encode("ascii"), 0
    return path.encode("utf-8"), _UTF8


def _check_size(size: int) -> None:
    if size > _LIMIT:
        raise ValueError("archive over 4 GiB: a zip without zip64 cannot hold it")
