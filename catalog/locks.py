"""The lock file of a bundle: its lines, its JSON, and checking a bundle against it.

Pure Python: imports no Django. The format is in catalog.bundles' module docstring;
an item here is anything with BundleItem's attributes (kind, name, path, version,
sha256, files, tree_sha256), such as exporting.StoredItem or a plugin's moved item.

    lock_line(item), lock_digest(items)     the digest's lines and their sha256
    lock_entry(item), lock_chunks(...)      the JSON, item by item
    lock_bytes(items)                       the whole lock file (bundles and plugins)
    verify_lock(files, executable=None)     problems of an unpacked bundle, [] if good
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Protocol, TypeGuard

from catalog import skilltree
from catalog.paths import LOCK_PATH, mode_of, shown

LOCK_VERSION = 1


class LockedFile(Protocol):
    """A file of an item as the lock lists it (bundles.BundleFile, exporting.StoredFile)."""

    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def executable(self) -> bool: ...


class LockedItem(Protocol):
    """An item as the lock lists it: BundleItem's attributes (see the module docstring)."""

    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def files(self) -> Sequence[LockedFile]: ...
    @property
    def tree_sha256(self) -> str: ...


def lock_line(item: LockedItem) -> str:
    """The line an item adds to the lock file's digest (see the module docstring); an
    item is anything with BundleItem's attributes, such as exporting.StoredItem."""
    tree_sha256 = item.tree_sha256 if item.files else None
    return _line(item.path, item.kind, item.name, item.version, item.sha256, tree_sha256)


def _line(
    path: str, kind: str, name: str, version: int, sha256: str, tree_sha256: str | None
) -> str:
    """The digest's line of an item, whether written (lock_line) or read back (_digest)."""
    tree = "" if tree_sha256 is None else f"\t{tree_sha256}"
    return f"{path}\t{kind}\t{name}\t{version}\t{sha256}{tree}\n"


def lock_entry(item: LockedItem) -> dict[str, object]:
    """An item as the lock file lists it."""
    entry: dict[str, object] = {
        "kind": item.kind,
        "name": item.name,
        "path": item.path,
        "version": item.version,
        "sha256": item.sha256,
    }
    if item.files:
        entry["tree_sha256"] = item.tree_sha256
        entry["files"] = [
            {"path": f.path, "sha256": f.sha256, "executable": bool(f.executable)}
            for f in sorted(item.files, key=attrgetter("path"))
        ]
    return entry


def lock_digest(items: Iterable[LockedItem]) -> str:
    """Hex sha256 of the lock file's lines, in path order, from metadata alone."""
    digest = hashlib.sha256()
    for item in sorted(items, key=attrgetter("path")):
        digest.update(lock_line(item).encode("utf-8"))
    return digest.hexdigest()


def lock_chunks(ordered: Sequence[LockedItem], digest: str) -> Iterator[bytes]:
    """The lock file, item by item; the same bytes as json.dumps(lock, indent=2) + "\\n".

    Written out item by item so that a bundle of many items never holds the whole
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
        yield (_entry_text(item) + (",\n" if number < last else "\n")).encode()
    yield b"  ]\n}\n"


def lock_bytes(items: Iterable[LockedItem]) -> bytes:
    """The lock file of `items`, listed in path order. It checks no path: a bundle's
    (bundles.lock_file) are checked before, a plugin's are made safe by moving them."""
    ordered = sorted(items, key=attrgetter("path"))
    return b"".join(lock_chunks(ordered, lock_digest(ordered)))


def _entry_text(item: LockedItem) -> str:
    """lock_entry(item) as json.dumps(..., indent=2) indented by four spaces would write
    it, by hand: json's indenting encoder is pure Python, and the lock of a 1,000-item
    bundle is written twice (once to measure its deflated size), so it doubled the time of
    a whole bundle."""
    text = (
        "    {\n"
        f'      "kind": {json.dumps(item.kind)},\n'
        f'      "name": {json.dumps(item.name)},\n'
        f'      "path": {json.dumps(item.path)},\n'
        f'      "version": {item.version},\n'
        f'      "sha256": "{item.sha256}"'
    )
    if item.files:
        files = sorted(item.files, key=attrgetter("path"))
        rows = ",\n".join(
            "        {\n"
            f'          "path": {json.dumps(f.path)},\n'
            f'          "sha256": "{f.sha256}",\n'
            f'          "executable": {"true" if f.executable else "false"}\n'
            "        }"
            for f in files
        )
        text += f',\n      "tree_sha256": {json.dumps(item.tree_sha256)},\n'
        text += f'      "files": [\n{rows}\n      ]'
    return text + "\n    }"


def verify_lock(
    files: Mapping[str, bytes], executable: Mapping[str, bool] | None = None
) -> list[str]:
    """Check a bundle's files against its lock file; return the problems ([] = good).

    Every listed file (item or file of a skill) must be present with the listed sha256,
    every file must be listed, each skill folder's tree digest must match its listed
    files, and the digest must match the listed items. With `executable` (path -> the
    archive's executable bit), each listed file's bit must match too.
    """
    raw = files.get(LOCK_PATH)
    if raw is None:
        return [f"{LOCK_PATH}: missing"]
    try:
        lock = json.loads(raw.decode("utf-8"))
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return [f"{LOCK_PATH}: not valid JSON ({error})"]
    rows, trees, problems = _lock_rows(lock)
    if problems:
        return problems
    listed = set()
    for path, sha256, marked in [(r[0], r[4], False) for r in rows] + [
        (f[0], f[1], f[2]) for tree in trees.values() for f in tree
    ]:
        if path in listed:
            problems.append(f"{shown(path)}: listed twice in the lock file")
        listed.add(path)
        data = files.get(path)
        if data is None:
            problems.append(f"{shown(path)}: listed in the lock file but missing from the bundle")
        elif hashlib.sha256(data).hexdigest() != sha256:
            problems.append(f"{shown(path)}: sha256 differs from the lock file")
        elif executable is not None and bool(executable.get(path)) != marked:
            problems.append(f"{shown(path)}: executable bit differs from the lock file")
    for path in files:
        if path != LOCK_PATH and path not in listed:
            problems.append(f"{shown(path)}: not listed in the lock file")
    for path, _kind, _name, _version, _sha256, tree_sha256 in rows:
        if tree_sha256 is None or path not in files:
            continue
        if tree_sha256 != _listed_tree_digest(files[path], path, trees[path]):
            problems.append(f"{shown(path)}: tree_sha256 does not match the listed files")
    if lock.get("digest") != "sha256:" + _digest(sorted(rows)):
        problems.append(f"{LOCK_PATH}: digest does not match the listed items")
    return problems


# path, kind, name, version, sha256, tree_sha256 (None for an item without files)
_LockRow = tuple[str, str, str, int, str, str | None]
_LockFile = tuple[str, str, bool]  # path, sha256, executable


@dataclass(frozen=True)
class _Listed:
    """A file as the lock lists it: what skilltree.tree_digest reads of a file."""

    sha256: str
    executable: bool

    @property
    def mode(self) -> int:
        return mode_of(self.executable)


def _listed_tree_digest(skill_md: bytes, path: str, listed: list[_LockFile]) -> str:
    """tree_digest of SKILL.md and the files as the lock lists them."""
    folder = path.rsplit("/", 1)[0] + "/"
    tree = {f[len(folder) :]: _Listed(sha256, marked) for f, sha256, marked in listed}
    return skilltree.tree_digest(skill_md, tree)


def _lock_rows(lock: object) -> tuple[list[_LockRow], dict[str, list[_LockFile]], list[str]]:
    """The items of a parsed lock file as digest rows and the files listed per item
    path, or the reasons it is malformed."""
    if not isinstance(lock, dict) or lock.get("version") != LOCK_VERSION:
        return [], {}, [f"{LOCK_PATH}: not a version {LOCK_VERSION} lock file"]
    items = lock.get("items")
    if not isinstance(items, list):
        return [], {}, [f'{LOCK_PATH}: "items" is not a list']
    rows: list[_LockRow] = []
    trees: dict[str, list[_LockFile]] = {}
    problems: list[str] = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.append(f"{LOCK_PATH}: item {number} is not an object")
            continue
        texts = [item.get(key) for key in ("path", "kind", "name", "sha256")]
        strings = [text for text in texts if isinstance(text, str)]
        version = item.get("version")
        if len(strings) < len(texts) or not is_version(version):
            problems.append(
                f"{LOCK_PATH}: item {number} lacks a path, kind, name, sha256 or version"
            )
            continue
        path, kind, name, sha256 = strings
        tree_sha256: str | None = None
        if "files" in item or "tree_sha256" in item:
            listed = _listed_files(item.get("files"))
            tree_sha256 = item.get("tree_sha256")
            if listed is None or not isinstance(tree_sha256, str):
                problems.append(
                    f"{LOCK_PATH}: item {number} has files without a tree_sha256, or files "
                    'that are not a list of {"path", "sha256", "executable"}'
                )
                continue
            trees[path] = listed
        rows.append((path, kind, name, version, sha256, tree_sha256))
    return rows, trees, problems


def _listed_files(files: object) -> list[_LockFile] | None:
    if not isinstance(files, list) or not files:
        return None
    listed = []
    for file in files:
        if not isinstance(file, dict):
            return None
        path, sha256, marked = file.get("path"), file.get("sha256"), file.get("executable")
        if not (isinstance(path, str) and isinstance(sha256, str) and isinstance(marked, bool)):
            return None
        listed.append((path, sha256, marked))
    return listed


def is_version(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _digest(rows: Iterable[_LockRow]) -> str:
    """Hex sha256 over the canonical lines of `rows`, which must be in path order."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(_line(*row).encode())
    return digest.hexdigest()
