"""Path rules shared by bundles and uploads: what makes a name unsafe anywhere.

Pure Python: imports no Django. adversarial/archives.md (../shared) is the spec.
Names are judged as text and never repaired: a bad name refuses its entry.

    unsafe_name_reasons(name, limits)    [] if `name` is safe as a relative path
    allowlist_reasons(name)              [] if `name` is a .claude/ item path
    Collisions().reason(name)            a reason if seen before (exactly or folded)
    Problems(label)                      reasons grouped by entry -> ArchiveError
    shown(text)                          `text` safe for a message
    mode_of(executable)                  a file's mode: 0o755 or 0o644, nothing else
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

LOCK_PATH = ".claude/skillhub.lock.json"

# A file's mode wherever one is written or digested (zip, tar, a tree's or a lock's
# digest): executable or not, nothing else.
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755


def mode_of(executable: bool) -> int:
    """The mode of a file that is executable or not (every export and digest's rule)."""
    return EXECUTABLE_MODE if executable else FILE_MODE


class PathLimits(Protocol):
    """What the path rules read of a set of limits (archives.Limits, skilltree.TreeLimits,
    both frozen: read-only attributes)."""

    @property
    def max_path_chars(self) -> int: ...
    @property
    def max_path_depth(self) -> int: ...


class ArchiveError(Exception):
    """An upload refused as a whole; `problems` has one line per offending entry."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


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


def unsafe_name_reasons(name: str, limits: PathLimits) -> list[str]:
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


def allowlist_reasons(name: str) -> list[str]:
    *folders, file_name = name.split("/")
    if all(_ALLOWED_FOLDER.fullmatch(f) for f in folders) and _ALLOWED_FILE.fullmatch(file_name):
        return []
    return ["name not allowed: folders must match [A-Za-z0-9_-]+ and files [A-Za-z0-9_-]+.md"]


class Collisions:
    """Names met so far, exactly and after casefold + NFC."""

    def __init__(self) -> None:
        self._exact: set[str] = set()
        self.folded: dict[str, str] = {}

    def reason(self, name: str) -> str | None:
        if name in self._exact:
            return "duplicate entry name"
        self._exact.add(name)
        first = self.folded.setdefault(folded(name), name)
        if first != name:
            return f"same name as {shown(first)} when case and Unicode normalisation are ignored"
        return None


def folded(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def shown(text: str, limit: int = 120) -> str:
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


class Problems:
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
        entries = [f"{shown(name)}: {'; '.join(why)}" for name, why in self._entries.values()]
        return entries + [f"{shown(self.label)}: {reason}" for reason in self._archive]

    def raise_if_any(self) -> None:
        if lines := self.lines():
            raise ArchiveError(lines)
