"""A skill is a folder: SKILL.md plus files at relative paths.

Pure Python: imports no Django. docs/skill-format.md §8 is the spec.

    TreeFile(path, data, executable)     .sha256 .size .mode .is_text .text
    Tree = dict[path, TreeFile]           every file but SKILL.md, whose text the version holds
    TreeLimits(max_file_bytes, max_total_bytes, max_files, ...)
    tree_problems(files, limits, skill_md_bytes) -> list[str]   why it cannot be stored
    tree_digest(skill_md, files) -> "sha256:<hex>"
    diff_trees(old, new) -> list[FileChange]        added, removed, renamed, modified, mode
    page_file_diffs(old, new) -> list[FileDiff]     the same with text diffs, within page caps
    merge_trees(base, theirs, mine) -> TreeMerge    three-way, file by file
    tree_lint(body, body_line, files) -> list[Problem]

Commands, agents and output styles stay single files; a skill without files is a tree
of one file and behaves (and exports) exactly as before.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from catalog import diffing, merging
from catalog.paths import FILE_MODE, Collisions, mode_of, unsafe_name_reasons
from catalog.skillfile import Problem

SKILL_MD = "SKILL.md"
MIB = 1024 * 1024

# Folders and files that are never part of a skill: version control, caches, desktop
# litter. An import skips (and reports) them instead of storing them.
JUNK_PARTS = frozenset({".git", "__pycache__", "__MACOSX", ".DS_Store", "node_modules"})
JUNK_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class TreeLimits:
    max_file_bytes: int = 10 * MIB
    max_total_bytes: int = 30 * MIB  # the Skills API's limit for one skill
    max_files: int = 1000  # SKILL.md included
    max_path_chars: int = 200
    max_path_depth: int = 6


DEFAULT_TREE_LIMITS = TreeLimits()


@dataclass(frozen=True)
class TreeFile:
    path: str  # relative to the skill folder, "/"-separated: "scripts/fill.py"
    data: bytes = field(repr=False)
    executable: bool = False

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def mode(self) -> int:
        return mode_of(self.executable)

    @cached_property
    def is_text(self) -> bool:
        return is_text(self.data)

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def same_content(self, other: TreeFile | None) -> bool:
        return other is not None and self.sha256 == other.sha256

    def same(self, other: TreeFile | None) -> bool:
        return (
            other is not None and self.same_content(other) and self.executable == other.executable
        )


Tree = dict[str, TreeFile]


class Digested(Protocol):
    """What tree_digest reads of a file: a TreeFile, a bundle's or a plugin's file, a file
    as a lock lists it."""

    @property
    def mode(self) -> int: ...
    @property
    def sha256(self) -> str: ...


def is_text(data: bytes) -> bool:
    """UTF-8 without NUL bytes: what the editor can open and a line diff can show."""
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def is_junk(path: str) -> bool:
    parts = path.split("/")
    return any(part in JUNK_PARTS or part.startswith("._") for part in parts) or path.endswith(
        JUNK_SUFFIXES
    )


def as_tree(files: Iterable[TreeFile]) -> Tree:
    return {file.path: file for file in sorted(files, key=lambda f: f.path)}


# What search indexes of a skill's files: every text file's path and text, in path
# order, up to this many characters (a reference folder of real skills is well under).
SEARCH_TEXT_MAX = 256 * 1024


def searchable_text(files: Mapping[str, TreeFile]) -> str:
    parts, size = [], 0
    for path, file in sorted(files.items()):
        if not file.is_text:
            continue
        piece = f"{path}\n{file.text}\n"
        parts.append(piece[: SEARCH_TEXT_MAX - size])
        size += len(parts[-1])
        if size >= SEARCH_TEXT_MAX:
            break
    return "".join(parts)


# -- what can be stored ----------------------------------------------------------------


def path_problems(path: str, limits: TreeLimits = DEFAULT_TREE_LIMITS) -> list[str]:
    """Why `path` cannot name a file of a skill ([] if it can)."""
    reasons = unsafe_name_reasons(path, limits)
    if not reasons and path.endswith("/"):
        reasons.append("a file path cannot end with '/'")
    if not reasons and path == SKILL_MD:
        reasons.append("SKILL.md is the skill's own text, not one of its files")
    return reasons


def tree_problems(
    files: Mapping[str, TreeFile], limits: TreeLimits = DEFAULT_TREE_LIMITS, skill_md_bytes: int = 0
) -> list[str]:
    """Why this set of files cannot be stored as a skill, one line each ([] if it can).

    Checked: every path (no `..`, absolute paths, backslashes, control characters, names
    Windows cannot hold), collisions by case or Unicode normalisation (with SKILL.md too),
    a file that is a prefix folder of another, markdown that is not UTF-8 text, and the
    three size limits.
    """
    problems: list[str] = []
    count = len(files) + 1
    if count > limits.max_files:
        problems.append(f"{count:,} files, over the limit of {limits.max_files:,} per skill")
    names = Collisions()
    names.reason(SKILL_MD)
    folders = {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}
    total = skill_md_bytes
    for path in sorted(files):
        file = files[path]
        reasons = path_problems(path, limits)
        if not reasons and (clash := names.reason(path)):
            reasons.append(clash)
        if not reasons and path in folders:
            reasons.append("is a file and also a folder of other files")
        if file.size > limits.max_file_bytes:
            reasons.append(f"{file.size:,} bytes, over the limit of {limits.max_file_bytes:,}")
        if path.lower().endswith(".md") and not file.is_text:
            reasons.append("a markdown file must be UTF-8 text")
        total += file.size
        problems += [f"{path}: {reason}" for reason in reasons]
        if len(problems) > 50:
            problems.append("… and more")
            return problems
    if total > limits.max_total_bytes:
        problems.append(
            f"the skill's files add up to {total:,} bytes, over the limit of "
            f"{limits.max_total_bytes:,}"
        )
    return problems


def tree_digest(skill_md: bytes, files: Mapping[str, Digested]) -> str:
    """A digest of the whole folder: one line per file, in path order,
    `f"{mode:o}\\t{sha256}\\t{path}\\n"` (mode 644 or 755), SKILL.md included."""
    rows = [(SKILL_MD, FILE_MODE, hashlib.sha256(skill_md).hexdigest())]
    rows += [(path, file.mode, file.sha256) for path, file in files.items()]
    digest = hashlib.sha256()
    for path, mode, sha256 in sorted(rows):
        digest.update(f"{mode:o}\t{sha256}\t{path}\n".encode())
    return "sha256:" + digest.hexdigest()


# -- diffs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileChange:
    status: str  # added, removed, renamed, modified, mode
    path: str
    old: TreeFile | None = None
    new: TreeFile | None = None
    old_path: str = ""  # a rename's previous path

    @property
    def mode_changed(self) -> bool:
        return bool(self.old and self.new and self.old.executable != self.new.executable)

    @property
    def text(self) -> bool:
        """Whether both sides (that exist) are text, so a line diff can show the change."""
        return all(f.is_text for f in (self.old, self.new) if f is not None)


def diff_trees(old: Mapping[str, TreeFile], new: Mapping[str, TreeFile]) -> list[FileChange]:
    """What changed between two trees, by path; a removed and an added file with the
    same content are one rename."""
    changes: list[FileChange] = []
    removed = {p: f for p, f in old.items() if p not in new}
    added = {p: f for p, f in new.items() if p not in old}
    by_content: dict[str, list[str]] = {}
    for path in sorted(removed):
        by_content.setdefault(removed[path].sha256, []).append(path)
    for path in sorted(added):
        candidates = by_content.get(added[path].sha256)
        if candidates:
            old_path = candidates.pop(0)
            changes.append(
                FileChange("renamed", path, removed.pop(old_path), added[path], old_path)
            )
        else:
            changes.append(FileChange("added", path, None, added[path]))
    changes += [FileChange("removed", path, file, None) for path, file in removed.items()]
    for path in sorted(set(old) & set(new)):
        before, after = old[path], new[path]
        if not before.same_content(after):
            changes.append(FileChange("modified", path, before, after))
        elif before.executable != after.executable:
            changes.append(FileChange("mode", path, before, after))
    return sorted(changes, key=lambda change: change.path)


@dataclass(frozen=True)
class FileDiff:
    """One file's change as a diff page shows it: `hunks` of its text (None for a binary
    file, a rename or mode change only, or past the page's caps: `too_large`)."""

    change: FileChange
    hunks: list[diffing.Hunk] | None = None
    too_large: bool = False

    @property
    def stats(self) -> tuple[int, int]:
        return diffing.hunk_stats(self.hunks or [])


def page_file_diffs(old: Mapping[str, TreeFile], new: Mapping[str, TreeFile]) -> list[FileDiff]:
    """diff_trees with each text file's line/word diff (diffing.page_hunks). The page's
    caps hold for all files together: once SHOW_MAX_LINES diff lines are shown, the other
    text changes are listed as too large (the page links their files instead), and so are
    those past DIFF_MAX_LINES lines compared in all."""
    shown = compared = 0
    diffs = []
    for change in diff_trees(old, new):
        if change.status not in ("added", "removed", "modified") or not change.text:
            diffs.append(FileDiff(change))
            continue
        before = change.old.text if change.old else ""
        after = change.new.text if change.new else ""
        # The lines compared count across files too, so a change to 1,000 files costs
        # what one diff of DIFF_MAX_LINES lines costs, at most.
        size = before.count("\n") + after.count("\n") + 2
        if shown >= diffing.SHOW_MAX_LINES or compared + size > diffing.DIFF_MAX_LINES:
            diffs.append(FileDiff(change, too_large=True))
            continue
        compared += size
        hunks = diffing.page_hunks(before, after)
        lines = sum(len(hunk.lines) for hunk in hunks) if hunks is not None else 0
        if hunks is None or shown + lines > diffing.SHOW_MAX_LINES:
            diffs.append(FileDiff(change, too_large=True))
            continue
        shown += lines
        diffs.append(FileDiff(change, hunks))
    return diffs


# -- merges --------------------------------------------------------------------------------


@dataclass
class TreeMerge:
    files: Tree
    conflicts: list[tuple[str, str]]  # (path, why) of files both sides changed differently

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_trees(
    base: Mapping[str, TreeFile],
    theirs: Mapping[str, TreeFile],
    mine: Mapping[str, TreeFile],
    *,
    mine_wins: bool = False,
) -> TreeMerge:
    """Three-way merge, file by file. A file only one side changed takes that side; text
    changed on both sides merges line by line (merging.merge); the same binary changed on
    both sides, or a file changed on one side and deleted on the other, is a conflict
    (with `mine_wins`, a resolve, mine is taken instead)."""
    merged: Tree = {}
    conflicts: list[tuple[str, str]] = []
    for path in sorted(set(base) | set(theirs) | set(mine)):
        b, t, m = base.get(path), theirs.get(path), mine.get(path)
        outcome, why = _merge_file(path, b, t, m, mine_wins)
        if why:
            conflicts.append((path, why))
        if outcome is not None:
            merged[path] = outcome
    return TreeMerge(merged, conflicts)


def _merge_file(
    path: str, b: TreeFile | None, t: TreeFile | None, m: TreeFile | None, mine_wins: bool
) -> tuple[TreeFile | None, str]:
    if _same(m, b):
        return t, ""
    if _same(t, b) or _same(t, m):
        return m, ""
    if mine_wins:
        return m, ""
    if t is None or m is None:
        gone = "you deleted it" if m is None else "they deleted it"
        return m, f"changed on one side, and {gone}"
    executable = m.executable if (b is None or m.executable != b.executable) else t.executable
    if t.same_content(m):
        return TreeFile(path, m.data, executable), ""
    if b is not None and b.same_content(m):
        return TreeFile(path, t.data, executable), ""
    if b is not None and b.same_content(t):
        return TreeFile(path, m.data, executable), ""
    if not (t.is_text and m.is_text and (b is None or b.is_text)):
        return m, "a binary file changed on both sides"
    try:
        merge = merging.merge(b.text if b else "", t.text, m.text)
    except merging.TooLargeToMerge:
        return m, "changed on both sides, too large to merge line by line"
    if merge.text is None:  # None exactly when the merge is not clean
        return m, "changed on both sides in the same lines"
    return TreeFile(path, merge.text.encode("utf-8"), executable), ""


def _same(a: TreeFile | None, b: TreeFile | None) -> bool:
    return (a is None and b is None) or (a is not None and a.same(b))


# -- lint ----------------------------------------------------------------------------------

# Markdown links and images to relative targets, and bare mentions of paths such as
# `scripts/fill.py` or references/forms.md (how skills usually point at their files).
_LINK = re.compile(r"\]\(\s*+<?([^()\[\]\s<>]++)>?(?:\s+[\"'][^()]*+)?\)")
# Possessive segments: a hostile run of "a/a/a/…" is one linear pass, not a backtrack.
_MENTION = re.compile(
    r"(?<![\w/.-])((?:[A-Za-z_][\w.-]*+/)++[\w.-]+\.[A-Za-z][A-Za-z0-9]{0,7})(?![\w/-])"
)
# A folder named with its trailing slash: "read `references/` first".
_FOLDER_MENTION = re.compile(r"(?<![\w/.-])((?:[A-Za-z_][\w.-]*+/)++)(?![\w.-])")
_EXTERNAL = re.compile(r"[a-z][a-z0-9+.-]*:|#|/|~", re.IGNORECASE)
# Written to start with literals, so that re scans for them at C speed (a leading \b
# made it try every position: 0.25 s for 256 KiB); word boundaries are checked after.
_FETCH = re.compile(
    r"(?:curl|wget|Invoke-WebRequest|iwr|requests\.(?:get|post)|urllib\.request|httpx\.|fetch\("
    r"|https?://)"
)
_PIPE_TO_SHELL = re.compile(r"\|[ \t]*+(?:sudo[ \t]++)?(?:ba|z|da|k)?sh\b")
LARGE_BINARY_BYTES = MIB
SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".py", ".js", ".mjs", ".ts", ".rb", ".pl", ".ps1")
LINT_SCAN_BYTES = 256 * 1024  # per script: enough for any real script, bounded for hostile ones


def references(body: str, body_line: int = 1) -> list[tuple[int, str, bool]]:
    """(line, relative target, is a markdown link) of every link in `body` to a file of
    the skill, and of every bare mention of a relative path with a folder
    (`scripts/fill.py`)."""
    found = []
    for offset, line in enumerate(body.split("\n")):
        targets = {m.group(1): True for m in _LINK.finditer(line)}
        for match in _MENTION.finditer(line):
            targets.setdefault(match.group(1), False)
        for match in _FOLDER_MENTION.finditer(line):
            targets.setdefault(match.group(1), False)
        for target, is_link in targets.items():
            if _EXTERNAL.match(target):
                continue
            target = target.split("#")[0].split("?")[0].removeprefix("./").rstrip("/")
            if target and ".." not in target.split("/"):
                found.append((body_line + offset, target, is_link))
    return found


def _folders(path: str) -> list[str]:
    """The folders `path` sits in: "a/b/c.py" -> ["a", "a/b"]."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def tree_lint(body: str, body_line: int, files: Mapping[str, TreeFile]) -> list[Problem]:
    """Facts about a skill's files a reviewer should see (docs/skill-format.md §8)."""
    problems: list[Problem] = []
    folders = {folder for path in files for folder in _folders(path)}
    linked = set()
    for line, target, is_link in references(body, body_line):
        if target in files or target in folders:
            linked.add(target)
        elif is_link or target.split("/")[0] in folders:
            # A bare mention is only taken as a link when it starts in one of the
            # skill's folders: prose may name paths of other projects.
            message = f"Links to {target}, which the skill does not have."
            problems.append(Problem("warning", "missing-file", message, line))
    for path, file in files.items():
        if path not in linked and not linked.intersection(_folders(path)) and not _for_people(path):
            message = f"{path} is not mentioned in SKILL.md, so Claude may never read it."
            problems.append(Problem("info", "unreferenced-file", message, 1))
        if file.executable:
            message = f"{path} is executable: Claude can run it."
            problems.append(Problem("info", "executable-file", message, 1))
        if not file.is_text:
            if file.size > LARGE_BINARY_BYTES:
                message = f"{path} is a {file.size:,}-byte binary file."
                problems.append(Problem("warning", "large-binary", message, 1))
            continue
        if file.executable or path.endswith(SCRIPT_SUFFIXES):
            problems += _script_problems(path, file)
    return problems


# Files that are there for people (licences, notices), not for Claude to read.
_FOR_PEOPLE = re.compile(r"(?:LICEN[CS]E|NOTICE|COPYING|AUTHORS)(?:[.-][\w.-]*)?", re.IGNORECASE)


def _for_people(path: str) -> bool:
    return "/" not in path and _FOR_PEOPLE.fullmatch(path) is not None


def _fetch(text: str, start: int, end: int) -> int | None:
    """Where the first network use in text[start:end] begins (a word, not inside one)."""
    for match in _FETCH.finditer(text, start, end):
        before = text[match.start() - 1] if match.start() > 0 else " "
        if match.group().startswith("http") or not (before.isalnum() or before == "_"):
            return match.start()
    return None


def _script_problems(path: str, file: TreeFile) -> list[Problem]:
    """A download piped into a shell on one line, else any network use: each found with
    whole-text searches (C speed), every line looked at once at most."""
    text = file.data[:LINT_SCAN_BYTES].decode("utf-8", errors="replace")
    fetch = _fetch(text, 0, len(text))
    if fetch is None:
        return []
    checked = -1
    for pipe in _PIPE_TO_SHELL.finditer(text):
        start = text.rfind("\n", 0, pipe.start()) + 1
        if start == checked:
            continue
        checked = start
        end = text.find("\n", pipe.end())
        if _fetch(text, start, len(text) if end < 0 else end) is not None:
            number = text.count("\n", 0, start) + 1
            message = f"{path} line {number}: downloads and runs a script."
            return [Problem("warning", "script-pipes-to-shell", message, 1)]
    number = text.count("\n", 0, fetch) + 1
    return [
        Problem("info", "script-uses-network", f"{path} line {number}: reaches the network.", 1)
    ]
