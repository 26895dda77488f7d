"""Django's flush, allowed to delete versions while it wipes the database.

On SQLite, flush empties tables with DELETE, which the append-only trigger on
catalog_version would refuse (PostgreSQL's flush uses TRUNCATE, which fires no
row triggers, but the guard is opened there too so the two behave alike). The
test runner calls `flush` after every transactional test, and an app's command
takes precedence over Django's own.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS

from catalog.immutability import allow_version_deletes, guard_installed


class Command(flush.Command):
    def handle(self, **options):
        database = options.get("database", DEFAULT_DB_ALIAS)
        if not guard_installed(database):
            return super().handle(**options)
        with allow_version_deletes(database):
            super().handle(**options)
