"""Bytes and text (docs/skill-format.md §3 "File"): strict UTF-8, one normal form of line
ends, whether a text can be stored at all and whether a file is fit to be read further;
lines and columns of an index."""

from __future__ import annotations

import re

from catalog.skillfile.limits import MAX_FILE_BYTES
from catalog.skillfile.results import Problem, _Problems


def decode(data: bytes) -> tuple[str | None, list[Problem]]:
    """The text of `data` as strict UTF-8, or None and an error saying where it breaks."""
    data = bytes(data)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        column = len(before[line_start:].decode("utf-8", "replace")) + 1
        hint = ""
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint = " It looks like UTF-16; save it as UTF-8."
        message = f"The file is not valid UTF-8 (byte {error.start + 1} cannot be decoded).{hint}"
        return None, [Problem("error", "invalid-utf8", message, _count_lines(before), column)]


def _count_lines(data: bytes) -> int:
    """The 1-based line at the end of `data`, counting CRLF, LF and lone CR as line ends."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1


def normalise(text: str) -> str:
    """Strip one leading BOM; CRLF and lone CR become LF. Nothing else changes."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# The characters no stored text may hold, and no query parameter either:
# - NUL (U+0000): PostgreSQL text cannot hold it, so a query with it fails inside the
#   database (a DataError, a 500); SQLite would store it, and nothing legitimate sends it.
# - lone surrogates (U+D800-U+DFFF): they have no UTF-8 encoding, so no database driver
#   can send them. (A Python str has no surrogate pairs: every surrogate is lone.)
# Every other character, control characters included, is ordinary text to both databases.
UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def unstorable_reason(text: str) -> str | None:
    """Why a text cannot be stored at all (as opposed to stored as a draft with errors):
    it holds an UNSTORABLE_CHARACTER or is over MAX_FILE_BYTES. parse() reports the same
    three things as problems, with where they are (_read_text)."""
    if "\x00" in text:
        return "The file contains a NUL byte."
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return "The file is not valid UTF-8 (it contains a lone surrogate)."
    if size > MAX_FILE_BYTES:
        return _too_large(size)
    return None


def _too_large(size: int) -> str:
    return f"The file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}."


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _column_of(text: str, index: int) -> int:
    return index - (text.rfind("\n", 0, index) + 1) + 1


def _read_text(data: object, problems: _Problems) -> tuple[str, bool]:
    """The normalised text, and whether it is fit to analyse further."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        too_large = len(data) > MAX_FILE_BYTES
        size = len(data)
        text, decode_problems = decode(data)
        problems.extend(decode_problems)
    elif isinstance(data, str):
        text, size = _check_surrogates(data, problems)
        too_large = size > MAX_FILE_BYTES
    else:
        problems.error("not-text", f"Expected text or bytes, got {type(data).__name__}.", 1)
        return "", False
    if text is None:
        return "", False
    text = normalise(text)
    if too_large:
        problems.error("file-too-large", _too_large(size), 1)
        return text, False
    nul = text.find("\x00")
    if nul >= 0:
        problems.error(
            "nul-character",
            "The file contains a NUL character, so it is not a text file.",
            _line_of(text, nul),
            _column_of(text, nul),
        )
    return text, True


def _check_surrogates(text: str, problems: _Problems) -> tuple[str | None, int]:
    if len(text) > MAX_FILE_BYTES:  # at least one byte per character: no need to encode
        return text, len(text)
    try:
        return text, len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        problems.error(
            "lone-surrogate",
            "The text holds a lone surrogate, which is not valid UTF-8.",
            _line_of(text, error.start),
            _column_of(text, error.start),
        )
        return None, 0
