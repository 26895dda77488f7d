import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from catalog import skillfile


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
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.md") if p.is_file())
        else:
            found.append(path)
    return found


def lint_file(path: Path, profile: str) -> dict:
    kind, name = kind_and_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        problem = skillfile.Problem("error", "unreadable", f"Cannot read the file: {error}", 1)
        return report(path, kind, "error", [problem])
    parsed = skillfile.parse(data, kind=kind, name=name, profile=profile)
    return report(path, kind, parsed.result, parsed.problems)


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
