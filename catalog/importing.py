"""Import skill files: one plan for the dry run, the same plan applied for real.

The import page and `manage.py import_skills` both come through here, so a
dry-run report always says exactly what confirming will do. An import is all
or nothing: any refused entry means nothing is written.
"""

import base64
import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalog import bundles, skillfile
from catalog.models import Event, Skill, unstorable_reason


@dataclass
class ImportLine:
    path: str
    outcome: str  # created, new-version, unchanged, draft, refused, skipped
    detail: str = ""
    kind: str = ""
    name: str = ""


@dataclass
class ImportReport:
    lines: list[ImportLine] = field(default_factory=list)
    applied: bool = False
    token: str = ""  # names the checked entries a confirm will import (the import page)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def refused(self) -> list[ImportLine]:
        return [line for line in self.lines if line.outcome == "refused"]

    @property
    def ok(self) -> bool:
        return not self.refused and any(
            line.outcome not in {"skipped", "refused"} for line in self.lines
        )

    def summary(self) -> str:
        return (
            f"{self.count('created')} created, {self.count('new-version')} new versions, "
            f"{self.count('unchanged')} unchanged, {self.count('draft')} drafts with errors, "
            f"{self.count('refused')} refused, {self.count('skipped')} skipped"
        )


@dataclass(frozen=True)
class Entry:
    path: str
    data: bytes


def archive_limits() -> bundles.Limits:
    return bundles.Limits(**settings.SKILLHUB_ARCHIVE_LIMITS)


def read_upload(filename: str, data: bytes) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Entries of an uploaded .md, .zip or .tar.gz. Raises bundles.ArchiveError."""
    upload = bundles.read_upload(filename, data, archive_limits())
    return [Entry(e.path, e.data) for e in upload.entries], list(upload.skipped)


def read_path(path: Path) -> tuple[list[Entry], list[tuple[str, str]]]:
    """Entries from a folder, a single .md file or an archive on disk.

    A folder holding a `.claude/` tree contributes only that tree, so a project's
    README.md is not mistaken for a command.
    """
    if path.is_dir():
        root = path / ".claude" if (path / ".claude").is_dir() else path
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
    entries, skipped, problems = [], [], []
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(base).as_posix()
        if file.is_symlink() or not file.is_file():
            if file.is_symlink():
                skipped.append((relative, "symbolic link, not followed"))
            continue
        if file.suffix != ".md":
            skipped.append((relative, "not a markdown file; Skillhub stores only the .md file"))
            continue
        if file.stat().st_size > skillfile.MAX_FILE_BYTES:
            problems.append(f"{relative}: larger than {skillfile.MAX_FILE_BYTES:,} bytes")
            continue
        entries.append(Entry(relative, file.read_bytes()))
    if problems:
        raise bundles.ArchiveError(problems)
    return entries, skipped


@dataclass(frozen=True)
class PendingImport:
    """Checked entries waiting for the user to confirm, as session-safe text.

    The token is a digest of the entries, so confirming imports exactly what the
    dry run showed.
    """

    token: str
    packed: str

    @classmethod
    def pack(cls, entries: list[Entry]) -> "PendingImport":
        raw = json.dumps([[e.path, base64.b64encode(e.data).decode()] for e in entries])
        packed = base64.b64encode(zlib.compress(raw.encode())).decode()
        return cls(hashlib.sha256(packed.encode()).hexdigest()[:32], packed)

    @staticmethod
    def unpack(packed: str) -> list[Entry]:
        raw = json.loads(zlib.decompress(base64.b64decode(packed)))
        return [Entry(path, base64.b64decode(data)) for path, data in raw]


@dataclass
class _Planned:
    line: ImportLine
    text: str = ""
    result: str = ""


def import_entries(
    entries: Iterable[Entry],
    user,
    *,
    publish: bool = False,
    dry_run: bool = False,
    skipped: Iterable[tuple[str, str]] = (),
) -> ImportReport:
    """Plan the import of `entries` and, unless `dry_run` or anything is refused, apply it."""
    planned = _plan(list(entries))
    report = ImportReport(lines=[p.line for p in planned])
    report.lines += [ImportLine(path, "skipped", reason) for path, reason in skipped]
    if dry_run or report.refused or not planned:
        return report
    with transaction.atomic():
        for item in planned:
            _apply(item, user, publish)
    report.applied = True
    return report


def _plan(entries: list[Entry]) -> list[_Planned]:
    planned: list[_Planned] = []
    seen: dict[tuple[str, str], str] = {}
    for entry in entries:
        item = _plan_entry(entry)
        line = item.line
        if line.outcome != "refused":
            key = (line.kind, line.name.casefold())
            if key in seen:
                line.outcome = "refused"
                line.detail = f"the same {line.kind} as {seen[key]}"
            else:
                seen[key] = entry.path
        planned.append(item)
    return planned


def _plan_entry(entry: Entry) -> _Planned:
    located = skillfile.locate(entry.path)
    if located is None:
        return _Planned(ImportLine(entry.path, "refused", "not a skill file path"))
    kind, name = located
    text, problems = skillfile.decode(entry.data)
    if text is None:
        reason = problems[0].message if problems else "not valid UTF-8"
        return _Planned(ImportLine(entry.path, "refused", reason, kind))
    reason = unstorable_reason(text)
    if reason:
        return _Planned(ImportLine(entry.path, "refused", reason, kind))
    parsed = skillfile.parse(text, kind=kind, name=name)
    if name is None:
        name = parsed.metadata.get("name") if isinstance(parsed.metadata.get("name"), str) else ""
        parsed = skillfile.parse(text, kind=kind, name=name)
    if not name or not skillfile.is_valid_name(kind, name):
        detail = f"{name!r} is not a valid {kind} name" if name else "no name for this skill"
        return _Planned(ImportLine(entry.path, "refused", detail, kind, name or ""))

    line = ImportLine(entry.path, "", "", kind, name)
    existing = Skill.objects.named(kind, name).select_related("latest").first()
    if existing and existing.archived:
        detail = f"an archived {kind} is called {existing.name!r}; an admin must restore it first"
        return _Planned(ImportLine(entry.path, "refused", detail, kind, name))
    if existing and existing.latest and existing.latest.text == parsed.text:
        line.outcome = "unchanged"
        line.detail = f"same as v{existing.latest.number}"
    elif parsed.result == "error":
        line.outcome = "draft"
        errors = [p for p in parsed.problems if p.severity == "error"]
        line.detail = "; ".join(f"line {p.line}: {p.message}" for p in errors[:3])
    elif existing:
        line.outcome = "new-version"
        line.detail = f"v{existing.latest.number + 1 if existing.latest else 1}"
    else:
        line.outcome = "created"
    return _Planned(line, text=parsed.text, result=parsed.result)


def _apply(item: _Planned, user, publish: bool) -> None:
    line = item.line
    skill = Skill.objects.named(line.kind, line.name).first()
    if skill is None:
        result = Skill.create(line.kind, line.name, item.text, user, message="Imported")
        skill = Skill.objects.get(pk=result.version.skill_id)
    else:
        result = skill.save_version(item.text, user, message="Imported")
    if result.created:
        Event.record(Event.Action.IMPORT, skill, user, result.version)
    if publish and result.version.result != "error" and skill.published_id != result.version.pk:
        skill.publish(result.version, user)
