"""Skills become folders; what is derived from a version moves out of its row.

* Blob: file contents, one row per distinct sha256; VersionFile: a version's files
  besides SKILL.md as (path, blob, executable). Both append-only, guarded by the same
  triggers and flag as catalog_version (migration 0004), so `flush` still works.
* Analysis: metadata, problems, result and HTML, one updatable row per version, so
  that `manage.py reanalyse` can rebuild them. Existing values are copied over as
  analyser 0 ("carried over"), which `reanalyse --stale` rebuilds; nothing is lost,
  then the version row's copies are dropped.

On SQLite, dropping these columns is an ALTER TABLE DROP COLUMN, which keeps the
table and its triggers; the last step checks that 0004's and 0005's triggers are all
still there and puts back any that are not (for an SQLite too old for DROP COLUMN,
where Django rebuilds the table).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from catalog import skilltree

POSTGRESQL = [
    """
    CREATE FUNCTION catalog_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('skillhub.allow_version_deletes', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
            ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    *(
        f"""
        CREATE TRIGGER {table}_immutable
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change()
        """
        for table in ("catalog_versionfile", "catalog_blob")
    ),
]

APPEND_ONLY_TABLES = ("catalog_versionfile", "catalog_blob")

# Search over a skill's other text files (Analysis.files_text), beside 0005's index over
# versions: the same tsvector function on PostgreSQL; on SQLite an FTS5 table over the
# analysis rows (rowid = version id), kept in step by triggers, since analyses change.
POSTGRESQL_SEARCH = [
    "CREATE INDEX catalog_analysis_search ON catalog_analysis "
    "USING gin ((catalog_version_tsvector('', files_text)))"
]
SQLITE_SEARCH = [
    (
        "catalog_analysis_fts",
        """
        CREATE VIRTUAL TABLE catalog_analysis_fts USING fts5(
            files_text, content='catalog_analysis', content_rowid='version_id'
        )
        """,
    ),
    (
        "catalog_analysis_fts_insert",
        """
        CREATE TRIGGER catalog_analysis_fts_insert AFTER INSERT ON catalog_analysis
        BEGIN
            INSERT INTO catalog_analysis_fts (rowid, files_text)
            VALUES (new.version_id, new.files_text);
        END
        """,
    ),
    (
        "catalog_analysis_fts_delete",
        """
        CREATE TRIGGER catalog_analysis_fts_delete AFTER DELETE ON catalog_analysis
        BEGIN
            INSERT INTO catalog_analysis_fts (catalog_analysis_fts, rowid, files_text)
            VALUES ('delete', old.version_id, old.files_text);
        END
        """,
    ),
    (
        "catalog_analysis_fts_update",
        """
        CREATE TRIGGER catalog_analysis_fts_update AFTER UPDATE ON catalog_analysis
        BEGIN
            INSERT INTO catalog_analysis_fts (catalog_analysis_fts, rowid, files_text)
            VALUES ('delete', old.version_id, old.files_text);
            INSERT INTO catalog_analysis_fts (rowid, files_text)
            VALUES (new.version_id, new.files_text);
        END
        """,
    ),
]


def sqlite_statements(table: str) -> list[tuple[str, str]]:
    return [
        (
            f"{table}_no_update",
            f"""
            CREATE TRIGGER {table}_no_update
            BEFORE UPDATE ON {table}
            BEGIN
                SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused');
            END
            """,
        ),
        (
            f"{table}_no_delete",
            f"""
            CREATE TRIGGER {table}_no_delete
            BEFORE DELETE ON {table}
            WHEN NOT EXISTS (SELECT 1 FROM catalog_version_guard WHERE wiping = 1)
            BEGIN
                SELECT RAISE(ABORT, '{table} is append-only: DELETE refused');
            END
            """,
        ),
    ]


def carry_over_analyses(apps, schema_editor):
    Version = apps.get_model("catalog", "Version")
    Analysis = apps.get_model("catalog", "Analysis")
    rows = Version.objects.order_by("pk").values_list(
        "pk", "skill__kind", "text", "metadata", "problems", "result", "html", "created_at"
    )
    batch = []
    for pk, kind, text, metadata, problems, result, html, created_at in rows.iterator(500):
        data = text.encode("utf-8")
        batch.append(
            Analysis(
                version_id=pk,
                analyser=0,
                analysed_at=created_at,
                metadata=metadata,
                problems=problems,
                result=result,
                html=html,
                file_count=1,
                total_size=len(data),
                tree_sha256=skilltree.tree_digest(data, {}) if kind == "skill" else "",
            )
        )
        if len(batch) == 500:
            Analysis.objects.bulk_create(batch)
            batch = []
    Analysis.objects.bulk_create(batch)


def install_guards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in POSTGRESQL + POSTGRESQL_SEARCH:
            schema_editor.execute(statement, params=None)
    elif connection.vendor == "sqlite":
        from importlib import import_module

        immutable = import_module("catalog.migrations.0004_version_immutable")
        search = import_module("catalog.migrations.0005_version_search_index")
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {name for (name,) in cursor.fetchall()}
        wanted = [s for table in APPEND_ONLY_TABLES for s in sqlite_statements(table)]
        for statement in immutable.SQLITE[2:]:
            wanted.append((statement.split("TRIGGER")[1].split()[0], statement))
        if search.sqlite_has_fts5(connection):
            for statement in search.SQLITE[1:3]:
                wanted.append((statement.split("TRIGGER")[1].split()[0], statement))
            cursor_tables = connection.introspection.table_names()
            wanted += [
                (name, statement)
                for name, statement in SQLITE_SEARCH
                if name not in cursor_tables
            ]
        for name, statement in wanted:
            if name not in present:
                schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_version_search_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="Blob",
            fields=[
                ("sha256", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("size", models.PositiveBigIntegerField()),
                ("content", models.BinaryField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["sha256"],
            },
        ),
        migrations.CreateModel(
            name="Analysis",
            fields=[
                (
                    "version",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="analysis",
                        serialize=False,
                        to="catalog.version",
                    ),
                ),
                ("analyser", models.PositiveIntegerField(default=1)),
                ("analysed_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("metadata", models.JSONField(blank=True, default=dict)),
                ("problems", models.JSONField(blank=True, default=list)),
                ("result", models.CharField(max_length=10)),
                ("html", models.TextField(blank=True)),
                ("file_count", models.PositiveIntegerField(default=1)),
                ("total_size", models.PositiveBigIntegerField(default=0)),
                ("tree_sha256", models.CharField(blank=True, max_length=71)),
                ("files_text", models.TextField(blank=True)),
            ],
            options={
                "verbose_name_plural": "analyses",
                "indexes": [
                    models.Index(fields=["analyser"], name="catalog_ana_analyse_6c87c3_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="VersionFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("path", models.CharField(max_length=255)),
                ("executable", models.BooleanField(default=False)),
                (
                    "blob",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.blob",
                    ),
                ),
                (
                    "version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="files",
                        to="catalog.version",
                    ),
                ),
            ],
            options={
                "ordering": ["version", "path"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("version", "path"), name="versionfile_path_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(carry_over_analyses, elidable=False),
        migrations.RemoveField(
            model_name="version",
            name="html",
        ),
        migrations.RemoveField(
            model_name="version",
            name="metadata",
        ),
        migrations.RemoveField(
            model_name="version",
            name="problems",
        ),
        migrations.RemoveField(
            model_name="version",
            name="result",
        ),
        migrations.RunPython(install_guards, elidable=False),
    ]
