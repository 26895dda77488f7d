"""Import skills: one plan for the dry run, the same plan applied for real.

The import page and `manage.py import_skills` both come through here, so a
dry-run report always says exactly what confirming will do. An import is all
or nothing: any refused item means nothing is written.

An upload or a folder is read into entries (every regular file with its executable
bit; junk skipped), grouped into items by catalog.layouts (a skill is its whole
folder), and each item is compared with the latest version of its namesake: a skill
file by file (added, changed, removed, unchanged).

A tree holding `.claude-plugin/marketplace.json` is a marketplace: its items are the
ones its plugin entries hold (catalog.marketplace_layout), and each entry becomes a
plugin of the same plan (catalog.marketplace_import), made in the same transaction.
"""

import base64
import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog import bundles, layouts, marketplace_import, marketplace_layout, skillfile, skilltree
from catalog.blobs import Blob, read_blobs
from catalog.models import Event, Skill, publish_version, tree_limits, unstorable_reason


@dataclass
class ImportLine:
    path: str
    outcome: str  # created, new-version, unchanged, draft, refused, skipped
    detail: str = ""
    kind: str = ""
    name: str = ""
    # A skill's files against its latest version: (status, path), status one of
    # added, changed, removed, unchanged; SKILL.md included.
    files: list[tuple[str, str]] = field(default_factory=list)

    def file_count(self, status: str) -> int:
        return sum(1 for row in self.files if row[0] == status)


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)
    applied: bool = False
    token: str = ""  # names the checked entries a confirm will import (the import page)
    plugins: list[marketplace_import.PluginLine] = field(default_factory=list)  # a marketplace's

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def refused(self) -> list[ImportLine | marketplace_import.PluginLine]:
        """The refused item lines, then the refused plugin lines."""
        lines: list[ImportLine | marketplace_import.PluginLine] = [*self.lines, *self.plugins]
        return [line for line in lines if line.outcome == "refused"]

    @property
    def ok(self) -> bool:
        return not self.refused and any(
            line.outcome not in {"skipped", "refused"} for line in self.lines
        )

    def summary(self) -> str:
        summary = (
            f"{self.count('created')} created, {self.count('new-version')} new versions, "
            f"{self.count('unchanged')} unchanged, {self.count('draft')} drafts with errors, "
            f"{self.count('refused')} refused, {self.count('skipped')} skipped"
        )
        if self.plugins:
            refused = sum(1 for line in self.plugins if line.outcome == "refused")
            created = len(self.plugins) - refused
            summary += f"; {created} plugin{'s' if created != 1 else ''} created, {refused} refused"
        return summary


@dataclass(frozen=True)
class Entry:
    path: str
    data: bytes
    executable: bool = False


def archive_limits() -> bundles.Limits:
    return bundles.Limits(**settings.SKILLHUB_ARCHIVE_LIMITS)


def label_of(name: str) -> str:
    """What names a skill whose SKILL.md sits at the root of `name` (an archive or a
    folder) when its frontmatter has no name: `pdf.tar.gz` -> `pdf`."""
    base = re.split(r"[\\/]", name.rstrip("/\\"))[-1]
    return re.sub(r"(\.tar\.gz|\.tgz|\.zip|\.md)$", "", base, flags=re.IGNORECASE)


def read_upload(filename: str, data: bytes) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Entries of an uploaded .md, .zip or .tar.gz. Raises bundles.ArchiveError."""
    upload = bundles.read_upload(filename, data, archive_limits())
    return [Entry(e.path, e.data, e.executable) for e in upload.entries], list(upload.skipped)


def read_path(path: Path) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Entries from a folder, a single .md file or an archive on disk.

    A folder holding a `.claude/` tree contributes only that tree, so a project's
    README.md is not mistaken for a command, unless it is a marketplace: then its
    plugins' folders are wherever its marketplace.json says.
    """
    if path.is_dir():
        marketplace = (path / marketplace_layout.MARKETPLACE_JSON).is_file()
        root = path / ".claude" if (path / ".claude").is_dir() and not marketplace else path
        return _read_tree(path, root)
    if not path.is_file():
        raise bundles.ArchiveError([f"{path}: no such file or folder"])
    limits = archive_limits()
    if path.stat().st_size > limits.max_upload_bytes:
        raise bundles.ArchiveError(
            [f"{path}: {path.stat().st_size:,} bytes is over the {limits.max_upload_bytes:,} limit"]
        )
    return read_upload(path.name, path.read_bytes())


def _read_tree(base: Path, root: Path) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Every regular file under `root` with its mode; symbolic links and junk (whole
    folders such as .git/ at once) are skipped and reported, never followed or read.
    The archive limits apply, so that a folder cannot hold more than an upload could."""
    limits = archive_limits()
    entries, skipped, problems, total = [], [], [], 0
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        for name in sorted(subfolders):
            relative = (here / name).relative_to(base).as_posix()
            if (here / name).is_symlink():
                skipped.append((relative, "symbolic link, not followed"))
                subfolders.remove(name)
            elif skilltree.is_junk(name):
                skipped.append((relative + "/", "junk (version control, caches or litter)"))
                subfolders.remove(name)
        subfolders.sort()
        for name in sorted(names):
            file = here / name
            relative = file.relative_to(base).as_posix()
            status = file.lstat()
            if file.is_symlink():
                skipped.append((relative, "symbolic link, not followed"))
            elif skilltree.is_junk(relative):
                skipped.append((relative, "junk (version control, caches or litter)"))
            elif not file.is_file():
                skipped.append((relative, "not a regular file"))
            elif status.st_size > limits.max_file_bytes:
                problems.append(f"{relative}: larger than {limits.max_file_bytes:,} bytes")
            else:
                total += status.st_size
                entries.append(Entry(relative, file.read_bytes(), bool(status.st_mode & 0o111)))
            if len(entries) > limits.max_entries or total > limits.max_total_bytes:
                what = f"{limits.max_entries:,} files or {limits.max_total_bytes:,} bytes"
                raise bundles.ArchiveError([f"{base}: more than {what} (the import limits)"])
    if problems:
        raise bundles.ArchiveError(problems)
    return entries, skipped


# -- grouping entries into items ----------------------------------------------------------


@dataclass
class Item:
    """One item found in a source: its own file and, for a skill, the rest of its folder."""

    path: str  # the item's file: .claude/skills/pdf/SKILL.md, .claude/commands/x.md
    kind: str
    name: str | None  # from the path; None: from the frontmatter, else `fallback`
    data: bytes
    files: skilltree.Tree | None = None  # a skill's other files (None for single files)
    fallback: str = ""


def find_items(
    entries: list[Entry], label: str = ""
) -> tuple[list[Item], list[tuple[str, str]], list[Entry]]:
    """The items among `entries`, the (path, reason) of entries that belong to none, and
    the entries the items are made of."""
    placement = layouts.place(entry.path for entry in entries)
    by_path = {entry.path: entry for entry in entries}
    items, used = [], []
    for folder in placement.skills:
        skill_md = by_path[folder.skill_md]
        tree = {}
        for path in folder.files:
            relative = folder.relative(path)
            tree[relative] = skilltree.TreeFile(
                relative, by_path[path].data, by_path[path].executable
            )
        fallback = label if not folder.root else ""
        items.append(Item(skill_md.path, "skill", folder.name, skill_md.data, tree, fallback))
        used += [skill_md, *(by_path[path] for path in folder.files)]
    for single in placement.singles:
        items.append(Item(single.path, single.kind, single.name, by_path[single.path].data))
        used.append(by_path[single.path])
    return items, placement.outside, used


@dataclass
class Found:
    """What a source holds: its items, the (path, reason) of files in none, the entries
    the items (and a marketplace's manifests) are made of, and a marketplace's plugins
    with the indexes of their items in `items`."""

    items: list[Item]
    outside: list[tuple[str, str]]
    used: list[Entry]
    marketplace: marketplace_layout.Marketplace | None = None
    plugins: list[tuple[marketplace_layout.PluginSpec, list[int]]] = field(default_factory=list)


def find(entries: list[Entry], label: str = "") -> Found:
    """The items of `entries`: a marketplace's if they hold one, else as find_items."""
    by_path = {entry.path: entry for entry in entries}
    market = marketplace_layout.read_marketplace(by_path, lambda path: by_path[path].data)
    if market is None:
        return Found(*find_items(entries, label))
    found = Found([], list(market.skipped), [by_path[p] for p in market.manifests], market)
    index: dict[tuple[str, str], int] = {}
    refs = market.items()
    for ref in refs:
        if (ref.kind, ref.path) not in index:
            index[ref.kind, ref.path] = len(found.items)
            found.items.append(Item(ref.path, ref.kind, ref.name, by_path[ref.path].data))
            found.used.append(by_path[ref.path])
    skills = {ref.folder: found.items[index[ref.kind, ref.path]] for ref in refs if ref.folder}
    for entry in entries:  # every file under a skill's folder is one of its files
        parts = entry.path.split("/")
        for depth in range(1, len(parts)):
            item = skills.get("/".join(parts[:depth]))
            if item is not None and entry.path != item.path:
                relative = "/".join(parts[depth:])
                if item.files is None:
                    item.files = {}
                item.files[relative] = skilltree.TreeFile(relative, entry.data, entry.executable)
                found.used.append(entry)
    for item in skills.values():
        item.files = skilltree.as_tree((item.files or {}).values())
    found.used = list({entry.path: entry for entry in found.used}.values())
    found.plugins = [
        (spec, [index[ref.kind, ref.path] for ref in spec.items]) for spec in market.plugins
    ]
    return found


@dataclass(frozen=True)
class PendingImport:
    """Checked entries waiting for the user to confirm, as session-safe text.

    The bytes go to blobs first (content-addressed and immutable, so storing bytes
    that are never imported harms nothing) and the session keeps only (path, sha256,
    executable): a skill of 30 MiB must not travel in a session. The token is a
    digest of that list, so confirming imports exactly what the dry run showed.
    """

    token: str
    packed: str

    @classmethod
    def pack(cls, entries: list[Entry], label: str = "") -> "PendingImport":
        used = find(entries, label).used  # a marketplace's manifests too: they make its plugins
        Blob.store_all(e.data for e in used)
        rows = [[e.path, hashlib.sha256(e.data).hexdigest(), e.executable] for e in used]
        raw = json.dumps({"label": label, "entries": rows})
        packed = base64.b64encode(zlib.compress(raw.encode())).decode()
        return cls(hashlib.sha256(packed.encode()).hexdigest()[:32], packed)

    @staticmethod
    def unpack(packed: str) -> tuple[list[Entry], str] | None:
        """The entries and the label, or None if they cannot be had any more (a session
        written by an older release, a blob gone)."""
        try:
            raw = json.loads(zlib.decompress(base64.b64decode(packed)))
            rows, label = raw["entries"], raw["label"]
            contents = read_blobs(sha256 for _path, sha256, _executable in rows)
        except (ValueError, TypeError, KeyError, zlib.error, Blob.DoesNotExist):
            return None
        entries = [Entry(path, contents[sha256], executable) for path, sha256, executable in rows]
        return entries, label


def check_upload(filename: str, data: bytes, user) -> tuple[ImportReport, PendingImport | None]:
    """The dry run of an upload (the import page) and, if it can be confirmed, what
    waits for the confirm. Raises bundles.ArchiveError."""
    entries, skipped = read_upload(filename, data)
    label = label_of(filename)
    report = import_entries(entries, user, dry_run=True, skipped=skipped, label=label)
    if not report.ok:
        return report, None
    waiting = PendingImport.pack(entries, label)
    report.token = waiting.token
    return report, waiting


def confirm_import(packed: str, user) -> ImportReport | None:
    """Apply what a dry run checked (PendingImport.packed); None if it is gone."""
    unpacked = PendingImport.unpack(packed)
    if unpacked is None:
        return None
    entries, label = unpacked
    return import_entries(entries, user, label=label)


class SessionPendingImport:
    """The dry run a user's session keeps for its confirm: PendingImport.packed under
    its token, which the confirm form carries, so a second tab cannot swap it. Only the
    newest dry run can be confirmed, and only once."""

    SESSION_KEY = "pending_imports"

    def __init__(self, session):
        self.session = session
        self.by_token = session.setdefault(self.SESSION_KEY, {})

    def keep(self, waiting: PendingImport) -> None:
        self.by_token.clear()  # only the newest dry run can be confirmed
        self.by_token[waiting.token] = waiting.packed
        self.session.modified = True

    def confirm(self, token: str, user) -> ImportReport | None:
        """Apply the dry run kept under `token`, which leaves the session; None if no
        dry run is kept under it (or its entries are gone)."""
        packed = self.by_token.pop(token, None)
        self.session.modified = True
        return confirm_import(packed, user) if packed else None


# -- planning and applying -----------------------------------------------------------------


@dataclass
class _Planned:
    line: ImportLine
    text: str = ""
    files: skilltree.Tree | None = None


def import_entries(
    entries: Iterable[Entry],
    user,
    *,
    publish: bool = False,
    dry_run: bool = False,
    skipped: Iterable[tuple[str, str]] = (),
    label: str = "",
) -> ImportReport:
    """Plan the import of `entries` (one upload or folder; `label` names a skill at its
    root) and, unless `dry_run` or anything is refused, apply it."""
    return import_sources([(list(entries), label)], user, publish, dry_run, skipped)


def import_sources(
    sources: Iterable[tuple[list[Entry], str]],
    user,
    publish: bool = False,
    dry_run: bool = False,
    skipped: Iterable[tuple[str, str]] = (),
) -> ImportReport:
    """The same for several sources (import_skills PATH…), each grouped on its own; a
    marketplace among them also makes its plugins (with --publish, releases them)."""
    items: list[Item] = []
    outside: list[tuple[str, str]] = []
    plugins: list[marketplace_import.Planned] = []
    problems: list[ImportLine] = []
    for entries, label in sources:
        found = find(entries, label)
        offset = len(items)
        items += found.items
        outside += found.outside
        if found.marketplace is not None:
            market = found.marketplace
            problems += [ImportLine(market.path, "refused", p) for p in market.problems]
            plugins += [(market, spec, [offset + i for i in idx]) for spec, idx in found.plugins]
    planned = _plan(items)
    report = ImportReport(lines=[*problems, *(p.line for p in planned)])
    report.plugins = marketplace_import.plan(plugins, [p.line for p in planned], publish)
    report.lines += [ImportLine(path, "skipped", reason) for path, reason in skipped]
    report.lines += [ImportLine(path, "skipped", reason) for path, reason in outside]
    if dry_run or report.refused or not planned:
        return report
    current: ImportLine | marketplace_import.PluginLine | None = None
    try:
        with transaction.atomic():
            skills = []
            for item in planned:
                current = item.line
                skills.append(_apply(item, user, publish))
            for current in report.plugins:
                marketplace_import.create(current, skills, user, publish)
    except ValidationError as error:  # what changed since the plan (a concurrent save)
        if current is None:  # raised before any item was applied: not an item's refusal
            raise
        current.outcome, current.detail = "refused", " ".join(error.messages)
        return report
    report.applied = True
    return report


def _plan(items: list[Item]) -> list[_Planned]:
    planned: list[_Planned] = []
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        plan = _plan_item(item)
        line = plan.line
        if line.outcome != "refused":
            key = (line.kind, line.name.casefold())
            if key in seen:
                line.outcome = "refused"
                line.detail = f"the same {line.kind} as {seen[key]}"
            else:
                seen[key] = item.path
        planned.append(plan)
    return planned


def _plan_item(item: Item) -> _Planned:
    kind, name = item.kind, item.name

    def refused(detail: str) -> _Planned:
        return _Planned(ImportLine(item.path, "refused", detail, kind, name or ""))

    text, problems = skillfile.decode(item.data)
    if text is None:
        reason = problems[0].message if problems else "not valid UTF-8"
        if kind == "skill":
            reason = f"a binary file: a skill's SKILL.md must be UTF-8 text ({reason})"
        return refused(reason)
    if unstorable := unstorable_reason(text):
        return refused(unstorable)
    if name is None:
        parsed = skillfile.parse(text, kind=kind, name=None)
        written = parsed.metadata.get("name")
        name = written if isinstance(written, str) and written else item.fallback
    if not name or not skillfile.is_valid_name(kind, name):
        return refused(f"{name!r} is not a valid {kind} name" if name else "no name for this skill")
    size = len(text.encode("utf-8"))
    if item.files is not None and (
        file_problems := skilltree.tree_problems(item.files, tree_limits(), size)
    ):
        more = f" (and {len(file_problems) - 5} more)" if len(file_problems) > 5 else ""
        return refused("; ".join(file_problems[:5]) + more)
    parsed = skillfile.parse(text, kind=kind, name=name)

    line = ImportLine(item.path, "", "", kind, name)
    existing = Skill.objects.named(kind, name).select_related("latest").first()
    if existing and existing.archived:
        return refused(f"an archived {kind} is called {existing.name!r}; an admin must restore it")
    latest = existing.latest if existing else None
    if item.files is not None:
        line.files = _file_changes(parsed.text, item.files, latest)
    if latest and latest.text == parsed.text and not _changed(line):
        line.outcome = "unchanged"
        line.detail = f"same as v{latest.number}"
    elif parsed.result == "error":
        line.outcome = "draft"
        errors = [p for p in parsed.problems if p.severity == "error"]
        line.detail = "; ".join(f"line {p.line}: {p.message}" for p in errors[:3])
    elif existing:
        line.outcome = "new-version"
        line.detail = f"v{latest.number + 1 if latest else 1}"
    else:
        line.outcome = "created"
    if len(line.files) > 1:  # a folder, not a lone SKILL.md
        counts = _counts(line) if latest else f"{len(line.files)} files"
        line.detail = f"{line.detail} ({counts})" if line.detail else counts
    return _Planned(line, text=parsed.text, files=item.files)


def _file_changes(text: str, files: skilltree.Tree, latest) -> list[tuple[str, str]]:
    """(status, path) of every file of the folder, SKILL.md included, against `latest`
    (compared by sha256 and executable bit, without reading the stored bytes)."""
    new = {layouts.SKILL_MD: (hashlib.sha256(text.encode("utf-8")).hexdigest(), False)}
    new |= {path: (file.sha256, file.executable) for path, file in files.items()}
    old = {}
    if latest is not None:
        old[layouts.SKILL_MD] = (latest.sha256, False)
        old |= latest.file_index()
    changes = []
    for path in sorted(set(old) | set(new)):
        if path not in old:
            status = "added"
        elif path not in new:
            status = "removed"
        else:
            status = "unchanged" if old[path] == new[path] else "changed"
        changes.append((status, path))
    return changes


def _changed(line: ImportLine) -> bool:
    return any(status != "unchanged" for status, _path in line.files)


def _counts(line: ImportLine) -> str:
    """ "3 files added, 1 changed, 0 removed, 76 unchanged"."""
    counts = [line.file_count(status) for status in ("added", "changed", "removed", "unchanged")]
    files = "file" if counts[0] == 1 else "files"
    return f"{counts[0]} {files} added, {counts[1]} changed, {counts[2]} removed, " + (
        f"{counts[3]} unchanged"
    )


def _apply(item: _Planned, user, publish: bool) -> Skill:
    line = item.line
    skill = Skill.objects.named(line.kind, line.name).first()
    if skill is None:
        result = Skill.create(
            line.kind, line.name, item.text, user, message="Imported", files=item.files
        )
        skill = Skill.objects.get(pk=result.version.skill_id)
    else:
        result = skill.save_version(item.text, user, message="Imported", files=item.files)
    if result.created:
        Event.record(Event.Action.IMPORT, skill, user, result.version)
    if publish and result.version.result != "error" and skill.published_id != result.version.pk:
        # Only `manage.py import_skills --publish` (and the demo) publish an import: on the
        # server, a recorded publication without review when the policy asks for one.
        publish_version(skill, result.version, user, on_server=True)
    return skill
