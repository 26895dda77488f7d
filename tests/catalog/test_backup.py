"""backup_skills and restore_skills: a catalog survives an empty database, row for row."""

import base64
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from catalog import plugin_tree
from catalog.analysis import Analysis
from catalog.blobs import Blob, storage_name
from catalog.management.commands.backup_skills import backed_up_models
from catalog.models import (
    Event,
    Plugin,
    PluginItem,
    Release,
    ReleaseItem,
    Result,
    Skill,
    Tag,
    Version,
    VersionDownloads,
    VersionFile,
)
from catalog.skilltree import TreeFile, as_tree
from tests.factories import GOOD_COMMAND, make_user, publishers_group, run_command
from tests.s3 import new_bucket
from tests.trees import pdf_skill

# Flushing and restoring need real commits: a transactional test, emptied afterwards.
pytestmark = pytest.mark.django_db(transaction=True)

SKILL_TEXT = "---\nname: pdf-tools\ndescription: Work with PDFs\n---\nUse pdftotext first.\n"
AGENT_WITH_ERRORS = "---\nname: helper\ndescription: [unclosed\n---\nYou help.\n"


def build_varied_catalog() -> None:
    """Items in every state, versions by several authors, events of every action."""
    alice = make_user("alice")
    bob = make_user("bob", publisher=True, first_name="Bob", last_name="Builder")
    carol = make_user("carol", is_staff=True, is_superuser=True)
    alice.user_permissions.add(Permission.objects.get(codename="view_skill"))

    review = Skill.create("command", "review", GOOD_COMMAND, alice, "First draft").version.skill
    second = review.save_version(GOOD_COMMAND + "Name each file.\n", bob, "Ask for file names")
    review.publish(second.version, bob)
    review.save_version(GOOD_COMMAND + "Name each file and line.\n", alice, "Lines too")
    review.set_tags(["git", "review"])

    pdf = Skill.create("skill", "pdf-tools", SKILL_TEXT, carol).version.skill
    first = pdf.latest
    pdf.save_version(SKILL_TEXT + "Then read the text.\n", alice, "")
    pdf.publish(pdf.latest, carol)
    pdf.unpublish(carol)
    pdf.restore(first, bob)
    pdf.publish(pdf.latest, bob)
    pdf.set_tags(["docs"])
    pdf.save_version(
        SKILL_TEXT + "Fill forms with `scripts/fill.py`.\n",
        alice,
        "A script and a font",
        files=as_tree(
            [
                TreeFile("scripts/fill.py", b"#!/usr/bin/env python3\nprint('filled')\n", True),
                TreeFile("assets/font.ttf", bytes(range(256)) * 4),
            ]
        ),
    )

    Skill.create("agent", "helper", AGENT_WITH_ERRORS, alice, "Sketch")
    gone = Skill.create("command", "old-thing", GOOD_COMMAND, bob).version.skill
    gone.publish(gone.latest, bob)
    gone.archive(carol)
    Tag.objects.create(name="unused")

    VersionDownloads.record(Skill.objects.filter(name__in=["review", "pdf-tools"]))
    VersionDownloads.record(Skill.objects.filter(name="review"))


def usernames() -> dict[int, str]:
    return dict(User.objects.values_list("pk", "username"))


def rows(model, **by_username: str) -> list[dict]:
    """Every row of `model` in id order, user foreign keys replaced by usernames
    (users come back under new ids; everything else keeps its own)."""
    names = usernames()
    found = []
    for row in model.objects.order_by("pk").values():
        for field, label in by_username.items():
            row[label] = names.get(row.pop(field))
        found.append(row)
    return found


def catalog_state() -> dict:
    """All that a restore must bring back, in a form that compares by value."""
    users = {}
    for user in User.objects.order_by("username"):
        row = User.objects.filter(pk=user.pk).values().get()
        del row["id"]
        row["groups"] = sorted(user.groups.values_list("name", flat=True))
        row["permissions"] = sorted(user.user_permissions.values_list("codename", flat=True))
        users[user.username] = row
    groups = {
        group.name: sorted(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }
    skills = rows(Skill)
    for row in skills:
        row["tags"] = sorted(Tag.objects.filter(skills=row["id"]).values_list("name", flat=True))
    return {
        "users": users,
        "groups": groups,
        "tags": rows(Tag),
        "skills": skills,
        "versions": rows(Version, author_id="author"),
        "analyses": rows(Analysis),
        "files": rows(VersionFile),
        "blobs": rows(Blob),
        "events": rows(Event, actor_id="actor"),
        "downloads": rows(VersionDownloads),
    }


def empty_the_database() -> None:
    """What a freshly migrated database holds: no rows but the Publishers group."""
    call_command("flush", interactive=False, verbosity=0)
    publishers_group()


def back_up_wipe_and_restore(tmp_path) -> None:
    backup = tmp_path / "skillhub-backup.json"
    call_command("backup_skills", str(backup), verbosity=0)
    empty_the_database()
    assert not Version.objects.exists() and not User.objects.exists()
    call_command("restore_skills", str(backup), verbosity=0)


def test_the_varied_catalog_has_every_kind_of_history_a_backup_must_keep():
    build_varied_catalog()

    state = catalog_state()

    actions = {event["action"] for event in state["events"]}
    assert actions == {"publish", "unpublish", "restore", "archive"}
    assert {v["author"] for v in state["versions"]} == {"alice", "bob", "carol"}
    assert any(a["result"] == Result.ERROR for a in state["analyses"])
    assert {f["executable"] for f in state["files"]} == {True, False}
    assert any(b"\x00" in b["content"] for b in state["blobs"])
    assert {d["count"] for d in state["downloads"]} == {1, 2}
    assert any(s["published_id"] and s["published_id"] != s["latest_id"] for s in state["skills"])
    assert any(e["created_at"].microsecond % 1000 for e in state["events"])


def test_a_restore_into_an_empty_database_brings_back_every_row_identically(tmp_path):
    build_varied_catalog()
    before = catalog_state()

    back_up_wipe_and_restore(tmp_path)

    assert catalog_state() == before


def test_the_restored_catalog_takes_new_versions_after_the_restored_ones(tmp_path):
    build_varied_catalog()
    newest_id = Version.objects.order_by("-pk").values_list("pk", flat=True).first()
    back_up_wipe_and_restore(tmp_path)
    review = Skill.objects.get(name="review")

    result = review.save_version(
        GOOD_COMMAND + "After the restore.\n", User.objects.get(username="bob")
    )

    assert result.version.number == 4
    assert result.version.pk > newest_id
    assert Skill.objects.get(name="pdf-tools").published_history()[0].downloads == 1


def test_the_backup_keeps_timestamps_to_the_microsecond(tmp_path):
    build_varied_catalog()
    backup = tmp_path / "backup.json"

    call_command("backup_skills", str(backup), verbosity=0)

    stamps = [
        entry["fields"]["created_at"]
        for entry in json.loads(backup.read_text(encoding="utf-8"))
        if entry["model"] == "catalog.version"
    ]
    stored = [v.created_at for v in Version.objects.order_by("pk")]
    assert stamps == [s.isoformat().replace("+00:00", "Z") for s in stored]


def test_a_restore_over_an_existing_catalog_is_refused_and_changes_nothing(tmp_path):
    build_varied_catalog()
    backup = tmp_path / "backup.json"
    call_command("backup_skills", str(backup), verbosity=0)
    Skill.create("command", "newer", GOOD_COMMAND, None)
    before = catalog_state()

    with pytest.raises(CommandError, match="empty catalog"):
        call_command("restore_skills", str(backup), verbosity=0)

    assert catalog_state() == before


def test_every_catalog_model_and_the_users_and_groups_are_backed_up():
    labels = {model._meta.label for model in backed_up_models()}

    assert {"auth.User", "auth.Group"} <= labels
    assert {
        "catalog.Tag",
        "catalog.Skill",
        "catalog.Version",
        "catalog.Event",
        "catalog.VersionDownloads",
        "catalog.Plugin",
        "catalog.PluginItem",
        "catalog.Release",
        "catalog.ReleaseItem",
    } <= labels
    assert "catalog.Presence" not in labels  # who had an editor open: not the catalog
    assert not labels & {"sessions.Session", "auth.Permission", "contenttypes.ContentType"}


# -- every file's bytes ----------------------------------------------------------------


def create_pdf_skill() -> tuple[int, dict]:
    """The multi-file skill of tests/trees.py, saved: (its version's id, its files)."""
    text, files = pdf_skill()
    version = Skill.create("skill", "pdf", text, make_user("author"), "Folder", files=files).version
    return version.pk, files


def restored_tree(version_id: int) -> dict:
    return Version.objects.get(pk=version_id).tree()


def blob_entries(backup) -> dict[str, bytes]:
    """sha256 -> the bytes the backup file holds for each blob."""
    entries = json.loads(backup.read_text(encoding="utf-8"))
    return {
        e["pk"]: base64.b64decode(e["fields"]["content"])
        for e in entries
        if e["model"] == "catalog.blob"
    }


def test_a_restore_gives_back_every_file_of_a_multi_file_skill_byte_for_byte(tmp_path):
    version_id, files = create_pdf_skill()

    back_up_wipe_and_restore(tmp_path)

    tree = restored_tree(version_id)
    assert tree == files
    assert [p for p, f in tree.items() if f.executable] == [
        "scripts/check_fields.py",
        "scripts/fill/fill_form.py",
    ]
    assert Version.objects.get(pk=version_id).text == pdf_skill()[0]


def test_a_backup_of_blobs_kept_in_s3_holds_their_bytes(tmp_path, bucket):
    backup = tmp_path / "backup.json"
    with bucket.as_blob_store():
        _, files = create_pdf_skill()

        call_command("backup_skills", str(backup), verbosity=0)

    assert set(Blob.objects.values_list("content", flat=True)) == {None}
    assert blob_entries(backup) == {f.sha256: f.data for f in files.values()}


def test_a_restore_puts_the_blobs_into_the_configured_bucket(tmp_path, bucket, moto_server):
    backup = tmp_path / "backup.json"
    with bucket.as_blob_store():
        version_id, files = create_pdf_skill()
        call_command("backup_skills", str(backup), verbosity=0)
    empty_the_database()
    new_site = new_bucket(moto_server)

    with new_site.as_blob_store():
        call_command("restore_skills", str(backup), verbosity=0)
        tree = restored_tree(version_id)

    assert new_site.keys() == sorted(storage_name(f.sha256) for f in files.values())
    assert set(Blob.objects.values_list("content", flat=True)) == {None}
    assert tree == files


def test_a_restore_without_a_blob_store_puts_the_bytes_of_s3_blobs_into_the_database(
    tmp_path, bucket
):
    backup = tmp_path / "backup.json"
    with bucket.as_blob_store():
        version_id, files = create_pdf_skill()
        call_command("backup_skills", str(backup), verbosity=0)
    empty_the_database()

    call_command("restore_skills", str(backup), verbosity=0)

    stored = dict(Blob.objects.values_list("sha256", "content"))
    assert {sha: bytes(data) for sha, data in stored.items()} == {
        f.sha256: f.data for f in files.values()
    }
    assert restored_tree(version_id) == files


def test_a_backup_whose_blob_is_missing_from_the_bucket_is_refused_and_not_written(
    tmp_path, bucket
):
    backup = tmp_path / "backup.json"
    with bucket.as_blob_store():
        _, files = create_pdf_skill()
        bucket.delete(files["LICENSE.txt"].sha256)

        with pytest.raises(CommandError, match=r"No backup written: blob .* missing"):
            call_command("backup_skills", str(backup), verbosity=0)

    assert list(tmp_path.iterdir()) == []


def test_a_restore_refuses_a_backup_whose_file_does_not_match_its_digest(tmp_path):
    create_pdf_skill()
    backup = tmp_path / "backup.json"
    call_command("backup_skills", str(backup), verbosity=0)
    entries = json.loads(backup.read_text(encoding="utf-8"))
    damaged = next(e for e in entries if e["model"] == "catalog.blob")
    damaged["fields"]["content"] = base64.b64encode(b"not the file").decode()
    backup.write_text(json.dumps(entries), encoding="utf-8")
    empty_the_database()

    with pytest.raises(CommandError, match=f"Blob {damaged['pk']} .* does not match its sha256"):
        call_command("restore_skills", str(backup), verbosity=0)

    assert not Blob.objects.exists() and not Version.objects.exists()


# -- plugins and their releases ----------------------------------------------------------


def build_plugins() -> None:
    """Two plugins, one released twice (details changed between), one never released."""
    bob = User.objects.get(username="bob")
    review, pdf = Skill.objects.get(name="review"), Skill.objects.get(name="pdf-tools")
    kit = Plugin.create(
        "team-kit",
        bob,
        description="Before",
        author="Bob <bob@example.com>",
        keywords=["git"],
        license="MIT",
    )
    kit.set_items([review], bob)
    kit.release(bob, notes="First")
    kit.update_details(bob, description="After", homepage="https://example.com/kit")
    kit.set_items([review, pdf], bob)
    kit.release(bob, version="2.0.0-rc.1", notes="With PDFs")
    Plugin.create("draft-kit", None).set_items([pdf], bob)


def plugin_state() -> dict:
    return {
        "plugins": rows(Plugin, created_by_id="created_by"),
        "items": rows(PluginItem),
        "releases": rows(Release, released_by_id="released_by"),
        "pins": rows(ReleaseItem),
    }


def release_bytes() -> dict[str, bytes]:
    return {
        f"{release.plugin.name} {release.version}": b"".join(
            plugin_tree.iter_release_archive(release, "tar.gz")
        )
        for release in Release.objects.select_related("plugin")
    }


def test_a_restore_brings_back_plugins_their_items_and_releases_identically(tmp_path):
    build_varied_catalog()
    build_plugins()
    before, catalog, archives = plugin_state(), catalog_state(), release_bytes()
    assert len(before["releases"]) == 2 and len(before["items"]) == 3

    back_up_wipe_and_restore(tmp_path)

    assert plugin_state() == before
    assert catalog_state() == catalog  # the release events among them
    assert release_bytes() == archives


def test_a_restored_plugin_releases_again_after_its_restored_releases(tmp_path):
    build_varied_catalog()
    build_plugins()
    newest = Release.objects.order_by("-pk").values_list("pk", flat=True).first()
    back_up_wipe_and_restore(tmp_path)
    kit = Plugin.objects.get(name="team-kit")
    kit.update_details(None, description="After the restore")

    release = kit.release(User.objects.get(username="bob"))

    assert (release.version, release.sequence) == ("2.0.0", 3)
    assert release.pk > newest
    assert [r.version for r in kit.releases_newest_first()] == ["2.0.0", "2.0.0-rc.1", "1.0.0"]


def test_a_restored_release_is_as_immutable_as_before(tmp_path):
    build_varied_catalog()
    build_plugins()
    back_up_wipe_and_restore(tmp_path)

    with pytest.raises(DatabaseError), transaction.atomic():
        Release.objects.update(notes="rewritten")

    assert sorted(Release.objects.values_list("notes", flat=True)) == ["First", "With PDFs"]


def test_a_backup_made_before_plugins_existed_still_restores(tmp_path):
    build_varied_catalog()
    before = catalog_state()
    backup = tmp_path / "backup.json"
    call_command("backup_skills", str(backup), verbosity=0)
    # What backup_skills wrote before migration 0007: no plugin models, and events
    # without the plugin and release fields.
    plugin_models = {
        "catalog.plugin",
        "catalog.pluginitem",
        "catalog.release",
        "catalog.releaseitem",
    }
    entries = [e for e in json.loads(backup.read_text()) if e["model"] not in plugin_models]
    for entry in entries:
        if entry["model"] == "catalog.event":
            del entry["fields"]["plugin"], entry["fields"]["release"]
    backup.write_text(json.dumps(entries), encoding="utf-8")
    empty_the_database()

    call_command("restore_skills", str(backup), verbosity=0)

    assert catalog_state() == before
    assert not Plugin.objects.exists() and not Release.objects.exists()


def test_a_restore_over_a_database_that_has_plugins_is_refused(tmp_path):
    build_varied_catalog()
    backup = tmp_path / "backup.json"
    call_command("backup_skills", str(backup), verbosity=0)
    empty_the_database()
    Plugin.create("left-over", None)

    with pytest.raises(CommandError, match=r"empty catalog.*Plugin"):
        call_command("restore_skills", str(backup), verbosity=0)

    assert not Skill.objects.exists()
    assert list(Plugin.objects.values_list("name", flat=True)) == ["left-over"]


def test_the_restore_says_how_many_plugins_and_releases_it_brought_back(tmp_path):
    build_varied_catalog()
    build_plugins()
    backup = tmp_path / "backup.json"
    call_command("backup_skills", str(backup), verbosity=0)
    empty_the_database()

    code, out, _ = run_command("restore_skills", str(backup))

    assert code == 0
    assert "4 items, 9 versions, 2 plugins, 2 releases and 9 events" in out
