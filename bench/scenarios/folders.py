"""9. Skill folders: import and export of multi-file skills, in files per second, against
`tar czf` of the same tree.

The tree is a `.claude/skills/` folder of SKILLS skills shaped like tests/trees.large_skill
(80 files each, SKILL.md included, about 5 MiB: markdown references, shell scripts,
every third executable, and incompressible binaries), written to a scratch folder.

- import: catalog.importing.read_path + import_entries of that folder, which is what
  `manage.py import_skills <folder>` runs (read every file, plan, then in one
  transaction store each distinct file as a blob and each skill's first version). Each
  round imports its own copy under new skill names with a line added to every file, so
  that no round finds the last one's items unchanged or its blobs already stored.
- export: catalog.exporting.bundle_items + iter_bundle(…, "tar.gz") of those skills
  from the database (every file's bytes read back from its blob), drained.
- baseline: `tar czf` of the same folder, interleaved with each.

Both sides do what tar does (read or write every file, gzip the lot) and more: the
database, sha256 of every file, the lock file. Before a figure is taken, the scenario
checks that the import stored every file and that the bundle holds every file with its
mode; a side that does not yet handle skill folders is skipped with the reason (the
export is then measured on skills saved with Skill.create, if only the import lacks).
"""

import hashlib
import io
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

from measure import Row, Samples, interleave, ms_spread, per_second, skipped, verdict_for

SCENARIO = "9 folders"
SKILLS = 3
FILES = 80  # per skill, SKILL.md included (tests/trees.large_skill)
SKILL_BYTES = 5 * 1024 * 1024
IMPORT_LIMIT = 10.0  # bench/README.md, scenario 9, says why
EXPORT_LIMIT = 2.0


def run(ctx) -> list[Row]:
    from tests.trees import large_skill

    skills, rounds = (1, 3) if ctx.quick else (SKILLS, 8)
    seconds = 20 if ctx.quick else 60
    trees = [large_skill(FILES, SKILL_BYTES, name=f"folder-{n}") for n in range(skills)]
    files = skills * FILES
    user, _ = ctx.user("bench-folders")
    # One folder per import, the check and the warm-up included.
    folders = [_write_folder(ctx.tmp / f"folders-{r}", _round(trees, r)) for r in range(rounds + 2)]
    baseline = _tar_czf(folders[0])

    rows, imported = _import_rows(folders, files, user, baseline, rounds, seconds)
    if not imported:  # the export, then, of what Skill.create stores
        for name, (text, tree) in _round(trees, 0).items():
            _save_skill(name, text, tree, user)
    rows.append(_export_row(folders[0], files, baseline, rounds, seconds))
    return rows


# -- import ----------------------------------------------------------------------------


def _import_rows(folders, files: int, user, baseline, rounds: int, seconds: float):
    """The import row, and whether the import stored the skill folders whole."""
    from catalog import importing
    from catalog.paths import ArchiveError

    case = f"read_path + import_entries, {_skills(folders[0][1])} of {FILES} files, 5 MiB each"
    pending = list(folders)

    def import_next() -> None:
        root, _ = pending.pop(0)
        entries, skipped_files = importing.read_path(root)
        report = importing.import_entries(entries, user, skipped=skipped_files)
        if not report.applied:
            raise _NotFolders(f"the import was not applied: {report.summary()}")

    try:
        import_next()
        problem = _stored_wrongly(folders[0])
        if problem:
            return [skipped(SCENARIO, case, f"catalog.importing {problem}")], False
        subject, base = interleave(
            import_next, baseline, n=rounds, max_seconds=seconds, min_n=3, warmup=1
        )
    except (_NotFolders, ArchiveError) as error:
        return [skipped(SCENARIO, case, f"catalog.importing: {error}")], False
    return [_rate_row(case, files, subject, base, IMPORT_LIMIT)], True


class _NotFolders(Exception):
    """The code under measure does not handle skill folders (yet)."""


def _stored_wrongly(folder) -> str:
    """'' if every skill of `folder` came in whole: SKILL.md and every file, byte for byte,
    with its executable bit."""
    from catalog.models import Skill

    root, names = folder
    for name in names:
        skill = Skill.objects.filter(kind="skill", name=name).select_related("latest").first()
        if skill is None or skill.latest is None:
            return f"did not create the skill {name} from its folder"
        stored = {path: (f.sha256, f.executable) for path, f in skill.latest.tree().items()}
        stored["SKILL.md"] = (hashlib.sha256(skill.latest.data).hexdigest(), False)
        if stored != _on_disk(root / ".claude" / "skills" / name):
            return f"stored {len(stored)} of the {FILES} files of {name}, or not byte for byte"
    return ""


# -- export ----------------------------------------------------------------------------


def _export_row(folder, files: int, baseline, rounds: int, seconds: float) -> Row:
    from catalog import exporting
    from catalog.models import Skill

    _, names = folder
    case = f"bundle_items + iter_bundle tar.gz, {_skills(names)} of {FILES} files from the DB"
    chosen = Skill.objects.filter(kind="skill", name__in=names)

    def export():
        items = exporting.bundle_items(skills=chosen, latest=True)
        return exporting.iter_bundle(items, "tar.gz")

    problem = _bundled_wrongly(b"".join(export()), folder)
    if problem:
        return skipped(SCENARIO, case, f"catalog.exporting {problem}")
    subject, base = interleave(
        lambda: _drain(export()), baseline, n=rounds, max_seconds=seconds, min_n=3
    )
    return _rate_row(case, files, subject, base, EXPORT_LIMIT)


def _bundled_wrongly(bundle: bytes, folder) -> str:
    """'' if the bundle holds every file of every skill of `folder` with its bytes and mode."""
    root, names = folder
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as archive:
        found = {
            member.name: (
                hashlib.sha256(archive.extractfile(member).read()).hexdigest(),
                bool(member.mode & 0o100),
            )
            for member in archive.getmembers()
            if member.isfile()
        }
    for name in names:
        prefix = f".claude/skills/{name}/"
        bundled = {p.removeprefix(prefix): v for p, v in found.items() if p.startswith(prefix)}
        if bundled != _on_disk(root / ".claude" / "skills" / name):
            return f"wrote {len(bundled)} of the {FILES} files of {name}, or not as stored"
    return ""


def _save_skill(name: str, text: str, files: dict, user) -> None:
    from catalog.models import Skill

    Skill.create("skill", name, text, user, "Saved for the export row", files=files)


# -- the tree and the baseline ---------------------------------------------------------


def _round(trees: list, number: int) -> dict[str, tuple[str, dict]]:
    """name -> (SKILL.md, files) of round `number`: the trees under new names, with a line
    added to every file so that its bytes, and so its blob, are new too."""
    from catalog.skilltree import TreeFile

    mark = f"\n# round {number}\n"
    found = {}
    for n, (text, files) in enumerate(trees):
        name = f"folder-{number}-{n}"
        text = text.replace(f"name: folder-{n}\n", f"name: {name}\n", 1) + mark
        found[name] = (
            text,
            {p: TreeFile(p, f.data + mark.encode(), f.executable) for p, f in files.items()},
        )
    return found


def _write_folder(root: Path, skills: dict) -> tuple[Path, list[str]]:
    """`.claude/skills/<name>/…` under `root` for every skill."""
    from tests.trees import write_tree

    if root.exists():
        shutil.rmtree(root)
    for name, (text, files) in skills.items():
        write_tree(root / ".claude" / "skills" / name, text, files)
    return root, list(skills)


def _skills(names: list[str]) -> str:
    return f"{len(names)} skill{'' if len(names) == 1 else 's'}"


def _drain(chunks) -> int:
    return sum(len(chunk) for chunk in chunks)


def _on_disk(root: Path) -> dict[str, tuple[str, bool]]:
    from tests.trees import tree_of

    return tree_of(root)


def _tar_czf(folder) -> Callable[[], None]:
    root, _ = folder
    out = root.with_suffix(".tar.gz")

    def run_tar() -> None:
        subprocess.run(["tar", "czf", str(out), ".claude"], cwd=root, check=True)

    return run_tar


def _rate_row(case: str, files: int, subject: Samples, base: Samples, limit: float) -> Row:
    ratio = subject.median / base.median  # = tar's files/s ÷ ours
    return Row(
        SCENARIO,
        case,
        median=per_second(files / subject.median),
        spread=f"{ms_spread(subject)} per run",
        baseline=f"tar czf {per_second(files / base.median)}",
        ratio=ratio,
        budget=f"<= {limit:g}x",
        verdict=verdict_for(ratio, limit),
        note=f"{files} files, {files // FILES * SKILL_BYTES / 1024 / 1024:.0f} MiB per run",
    )
