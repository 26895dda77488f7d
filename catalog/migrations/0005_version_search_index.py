"""A full-text index over every version's description and text, for catalog search.

Versions are append-only (migration 0004), so an index over their text is only
ever added to, never rewritten: search reads it instead of scanning every text.

* PostgreSQL: a GIN expression index over catalog_version_tsvector(description,
  text), english configuration. catalog.search filters with exactly this
  expression (its TSVECTOR), or the planner cannot use the index.
* SQLite: an FTS5 external-content table, catalog_version_fts, whose rowid is
  the version id, filled by an AFTER INSERT trigger and once here by 'rebuild'.
  An AFTER DELETE trigger removes a row's terms again, for the one sanctioned
  wipe (catalog.immutability.allow_version_deletes, which flush uses); without
  it the index would keep terms of ids that a new row may reuse. Where the
  SQLite build has no FTS5 nothing is created and search falls back to a scan.

As with 0004: on SQLite, a later migration that makes Django rebuild
catalog_version drops these triggers with the old table, so it must run this
migration's SQLite trigger statements again (and 'rebuild').
"""

from django.db import migrations

# to_tsvector's declared cost (100 operator costs) is far below its real cost on a
# skill's text (about 0.3 ms each), so with the plain expression the planner reads every
# version and tokenises it (1.4 s at 5,000 items) rather than use a GIN index over it
# (2 ms). Wrapped in a function with its true cost, the index wins; plpgsql, because
# PostgreSQL would inline an SQL function and with it the low cost.
TSVECTOR_FUNCTION = """
    CREATE FUNCTION catalog_version_tsvector(description text, body text)
    RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000
    AS $$
    BEGIN
        RETURN to_tsvector('english'::regconfig, description || ' ' || body);
    END;
    $$
"""
VERSION_TSVECTOR = "catalog_version_tsvector(description, text)"

POSTGRESQL = [
    TSVECTOR_FUNCTION,
    f"CREATE INDEX catalog_version_search ON catalog_version USING gin (({VERSION_TSVECTOR}))",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS catalog_version_search",
    "DROP FUNCTION IF EXISTS catalog_version_tsvector(text, text)",
]

SQLITE = [
    """
    CREATE VIRTUAL TABLE catalog_version_fts USING fts5(
        description, text, content='catalog_version', content_rowid='id'
    )
    """,
    """
    CREATE TRIGGER catalog_version_fts_insert
    AFTER INSERT ON catalog_version
    BEGIN
        INSERT INTO catalog_version_fts (rowid, description, text)
        VALUES (new.id, new.description, new.text);
    END
    """,
    """
    CREATE TRIGGER catalog_version_fts_delete
    AFTER DELETE ON catalog_version
    BEGIN
        INSERT INTO catalog_version_fts (catalog_version_fts, rowid, description, text)
        VALUES ('delete', old.id, old.description, old.text);
    END
    """,
    "INSERT INTO catalog_version_fts (catalog_version_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_version_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_version_fts_insert",
    "DROP TABLE IF EXISTS catalog_version_fts",
]


def sqlite_has_fts5(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA compile_options")
        return ("ENABLE_FTS5",) in cursor.fetchall()


def statements(schema_editor, direction: int) -> list[str]:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        return (POSTGRESQL, POSTGRESQL_REVERSE)[direction]
    if connection.vendor == "sqlite" and sqlite_has_fts5(connection):
        return (SQLITE, SQLITE_REVERSE)[direction]
    return []  # other databases, or SQLite without FTS5: search scans instead


def install(apps, schema_editor):
    for statement in statements(schema_editor, 0):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in statements(schema_editor, 1):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_version_immutable"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
