"""Write everything Skillhub holds to one JSON file that `restore_skills` loads back.

The file is Django's fixture format (`loaddata` reads it too): users and groups by
natural key (username, group name), so that they merge into a freshly migrated
database whatever its ids; every catalog row with its own id, because versions,
events and download counts point at each other by id.

Why not plain `dumpdata`: its JSON encoder cuts timestamps to milliseconds, and an
identical restore needs them to the microsecond (history is ordered by them).

Every file's bytes are in the file, wherever the blobs live: a blob kept in the
database serialises its `content` (base64) as any row does, and one kept in a blob
storage (SKILLHUB_BLOB_STORAGE, such as S3) has its bytes read from there and written
inline in its row, so that the backup alone is a complete copy. restore_skills puts
them where the restoring site keeps blobs.

Left out on purpose: sessions (everyone signs in again), django-axes' login
attempts, the admin's log, and content types and permissions, which `migrate`
makes. The file holds password hashes and e-mail addresses: keep it like the
database itself.
"""

import datetime
import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from django.apps import apps
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from catalog.blobs import Blob, BlobCorrupted, read_stored
from catalog.models import Presence

# Groups and users, then every model the catalog and editor apps define, so that a
# model added later is backed up without anyone remembering to list it here.
AUTH_MODELS = ("auth.Group", "auth.User")
APPS = ("catalog", "editor")


class PreciseJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but times keep their microseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


# Who had an editor open a few seconds ago is no part of the catalog.
NOT_BACKED_UP = (Presence,)


def backed_up_models() -> list[type[models.Model]]:
    """The models a backup holds, those with natural keys first (as loaddata needs)."""
    app_list = [(apps.get_app_config("auth"), [apps.get_model(m) for m in AUTH_MODELS])]
    for label in APPS:
        config = apps.get_app_config(label)
        chosen = [
            m
            for m in config.get_models()
            if m._meta.managed and not m._meta.proxy and m not in NOT_BACKED_UP
        ]
        app_list.append((config, chosen))
    return serializers.sort_dependencies(app_list, allow_cycles=True)


def all_rows() -> Iterator[models.Model]:
    querysets = (m._default_manager.order_by("pk") for m in backed_up_models())
    return itertools.chain.from_iterable(
        _with_bytes(cast("Iterator[Blob]", qs.iterator(chunk_size=500)))  # Blob's rows
        if qs.model is Blob
        else qs.iterator(chunk_size=500)
        for qs in querysets
    )


def _with_bytes(blobs: Iterator[Blob]) -> Iterator[Blob]:
    """Blobs with their bytes in `content`, read from the blob storage for those kept
    there (checked against their digest); the rows themselves are left as they are."""
    for blob in blobs:
        if blob.content is None:
            blob.content = read_stored(blob.sha256)
        yield blob


def write_backup(out: Path) -> None:
    """Serialise one consistent snapshot into `out`, replacing it only once complete."""
    fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    # Inside a caller's transaction the snapshot is already that transaction's.
    own_transaction = not connection.in_atomic_block
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream, transaction.atomic():
            if own_transaction and connection.vendor == "postgresql":
                # One snapshot for every table: a save landing mid-backup must not leave
                # a version whose item the file lacks. (SQLite's IMMEDIATE transactions
                # already hold the write lock for the duration.)
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            serializers.serialize(
                "json",
                all_rows(),
                stream=stream,
                cls=PreciseJSONEncoder,
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Back up users, groups and the whole catalog (every version, event, tag, "
        "publish state, download count, plugin and release) to a JSON file for restore_skills."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", metavar="OUT.json")

    def handle(self, *args, out, **options):
        path = Path(out)
        try:
            write_backup(path)
        except (Blob.DoesNotExist, BlobCorrupted) as error:
            # Nothing was written: a backup missing a file's bytes is no backup.
            raise CommandError(f"No backup written: {error}.") from error
        self.stdout.write(f"Wrote the backup to {path} ({path.stat().st_size:,} bytes)")
