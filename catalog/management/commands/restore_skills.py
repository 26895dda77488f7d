"""Load a `backup_skills` file into a freshly migrated database.

The catalog's ids come back as they were, so the catalog must be empty: loading
over existing rows would overwrite them (and the database refuses to change a
version). Users and groups merge by name: a user or group of the same name that
exists already (the Publishers group migrate makes, say) takes the backup's state.

`loaddata` does the work in one transaction: on PostgreSQL the foreign keys are
checked at commit (items and their versions point at each other), on SQLite once
all rows are in; and it moves the id sequences past the restored rows so that new
versions get new ids. Versions are only ever inserted, which the append-only
triggers allow.
"""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Event, Skill, Tag, Version


class Command(BaseCommand):
    help = "Restore a backup_skills file into an empty, migrated database."

    def add_arguments(self, parser):
        parser.add_argument("backup", metavar="IN.json")

    def handle(self, *args, backup, **options):
        path = Path(backup)
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        if path.suffix != ".json":
            raise CommandError("The backup must be a .json file written by backup_skills.")
        occupied = [m.__name__ for m in (Skill, Version, Event, Tag) if m.objects.exists()]
        if occupied:
            raise CommandError(
                "Restore into an empty catalog (run `migrate` on a new database); "
                f"this one already has rows in: {', '.join(occupied)}."
            )
        call_command("loaddata", str(path), verbosity=options["verbosity"])
        self.stdout.write(
            f"Restored {Skill.objects.count()} items, {Version.objects.count()} versions "
            f"and {Event.objects.count()} events from {path}."
        )
