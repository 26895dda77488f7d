import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog import bundles
from catalog.importing import import_sources, label_of, read_path


class Command(BaseCommand):
    help = (
        "Import skills from folders (holding a .claude/ tree, skills/<name>/ folders, or one "
        "skill's folder), single .md files, .zip or .tar.gz archives. Every file of a "
        "skill's folder is imported with its executable bit. A marketplace (a folder or "
        "archive holding .claude-plugin/marketplace.json) imports the items of its plugins "
        "and creates each plugin; with --publish each plugin is released at the version "
        "its manifest gives (else 1.0.0). All or nothing: any refused item or plugin "
        "imports nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="publish what has no errors, and release a marketplace's plugins",
        )
        parser.add_argument("--user", help="username recorded as the author")
        parser.add_argument("--dry-run", action="store_true", help="report, write nothing")

    def handle(self, *args, paths, publish, user, dry_run, **options):
        author = None
        if user:
            author = get_user_model().objects.filter(username=user).first()
            if author is None:
                raise CommandError(f"No user called {user!r}.")

        sources, skipped, problems, count = [], [], [], 0
        for raw in paths:
            path = Path(raw)
            try:
                found, passed_over = read_path(path)
            except bundles.ArchiveError as error:
                problems += [f"{raw}: {line}" for line in error.problems]
                continue
            # A skill at the root of a folder or archive is named after it if its
            # frontmatter has no name.
            sources.append((found, label_of(path.resolve().name if path.is_dir() else raw)))
            skipped += [(f"{raw}: {path}", reason) for path, reason in passed_over]
            if (count + len(found)) // 100 > count // 100:
                self.stdout.write(f"read {count + len(found)} files…")
            count += len(found)
        if problems:
            for problem in problems:
                self.stderr.write(f"refused {problem}")
            self.stderr.write("Nothing was imported.")
            sys.exit(1)

        report = import_sources(sources, author, publish, dry_run, skipped)
        for number, line in enumerate(report.lines, start=1):
            if line.outcome in {"refused", "draft", "skipped"}:
                stream = self.stderr if line.outcome == "refused" else self.stdout
                stream.write(f"{line.outcome} {line.path}: {line.detail}")
            elif len(line.files) > 1 and line.outcome in {"created", "new-version"}:
                self.stdout.write(f"{line.outcome} {line.path}: {line.detail}")
            if number % 100 == 0:
                self.stdout.write(f"planned {number} of {len(report.lines)}…")
        for plugin in report.plugins:
            if plugin.outcome == "refused":
                self.stderr.write(f"refused plugin {plugin.entry}: {plugin.detail}")
                continue
            verb = "would create" if dry_run else "created" if report.applied else "not created"
            items = ", ".join(f"{kind} {name}" for kind, name in plugin.items)
            self.stdout.write(f"{verb} plugin {plugin.name} ({plugin.detail}): {items}")
        verb = "Would import" if dry_run else ("Imported" if report.applied else "Imported nothing")
        self.stdout.write(f"{verb}: {report.summary()}")
        if report.refused:
            self.stderr.write("Nothing was imported.")
            sys.exit(1)
