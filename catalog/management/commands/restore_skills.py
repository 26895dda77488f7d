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

A backup holds the bytes of every file (backup_skills writes them inline, wherever
the blobs lived). Each blob is checked against its sha256 before anything is loaded,
and goes where this site keeps blobs, as Blob.store would put it: into the blob
storage that SKILLHUB_BLOB_STORAGE names (the row's `content` NULL), or, with none, into
the database. Objects written to a storage before a failed load stay there unused;
they are named by their digest, so a second attempt writes the same ones.
"""

import base64
import binascii
import hashlib
import json
import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.blobs import blob_storage, storage_name, write_stored
from catalog.models import Event, Plugin, Release, Skill, Tag, Version

BLOB_MODEL = "catalog.blob"


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
        catalog = (Skill, Version, Event, Tag, Plugin, Release)
        occupied = [m.__name__ for m in catalog if m.objects.exists()]
        if occupied:
            raise CommandError(
                "Restore into an empty catalog (run `migrate` on a new database); "
                f"this one already has rows in: {', '.join(occupied)}."
            )
        entries = _read(path)
        blobs = [entry for entry in entries if entry.get("model") == BLOB_MODEL]
        contents = {entry["pk"]: _checked_content(entry) for entry in blobs}
        storage = blob_storage()
        with tempfile.TemporaryDirectory(prefix="skillhub-restore-") as scratch:
            fixture = path
            if storage is not None and blobs:
                for entry in blobs:
                    _into_storage(storage, entry, contents[entry["pk"]])
                fixture = Path(scratch) / "backup.json"
                fixture.write_text(json.dumps(entries), encoding="utf-8")
            elif any(data is None for data in contents.values()):
                missing = next(sha for sha, data in contents.items() if data is None)
                raise CommandError(
                    f"The backup lacks the bytes of blob {missing} and no blob storage is "
                    "configured to hold them (SKILLHUB_BLOB_STORAGE)."
                )
            call_command("loaddata", str(fixture), verbosity=options["verbosity"])
        where = "the blob storage" if storage is not None else "the database"
        self.stdout.write(
            f"Restored {Skill.objects.count()} items, {Version.objects.count()} versions, "
            f"{Plugin.objects.count()} plugins, {Release.objects.count()} releases "
            f"and {Event.objects.count()} events from {path}; "
            f"{len(blobs)} file contents into {where}."
        )


def _read(path: Path) -> list[dict]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise CommandError(f"{path} is not a backup_skills file: {error}.") from error
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CommandError(f"{path} is not a backup_skills file: not a list of rows.")
    return entries


def _checked_content(entry: dict) -> bytes | None:
    """The blob's bytes from its row, refused unless they are the ones its sha256 names
    (a damaged backup must not become a file that a later export hands out)."""
    sha256, content = entry.get("pk"), entry.get("fields", {}).get("content")
    if not isinstance(sha256, str):
        raise CommandError("The backup has a blob row without its sha256.")
    if content is None:
        return None  # a backup made before blobs were written inline: see _into_storage
    try:
        data = base64.b64decode(content, validate=True)
    except (TypeError, binascii.Error) as error:
        raise CommandError(f"Blob {sha256} in the backup is not base64: {error}.") from error
    if hashlib.sha256(data).hexdigest() != sha256:
        raise CommandError(f"Blob {sha256} in the backup does not match its sha256: not restored.")
    return data


def _into_storage(storage, entry: dict, data: bytes | None) -> None:
    sha256 = entry["pk"]
    if data is None:
        if not storage.exists(storage_name(sha256)):
            raise CommandError(
                f"The backup lacks the bytes of blob {sha256} and the blob storage has "
                f"no {storage_name(sha256)}."
            )
    else:
        write_stored(storage, sha256, data)
    entry["fields"]["content"] = None
