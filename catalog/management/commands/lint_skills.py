import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from catalog import skillfile, skilltree


class Command(BaseCommand):
    help = (
        "Validate and lint skill files like a linter: kind from the path, "
        "exit 1 when any file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--profile", choices=["claude-code", "portable"], default="claude-code")

    def handle(self, *args, paths, format, profile, **options):
        reports = [lint_file(path, profile) for path in expand_paths(paths)]
        if format == "json":
            self.stdout.write(json.dumps(reports, indent=2, ensure_ascii=False))
        else:
            for report in reports:
                for problem in report["problems"]:
                    column = f":{problem['column']}" if problem.get("column") else ""
                    self.stdout.write(
                        f"{report['path']}:{problem['line']}{column}: {problem['severity']} "
                        f"[{problem['code']}] {problem['message']}"
                    )
            failed = sum(1 for r in reports if r["result"] == "error")
            self.stdout.write(f"{len(reports)} files checked, {failed} with errors")
        if any(report["result"] == "error" for report in reports):
            sys.exit(1)


def expand_paths(paths: list[str]) -> list[Path]:
    """The item files under `paths`: a skill folder counts by its SKILL.md alone (its
    other markdown files are its references, not commands), junk folders not at all."""
    found = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            found.append(path)
            continue
        markdown = sorted(
            p
            for p in path.rglob("*.md")
            if p.is_file() and not skilltree.is_junk(p.relative_to(path).as_posix())
        )
        skills = {p.parent for p in markdown if p.name == "SKILL.md"}
        found += [p for p in markdown if p.name == "SKILL.md" or not skills.intersection(p.parents)]
    return found


def lint_file(path: Path, profile: str) -> dict:
    kind, name = kind_and_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = skillfile.Problem("error", "unreadable", f"Cannot read the file: {error}", 1)
        return report(path, kind, "error", [problem])
    parsed = skillfile.parse(data, kind=kind, name=name, profile=profile)
    problems = list(parsed.problems)
    if kind == "skill" and path.name == "SKILL.md":
        problems += folder_problems(path.parent, parsed)
    result = "error" if any(p.severity == "error" for p in problems) else parsed.result
    return report(path, kind, result, problems)


def folder_problems(folder: Path, parsed: skillfile.SkillFile) -> list[skillfile.Problem]:
    """What Skillhub would say of the skill's other files (docs/skill-format.md §8)."""
    files = {}
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder).as_posix()
        wanted = relative != "SKILL.md" and not skilltree.is_junk(relative)
        if wanted and file.is_file() and not file.is_symlink():
            executable = bool(file.stat().st_mode & 0o111)
            files[relative] = skilltree.TreeFile(relative, file.read_bytes(), executable)
    refused = [
        skillfile.Problem("error", "file-refused", problem, 1)
        for problem in skilltree.tree_problems(files)
    ]
    return refused + skilltree.tree_lint(parsed.body, parsed.body_line, files)


def kind_and_name(path: Path) -> tuple[str, str | None]:
    """DESIGN.md: kind from the path; any other .md is a command."""
    located = skillfile.locate(path.as_posix())
    if located is None:
        return "command", None
    kind, name = located
    return kind, name if kind != "command" else None


def report(path: Path, kind: str, result: str, problems) -> dict:
    return {
        "path": str(path),
        "kind": kind,
        "result": result,
        "problems": [p.as_dict() for p in problems],
    }
