"""File contents of skills, stored once per distinct sha256.

A version of a skill lists its files as (path, blob, executable) rows
(models.VersionFile); the bytes live here, shared by every version and every skill
that has the same file, so a new version that changes one file of 80 stores one new
blob. Blobs are append-only like versions (migration 0006's triggers).

Where the bytes go is one setting: SKILLHUB_BLOB_STORAGE names a Django storage
(settings.STORAGES) such as an S3 bucket through django-storages; empty (the
default) keeps them in the database, in `content`, so that the database is the only
thing to back up. A blob in a storage has `content` NULL and the storage holds it at
`blobs/<sha256[:2]>/<sha256>`, a name that never changes for the same bytes, so a
write that is retried, or races another, writes the same object.
"""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, models, transaction
from django.utils import timezone


class BlobCorrupted(Exception):
    """A blob storage gave back bytes that are not the blob's: the storage is damaged."""


def blob_storage():
    """The storage that SKILLHUB_BLOB_STORAGE names, or None for the database."""
    alias = settings.SKILLHUB_BLOB_STORAGE
    if not alias:
        return None
    if alias not in settings.STORAGES:
        raise ImproperlyConfigured(
            f"SKILLHUB_BLOB_STORAGE={alias!r} names no storage in STORAGES "
            f"({', '.join(settings.STORAGES)})."
        )
    return storages[alias]


def storage_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def write_stored(storage, sha256: str, data: bytes) -> None:
    """Put `data` into `storage` under its address, unless an earlier write did."""
    name = storage_name(sha256)
    if storage.exists(name):
        return
    saved = storage.save(name, ContentFile(data))
    if saved != name:  # a storage that renames on clash would lose the address
        raise ImproperlyConfigured(
            f"The blob storage saved {name} as {saved}: configure it to overwrite "
            "(django-storages: file_overwrite=True)."
        )


def read_stored(sha256: str) -> bytes:
    """The bytes of a blob kept in the blob storage, checked against their digest: a
    storage is outside the database's guarantees, and a backup must not copy a damaged
    object as if it were the file."""
    storage = blob_storage()
    if storage is None:
        raise ImproperlyConfigured(
            f"Blob {sha256} is kept in a blob storage, but SKILLHUB_BLOB_STORAGE is not set."
        )
    name = storage_name(sha256)
    try:
        with storage.open(name, "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        raise Blob.DoesNotExist(f"blob {sha256} is missing from the blob storage") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BlobCorrupted(f"blob {sha256} in the blob storage does not match its digest")
    return data


class Blob(models.Model):
    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField()
    # NULL when the bytes are in SKILLHUB_BLOB_STORAGE instead of the database.
    content = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sha256"]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size:,} bytes)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Blobs are immutable.")
        super().save(*args, **kwargs)

    @classmethod
    def store(cls, data: bytes) -> "Blob":
        """The blob holding `data`, written if it is new."""
        sha256 = hashlib.sha256(data).hexdigest()
        existing = cls.objects.defer("content").filter(pk=sha256).first()
        if existing is not None:
            return existing
        storage = blob_storage()
        if storage is not None:
            write_stored(storage, sha256, data)
        blob = cls(sha256=sha256, size=len(data), content=None if storage else data)
        try:
            with transaction.atomic():
                blob.save(force_insert=True)
        except IntegrityError:  # the same bytes stored by a concurrent save
            return cls.objects.defer("content").get(pk=sha256)
        return blob

    @classmethod
    def store_all(cls, contents: Iterable[bytes]) -> None:
        """Store every one of `contents` that is new, in a query to look and one insert
        per 100 new blobs, whatever their number (a folder of 1,000 files is not 2,000
        round trips). Each is then the blob named by its sha256."""
        by_digest = {hashlib.sha256(data).hexdigest(): data for data in contents}
        stored = set(Blob.objects.filter(pk__in=list(by_digest)).values_list("pk", flat=True))
        storage = blob_storage()
        new = []
        for sha256, data in by_digest.items():
            if sha256 in stored:
                continue
            if storage is not None:
                write_stored(storage, sha256, data)
            new.append(Blob(sha256=sha256, size=len(data), content=None if storage else data))
        # A concurrent save may store the same bytes: the same row, so a clash is no loss.
        Blob.objects.bulk_create(new, batch_size=100, ignore_conflicts=True)

    def read(self) -> bytes:
        return read_blobs([self.sha256])[self.sha256]


def read_blobs(digests: Iterable[str]) -> dict[str, bytes]:
    """The bytes of the blobs named by `digests`, in one query (plus one read per blob
    kept in a storage)."""
    wanted = set(digests)
    rows = Blob.objects.filter(pk__in=wanted).values_list("sha256", "content")
    found: dict[str, bytes] = {}
    for sha256, content in rows.iterator(chunk_size=200):
        if content is None:
            content = read_stored(sha256)
        found[sha256] = bytes(content)
    missing = wanted - found.keys()
    if missing:
        raise Blob.DoesNotExist(f"no blob {sorted(missing)[0]}")
    return found
