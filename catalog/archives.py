"""A safe reader for uploads: .md files, zip and tar.gz archives.

Pure Python: imports no Django. docs/skill-format.md §6 and adversarial/archives.md
(../shared) are the spec.

    Limits(max_upload_bytes, max_entries, max_file_bytes, max_total_bytes,
           max_path_chars, max_path_depth)
    read_upload(filename, data, limits) -> Upload(entries, skipped, lock)
    ArchiveError(problems)      .problems: one line per offending entry

An upload is sniffed by its bytes (zip, gzip), never by its name; anything
else is a single .md file if its name says so, or refused. Nothing touches the
file system: entries are read into memory with hard byte caps. All or
nothing: any problem refuses the whole upload, and the error names every
offending entry. Every regular file comes back with its executable bit (a skill
is a folder: scripts, references, fonts, schemas); junk (.git/, __pycache__,
macOS metadata, *.pyc: skilltree.is_junk) is listed in `skipped` without being
read, the lock file of a Skillhub bundle comes back as `lock`, and directory
entries are ignored. Only the files that are items themselves (SKILL.md files,
commands, agents, output styles: catalog.layouts) must have allowlisted names
and be UTF-8 text; the files of a skill only need safe paths.
"""

from __future__ import annotations

import gzip
import io
import itertools
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Protocol, Self, cast

from catalog import layouts, skilltree
from catalog.paths import (
    LOCK_PATH,
    ArchiveError,
    Collisions,
    Problems,
    allowlist_reasons,
    shown,
    unsafe_name_reasons,
)

MIB = 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    # Room for Anthropic's public skills repository as one archive (17 skills of up to
    # 83 files, about 20 MB, folders 7 deep) and a skill of 30 MiB, the Skills API's limit.
    max_upload_bytes: int = 64 * MIB
    max_entries: int = 5000
    max_file_bytes: int = 10 * MIB  # a skill's per-file limit
    max_total_bytes: int = 128 * MIB
    max_path_chars: int = 255
    max_path_depth: int = 12


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class UploadEntry:
    path: str
    data: bytes
    executable: bool = False


@dataclass
class Upload:
    entries: list[UploadEntry]
    skipped: list[tuple[str, str]]  # (path, reason) of files not imported
    lock: bytes | None = None  # the bundle's .claude/skillhub.lock.json, if it has one


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
    return ArchiveError([f"{shown(label)}: {reason}"])


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
    role = intake.admit(0, name, len(data), unsafe_name_reasons(name, limits))
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
        self.problems = Problems(label)
        self.names = Collisions()
        self.upload = Upload(entries=[], skipped=[])
        self.declared_total = 0
        self.read_total = 0
        self.indexes: dict[str, int] = {}  # entry path -> its index in the archive
        self.junk: set[str] = set()

    def admit(self, index: int, name: str, declared_size: int, reasons: list[str]) -> str | None:
        """Judge one listed regular file; return "file" or "lock" if it is to be read.

        `reasons` are the problems already found with it (name, type, flags).
        """
        if not reasons and (clash := self.names.reason(name)):
            reasons = [clash]
        role = _role(name)
        if not reasons and role != "junk" and declared_size > self.limits.max_file_bytes:
            limit = self.limits.max_file_bytes
            reasons = [f"declares {declared_size} bytes, over the per-file limit of {limit}"]
        for reason in reasons:
            self.problems.add(index, name, reason)
        if reasons:
            return None
        if role == "junk":
            self._skip_junk(name)
            return None
        self.declared_total += declared_size
        if self.declared_total > self.limits.max_total_bytes:
            self._over_total()
            return None
        return role

    def ignore_directory(self, index: int, name: str, reasons: list[str]) -> None:
        for reason in reasons:
            self.problems.add(index, name, reason)

    def take(
        self, index: int, name: str, role: str, stream: _Readable, executable: bool = False
    ) -> None:
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
        else:
            self.upload.entries.append(UploadEntry(name, data, executable))
            self.indexes[name] = index

    def finish(self) -> Upload:
        """Judge the files that are items, now that the whole listing is known (a
        tar's SKILL.md may come after the files of its folder)."""
        self.problems.raise_if_any()
        placement = layouts.place(entry.path for entry in self.upload.entries)
        items = placement.item_paths()
        for entry in self.upload.entries:
            if entry.path in items:
                index = self.indexes[entry.path]
                for reason in allowlist_reasons(entry.path) or _text_reasons(entry):
                    self.problems.add(index, entry.path, reason)
        self.problems.raise_if_any()
        if not items:
            found = "no SKILL.md, command, agent or output style"
            raise _refusal(self.label, f"no skills found ({found})")
        return self.upload

    def _skip_junk(self, name: str) -> None:
        """One line per junk folder (a .git/ holds thousands of files), one per junk file."""
        parts = name.split("/")
        folders = [n for n, part in enumerate(parts[:-1]) if skilltree.is_junk(part)]
        shown_as = "/".join(parts[: folders[0] + 1]) + "/" if folders else name
        if shown_as not in self.junk:
            self.junk.add(shown_as)
            self.upload.skipped.append((shown_as, _junk_reason(shown_as)))

    def _over_total(self) -> None:
        limit = self.limits.max_total_bytes
        self.problems.archive(f"the files add up to more than {limit} bytes uncompressed (limit)")


def _role(name: str) -> str:
    """lock, junk (skilltree.is_junk: .git/, __pycache__, macOS metadata…) or file."""
    if name == LOCK_PATH:
        return "lock"
    return "junk" if skilltree.is_junk(name) else "file"


def _junk_reason(shown_as: str) -> str:
    parts = set(shown_as.rstrip("/").split("/"))
    if "__MACOSX" in parts or ".DS_Store" in parts or shown_as.rsplit("/", 1)[-1].startswith("._"):
        return "macOS metadata, not part of any skill"
    if ".git" in parts:
        return "version control data, not part of any skill"
    return "a cache or build output, not part of any skill"


def _read_capped(stream: _Readable, cap: int) -> bytes | None:
    """The rest of `stream`, or None as soon as it passes `cap` bytes."""
    chunks, size = [], 0
    while chunk := stream.read(min(_CHUNK, cap + 1 - size)):
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _text_reasons(entry: UploadEntry) -> list[str]:
    """Why an item's file is not text; a binary SKILL.md says what it should have been.

    This judges an archive's bytes before any item is read, and refuses the whole upload
    with one line per file, at a byte offset; an item's text is then refused or stored
    by skillfile.unstorable_reason like any other (catalog.importing)."""
    try:
        entry.data.decode("utf-8")
    except UnicodeDecodeError as error:
        why, reason = "invalid UTF-8", f"not UTF-8 text (invalid byte at offset {error.start})"
    else:
        if b"\x00" not in entry.data:
            return []
        why, reason = "a NUL byte", "not text (contains a NUL byte)"
    if entry.path.rsplit("/", 1)[-1] == layouts.SKILL_MD:
        reason = f"a binary file ({why}): a skill's SKILL.md must be UTF-8 text"
    return [reason]


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
                        executable = bool(info.external_attr >> 16 & 0o111)
                        intake.take(index, name, role, stream, executable)
                except _READ_ERRORS as error:
                    intake.problems.add(index, name, f"corrupt data ({shown(str(error))})")
    except UnicodeDecodeError as error:  # ZipFile() decodes every name flagged as UTF-8
        raise ArchiveError(
            [f"{_undecodable(error)}: name is not valid UTF-8 although flagged as UTF-8"]
        ) from error
    except _READ_ERRORS as error:
        raise _refusal(label, f"not a readable zip archive ({shown(str(error))})") from error
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
            reasons = unsafe_name_reasons(name.removesuffix("/"), intake.limits)
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
            reasons.append(f"the local file header names it {shown(local_name)}")
        extras.append(extra)
    for raw in itertools.chain.from_iterable(_unicode_path_fields(extra) for extra in extras):
        unicode_name = raw.decode("utf-8", "backslashreplace")
        if unicode_name != name:
            reasons.append(f"its Info-ZIP Unicode Path extra field names it {shown(unicode_name)}")
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
    return shown(raw.decode("utf-8", "backslashreplace"))


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

    def __init__(self, stream: _Readable, cap: int):
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
    def fromtarfile(cls, tarfile_: tarfile.TarFile) -> Self:
        try:
            return super().fromtarfile(tarfile_)
        except tarfile.EOFHeaderError:  # type: ignore[attr-defined]  # not in typeshed
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
        # Stream mode ("r|") only reads from its file; typeshed asks for a whole file object.
        with tarfile.open(
            fileobj=cast(BinaryIO, stream), mode="r|", tarinfo=_StrictTarInfo,
            encoding="utf-8", errors="surrogateescape",
        ) as archive:  # fmt: skip
            for index, member in enumerate(archive):
                if index >= limits.max_entries:
                    intake.problems.archive(f"more than {limits.max_entries} entries (limit)")
                    break
                current = member.name
                name = _tar_name(member)
                if name and (role := _admit_tar_member(intake, index, name, member)):
                    member_data = archive.extractfile(member)
                    if member_data is None:  # only links and special files, never admitted
                        raise tarfile.ReadError("a regular file without data")
                    intake.take(index, name, role, member_data, bool(member.mode & 0o111))
            else:
                # tarfile stops at the end marker; the rest proves the gzip CRC and length.
                while stream.read(_CHUNK):
                    pass
    except _TooLarge:
        where = f" (at {shown(current)})" if current else ""
        intake.problems.archive(f"expands to more than {cap} bytes (limit){where}")
    except _READ_ERRORS as error:
        where = f" after {shown(current)}" if current else ""
        intake.problems.archive(f"not a readable tar.gz archive{where} ({shown(str(error))})")
    return intake.finish()


def _tar_name(member: tarfile.TarInfo) -> str:
    """The member's name without the one leading "./" that `tar czf x.tar.gz .` gives
    every member ("" for that "./" folder itself). Any other "." component is judged
    (and refused) like the rest of the name; a name that only differs by the prefix
    collides with its twin."""
    if member.isdir() and member.name in (".", "./"):
        return ""
    return member.name[2:] if member.name.startswith("./") else member.name


def _admit_tar_member(
    intake: _Intake, index: int, name: str, member: tarfile.TarInfo
) -> str | None:
    reasons = unsafe_name_reasons(name, intake.limits)
    if member.isdir():
        intake.ignore_directory(index, name, reasons)
        return None
    if member.type not in (tarfile.REGTYPE, tarfile.AREGTYPE):
        reasons.append(f"not a regular file ({_tar_type(member)})")
    elif member.mode & (stat.S_ISUID | stat.S_ISGID):
        reasons.append("setuid or setgid bit set")
    return intake.admit(index, name, member.size, reasons)


def _tar_type(member: tarfile.TarInfo) -> str:
    if member.issym():
        return f"symlink to {shown(member.linkname)}"
    if member.islnk():
        return f"hard link to {shown(member.linkname)}"
    return _TAR_TYPES.get(member.type, f"type {member.type!r}")
