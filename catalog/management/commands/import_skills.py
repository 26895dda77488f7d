import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog import bundles
from catalog.importing import import_entries, read_path


class Command(BaseCommand):
    help = (
        "Import skill files from folders holding a .claude/ tree, single .md files, "
        ".zip or .tar.gz bundles. All or nothing: any refused entry imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--publish", action="store_true", help="publish what has no errors")
        parser.add_argument("--user", help="username recorded as the author")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args, paths, publish, user, dry_run, **options):
        author = None
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"No user called {user!r}.")

        entries, skipped, problems = [], [], []
        for raw in paths:
            try:
                found, passed_over = read_path(Path(raw))
            except bundles.ArchiveError as error:
                problems += [f"{raw}: {line}" for line in error.problems]
                continue
            entries += found
            skipped += [(f"{raw}: {path}", reason) for path, reason in passed_over]
            if len(entries) // 100 > (len(entries) - len(found)) // 100:
                self.stdout.write(f"read {len(entries)} files…")
        if problems:
            for line in problems:
                self.stderr.write(f"refused {line}")
            self.stderr.write("Nothing was imported.")
            sys.exit(1)

        report = import_entries(entries, author, publish=publish, dry_run=dry_run, skipped=skipped)
        for number, line in enumerate(report.lines, start=1):
            if line.outcome in {"refused", "draft", "skipped"}:
                stream = self.stderr if line.outcome == "refused" else self.stdout
                stream.write(f"{line.outcome} {line.path}: {line.detail}")
            if number % 100 == 0:
                self.stdout.write(f"planned {number} of {len(report.lines)}…")
        verb = "Would import" if dry_run else ("Imported" if report.applied else "Imported nothing")
        self.stdout.write(f"{verb}: {report.summary()}")
        if report.refused:
            self.stderr.write("Nothing was imported.")
            sys.exit(1)
