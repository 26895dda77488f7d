"""Make catalog_version append-only in the database itself.

Version.save and Version.delete already refuse changes, but a queryset
.update(), a raw query, a shell session or a future bug bypasses them. These
triggers refuse every UPDATE and DELETE of a version row, whoever sends it,
with an IntegrityError (SQLSTATE 23000 on PostgreSQL, RAISE(ABORT) on SQLite).

Emptying a database wholesale must still work: `manage.py flush`, which the
test runner calls after every transactional test, and restoring into an empty
catalog. On PostgreSQL flush uses TRUNCATE, which fires no row-level trigger,
but SQLite has no TRUNCATE and flush sends `DELETE FROM catalog_version`, which
an unconditional trigger would refuse. So the DELETE trigger lets rows go while
a transaction-local flag is on, and catalog.immutability.allow_version_deletes
is the one place that turns it on (catalog's `flush` command uses it):

* PostgreSQL: the custom setting skillhub.allow_version_deletes, set with
  set_config(..., true): local to the transaction and the connection.
* SQLite has no session settings, and a trigger in the main schema may not read
  a TEMP table, so the flag is a one-row table, catalog_version_guard, that no
  model owns (flush never empties it) and that is only changed inside the
  transaction doing the wipe, so it is never committed open. A missing row
  reads as closed: the trigger fails closed.

UPDATE is refused unconditionally on both.

Consequences for later migrations: a data migration that must rewrite versions
has to drop and recreate these triggers explicitly; and on SQLite, a schema
change that makes Django rebuild catalog_version (most AlterField/RemoveField
operations) drops its triggers with the old table, so such a migration must run
this migration's SQLite trigger statements again afterwards.
tests/catalog/test_immutability.py checks the triggers are in place.
"""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE FUNCTION catalog_version_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('skillhub.allow_version_deletes', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'catalog_version is append-only: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER catalog_version_immutable
    BEFORE UPDATE OR DELETE ON catalog_version
    FOR EACH ROW EXECUTE FUNCTION catalog_version_refuse_change()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_version_immutable ON catalog_version",
    "DROP FUNCTION IF EXISTS catalog_version_refuse_change()",
]

SQLITE = [
    """
    CREATE TABLE catalog_version_guard (
        wiping integer NOT NULL CHECK (wiping IN (0, 1))
    )
    """,
    "INSERT INTO catalog_version_guard (wiping) VALUES (0)",
    """
    CREATE TRIGGER catalog_version_no_update
    BEFORE UPDATE ON catalog_version
    BEGIN
        SELECT RAISE(ABORT, 'catalog_version is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER catalog_version_no_delete
    BEFORE DELETE ON catalog_version
    WHEN NOT EXISTS (SELECT 1 FROM catalog_version_guard WHERE wiping = 1)
    BEGIN
        SELECT RAISE(ABORT, 'catalog_version is append-only: DELETE refused');
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_version_no_delete",
    "DROP TRIGGER IF EXISTS catalog_version_no_update",
    "DROP TABLE IF EXISTS catalog_version_guard",
]

STATEMENTS = {"postgresql": (POSTGRESQL, POSTGRESQL_REVERSE), "sqlite": (SQLITE, SQLITE_REVERSE)}


def run(schema_editor, direction: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise NotImplementedError(f"no version-immutability triggers written for {vendor}")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    run(schema_editor, 0)


def uninstall(apps, schema_editor):
    run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_download_counts"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
