"""A skill's version is its whole folder: stored once per blob, merged file by file,
analysed into a table that `reanalyse` can rebuild (catalog.models, .blobs, .analysis)."""

import sqlite3
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from catalog import search
from catalog.analysis import ANALYSER, Analysis
from catalog.blobs import Blob
from catalog.models import EditConflict, Skill, VersionFile
from catalog.skilltree import TreeFile
from tests.factories import GOOD_COMMAND, make_user
from tests.shared import REPO, SUITE_ENV
from tests.trees import font_bytes, large_skill, pdf_skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return make_user("author")


@pytest.fixture
def pdf(author):
    text, files = pdf_skill()
    return Skill.create("skill", "pdf", text, author, files=files).version.skill


def replaced(files: dict[str, TreeFile], path: str, data: bytes, **kw) -> dict[str, TreeFile]:
    return {**files, path: TreeFile(path, data, kw.get("executable", False))}


# -- storage ----------------------------------------------------------------------------


def test_a_skill_version_keeps_every_file_byte_for_byte_with_its_executable_bit(pdf):
    _, files = pdf_skill()
    stored = Skill.objects.get(pk=pdf.pk).latest.tree()
    assert {p: (f.data, f.executable) for p, f in stored.items()} == {
        p: (f.data, f.executable) for p, f in files.items()
    }


def test_a_new_version_that_changes_one_file_of_80_stores_one_new_blob(author):
    text, files = large_skill(80, 5 * 1024 * 1024)
    skill = Skill.create("skill", "big", text, author, files=files).version.skill
    blobs = Blob.objects.count()
    changed = replaced(files, "references/part-000.md", b"# Part 0, rewritten\n")

    result = skill.save_version(text, author, "One reference", base_number=1, files=changed)

    assert result.created and result.version.number == 2
    assert Blob.objects.count() == blobs + 1
    assert VersionFile.objects.filter(version=result.version).count() == 79
    assert result.version.analysis.file_count == 80


def test_a_diff_of_two_versions_reads_only_the_files_that_differ(author):
    text, files = large_skill(80, 5 * 1024 * 1024)
    skill = Skill.create("skill", "big", text, author, files=files).version.skill
    changed = replaced(files, "references/part-000.md", b"# Part 0, rewritten\n")
    second = skill.save_version(text, author, "One reference", base_number=1, files=changed)

    old, new = skill.versions.get(number=1).differing_trees(second.version)

    assert list(old) == list(new) == ["references/part-000.md"]
    assert new["references/part-000.md"].data == b"# Part 0, rewritten\n"
    assert old["references/part-000.md"].data == files["references/part-000.md"].data


def test_the_same_file_in_two_skills_is_one_blob(author, pdf):
    text, files = pdf_skill()
    Skill.create(
        "skill", "pdf-copy", text.replace("name: pdf", "name: pdf-copy"), author, files=files
    )
    assert Blob.objects.count() == len({f.sha256 for f in files.values()})


def test_saving_only_skill_md_keeps_the_files(pdf, author):
    text, files = pdf_skill()
    result = pdf.save_version(text + "\nOne more line.\n", author, base_number=1)
    assert result.created
    assert set(result.version.tree()) == set(files)


def test_the_same_text_and_files_again_create_nothing(pdf, author):
    text, files = pdf_skill()
    assert not pdf.save_version(text, author, base_number=1, files=dict(files)).created


def test_an_executable_bit_alone_makes_a_new_version(pdf, author):
    text, files = pdf_skill()
    flipped = replaced(files, "LICENSE.txt", files["LICENSE.txt"].data, executable=True)
    result = pdf.save_version(text, author, base_number=1, files=flipped)
    assert result.created and result.version.tree()["LICENSE.txt"].executable


def test_deleting_a_file_makes_a_version_without_it(pdf, author):
    text, files = pdf_skill()
    fewer = {p: f for p, f in files.items() if p != "LICENSE.txt"}
    result = pdf.save_version(text, author, base_number=1, files=fewer)
    assert "LICENSE.txt" not in result.version.tree()
    assert "LICENSE.txt" in pdf.versions.get(number=1).tree()


def test_restoring_an_old_version_brings_back_its_files(pdf, author):
    text, files = pdf_skill()
    pdf.save_version(text, author, base_number=1, files={})
    result = pdf.restore(pdf.versions.get(number=1), author)
    assert set(result.version.tree()) == set(files)


def test_only_skills_have_files(author):
    skill = Skill.create("command", "review", GOOD_COMMAND, author).version.skill
    with pytest.raises(ValidationError, match="Only skills have files"):
        skill.save_version(GOOD_COMMAND, author, files={"a.md": TreeFile("a.md", b"x")})


@override_settings(
    SKILLHUB_SKILL_LIMITS={"max_file_bytes": 100, "max_total_bytes": 150, "max_files": 3}
)
@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"big.bin": TreeFile("big.bin", b"x" * 101)}, "over the limit of 100"),
        ({f"f{n}": TreeFile(f"f{n}", b"") for n in range(3)}, "4 files, over the limit of 3"),
        ({"../up.md": TreeFile("../up.md", b"x")}, "'..'"),
        ({"notes.md": TreeFile("notes.md", b"\xff\xfe")}, "must be UTF-8"),
    ],
)
def test_a_tree_over_a_limit_or_with_a_bad_path_is_refused_and_nothing_is_stored(
    author, files, message
):
    with pytest.raises(ValidationError) as refused:
        Skill.create(
            "skill", "limited", "---\nname: limited\ndescription: x\n---\n", author, files=files
        )
    assert any(message in m for m in refused.value.message_dict["files"])
    assert not Skill.objects.exists() and not Blob.objects.exists()


def test_version_files_and_blobs_are_append_only_in_the_database(pdf):
    for sql in (
        "UPDATE catalog_versionfile SET executable = NOT executable",
        "DELETE FROM catalog_versionfile",
        "UPDATE catalog_blob SET size = 0",
        "DELETE FROM catalog_blob",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert VersionFile.objects.count() == len(pdf_skill()[1])


# -- merges -----------------------------------------------------------------------------


def test_stale_saves_of_different_files_merge(pdf, author):
    text, files = pdf_skill()
    other = make_user("other")
    pdf.save_version(text, other, base_number=1, files=replaced(files, "LICENSE.txt", b"MIT\n"))

    forms = b"# Filling forms\n\nRewritten.\n"
    result = pdf.save_version(
        text, author, base_number=1, files=replaced(files, "references/forms.md", forms)
    )

    tree = result.version.tree()
    assert result.merged_with.number == 2
    assert tree["LICENSE.txt"].data == b"MIT\n" and tree["references/forms.md"].data == forms


def test_a_stale_save_of_skill_md_keeps_files_added_since(pdf, author):
    text, files = pdf_skill()
    other = make_user("other")
    added = replaced(files, "references/new.md", b"# New\n")
    pdf.save_version(text, other, base_number=1, files=added)

    result = pdf.save_version(text + "\nMine.\n", author, base_number=1)

    assert "references/new.md" in result.version.tree()
    assert result.version.text.endswith("Mine.\n")


def test_the_same_binary_changed_on_both_sides_conflicts_and_stores_nothing(pdf, author):
    text, files = pdf_skill()
    font = "assets/fonts/Inter.ttf"
    pdf.save_version(
        text, make_user("other"), base_number=1, files=replaced(files, font, font_bytes(99, 1))
    )

    with pytest.raises(EditConflict) as conflict:
        pdf.save_version(
            text, author, base_number=1, files=replaced(files, font, font_bytes(99, 2))
        )

    assert conflict.value.files == [(font, "a binary file changed on both sides")]
    assert conflict.value.mine_files[font].data == font_bytes(99, 2)
    assert pdf.versions.count() == 2


def test_a_resolve_keeps_mine_in_conflicting_files_and_theirs_elsewhere(pdf, author):
    text, files = pdf_skill()
    other = make_user("other")
    theirs = replaced(files, "LICENSE.txt", b"theirs\n")
    theirs = replaced(theirs, "references/reference.md", b"their reference\n")
    pdf.save_version(text, other, base_number=1, files=theirs)

    mine = replaced(files, "LICENSE.txt", b"mine\n")
    result = pdf.save_version(text, author, base_number=1, resolved_number=2, files=mine)

    tree = result.version.tree()
    assert tree["LICENSE.txt"].data == b"mine\n"
    assert tree["references/reference.md"].data == b"their reference\n"


# -- the public page -------------------------------------------------------------------


def published_twice(pdf, author) -> None:
    """v1 and v2 of pdf published, v2 with a changed reference and a new script."""
    text, files = pdf_skill()
    pdf.publish(pdf.latest, author)
    files = replaced(files, "references/forms.md", b"# Filling forms\n\nNew advice.\n")
    files = replaced(files, "scripts/new.sh", b"#!/bin/sh\necho new\n", executable=True)
    pdf.save_version(text, author, base_number=1, files=files)
    pdf.publish(pdf.latest, author)


def test_the_public_diff_of_a_skill_lists_its_changed_files_with_their_diffs(pdf, author, client):
    published_twice(pdf, author)

    page = client.get("/skills/pdf/?from=1&to=2").content.decode()

    assert 'data-file-change="modified" data-path="references/forms.md"' in page
    assert 'data-file-change="added" data-path="scripts/new.sh"' in page
    assert 'data-file-diff="references/forms.md"' in page and "New advice" in page
    assert "SKILL.md is unchanged." in page


def test_a_file_of_a_version_published_before_can_be_fetched_and_no_other(pdf, author, client):
    published_twice(pdf, author)
    pdf.save_version(pdf_skill()[0] + "Draft.\n", author, base_number=2)

    old = client.get("/skills/pdf/files/references/forms.md?version=1")
    assert old.status_code == 200 and old.content == pdf_skill()[1]["references/forms.md"].data
    assert client.get("/skills/pdf/files/scripts/new.sh?version=1").status_code == 404
    assert client.get("/skills/pdf/files/references/forms.md?version=3").status_code == 404


# -- derived data -------------------------------------------------------------------------


def test_a_skill_links_to_its_files_and_the_analysis_knows_the_folder(pdf):
    analysis = Analysis.objects.get(version=pdf.latest)
    assert 'href="/skills/pdf/files/references/forms.md"' in analysis.html
    assert analysis.file_count == 8 and analysis.tree_sha256.startswith("sha256:")
    codes = {p["code"] for p in analysis.problems}
    assert "executable-file" in codes and "missing-file" not in codes


def test_search_finds_a_word_that_only_a_skills_reference_file_holds(pdf, author):
    text, files = pdf_skill()
    files = replaced(files, "references/forms.md", b"# Forms\n\nQuixotically named fields.\n")
    pdf.save_version(text, author, base_number=1, files=files)
    pdf.publish(pdf.latest, author)

    found = search.search(search.CatalogQuery(q="quixotically"))

    assert [s.name for s in found] == ["pdf"]


def test_reanalyse_stale_rebuilds_old_analyses_and_leaves_current_ones(pdf, author, capsys):
    old = Analysis.objects.get(version=pdf.latest)
    Analysis.objects.filter(pk=old.pk).update(analyser=0, html="<p>stale</p>", problems=[])
    current = Skill.create("command", "review", GOOD_COMMAND, author).version
    untouched = Analysis.objects.get(version=current).analysed_at

    call_command("reanalyse", "--stale")

    rebuilt = Analysis.objects.get(pk=old.pk)
    assert rebuilt.analyser == ANALYSER and "forms.md" in rebuilt.html
    assert {p["code"] for p in rebuilt.problems} >= {"executable-file"}
    assert Analysis.objects.get(version=current).analysed_at == untouched
    assert "Reanalysed 1 of 1 versions" in capsys.readouterr().out


def test_reanalyse_all_rebuilds_every_analysis_in_batches(pdf, author, capsys):
    for n in range(4):
        Skill.create("command", f"c{n}", GOOD_COMMAND, author)
    Analysis.objects.update(html="")

    call_command("reanalyse", "--all", "--batch", "2")

    assert not Analysis.objects.filter(html="").exists()
    assert capsys.readouterr().out.count("Reanalysed") == 3


def test_reanalyse_says_so_when_nothing_is_stale(pdf, capsys):
    call_command("reanalyse", "--stale")
    assert "Nothing to reanalyse" in capsys.readouterr().out


# -- migration 0006 ---------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="runs on a scratch SQLite file")
def test_migration_0006_carries_every_derived_value_over_and_keeps_the_guards(tmp_path):
    database = tmp_path / "old.sqlite3"
    env = {
        "DATABASE_URL": f"sqlite:///{database}",
        **SUITE_ENV,
    }

    def manage(*args):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True
        )

    manage("migrate", "catalog", "0005", "-v0")
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO catalog_skill (kind, name, created_at, updated_at, archived, downloads)"
            " VALUES ('skill', 'old', '2026-01-01', '2026-01-01', 0, 0)"
        )
        db.execute(
            "INSERT INTO catalog_version (skill_id, number, text, sha256, message, created_at,"
            " description, metadata, problems, result, html) VALUES (1, 1, 'old text', 'abc',"
            " '', '2026-01-01', 'Old', ?, ?, 'warning', '<p>old</p>')",
            ['{"name": "old"}', '[{"code": "x"}]'],
        )
    manage("migrate", "-v0")

    with sqlite3.connect(database) as db:
        row = db.execute(
            "SELECT analyser, metadata, problems, result, html FROM catalog_analysis"
        ).fetchone()
        columns = {c[1] for c in db.execute("PRAGMA table_info(catalog_version)")}
        triggers = {
            t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        found = db.execute(
            "SELECT rowid FROM catalog_version_fts WHERE catalog_version_fts MATCH 'old'"
        ).fetchall()
    assert row == (0, '{"name": "old"}', '[{"code": "x"}]', "warning", "<p>old</p>")
    assert {"html", "result", "problems", "metadata"}.isdisjoint(columns)
    assert {
        "catalog_version_no_update",
        "catalog_version_no_delete",
        "catalog_version_fts_insert",
    } <= triggers
    assert {"catalog_versionfile_no_update", "catalog_blob_no_delete"} <= triggers
    assert found == [(1,)]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers")
def test_every_trigger_the_migrations_install_is_still_there_after_the_last_one():
    # A column altered later makes SQLite rebuild its table and drop its triggers (0008
    # puts them back): the search index and the append-only guards must all be present.
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
    assert {
        "catalog_analysis_fts_insert",
        "catalog_analysis_fts_update",
        "catalog_analysis_fts_delete",
    } <= present
    for table in ("catalog_version", "catalog_versionfile", "catalog_release"):
        assert any(name.startswith(table) for name in present), table
