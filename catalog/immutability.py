"""The one sanctioned way past the database's append-only guard on versions.

Migration 0004 installs triggers that refuse every UPDATE and DELETE of a
catalog_version row. Emptying a database wholesale (`manage.py flush`, a test
that restores into an empty catalog) still has to delete versions, so the DELETE
trigger lets rows go while a transaction-local flag is on:

* PostgreSQL: the custom setting `skillhub.allow_version_deletes`, set with
  set_config(..., is_local => true), which no other connection can see and the
  end of the transaction clears;
* SQLite (no session settings): the one-row table catalog_version_guard, changed
  only inside the same transaction, so it is never committed open.

The flag guards against code and people deleting history by mistake, not against
someone with DDL rights, who could drop the trigger anyway. UPDATE stays refused.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

POSTGRESQL_FLAG = "skillhub.allow_version_deletes"
SQLITE_GUARD_TABLE = "catalog_version_guard"


@contextmanager
def allow_version_deletes(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within one transaction, let catalog_version rows be deleted."""
    connection = connections[using]
    with transaction.atomic(using=using):
        _set_flag(connection, True)
        yield
        _set_flag(connection, False)


def guard_installed(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether migration 0004 has run here (flush may run on a database before it)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            return SQLITE_GUARD_TABLE in connection.introspection.table_names(cursor)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'catalog_version_immutable'")
            return cursor.fetchone() is not None
    return False


def _set_flag(connection, on: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [POSTGRESQL_FLAG, "on" if on else "off"]
            )
        elif connection.vendor == "sqlite":
            cursor.execute(f"UPDATE {SQLITE_GUARD_TABLE} SET wiping = %s", [int(on)])
