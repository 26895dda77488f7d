import threading

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection, connections

from catalog.importing import Entry, import_entries
from catalog.models import EditConflict, Event, Skill, Version
from tests.factories import GOOD_COMMAND, make_skill, make_user, numbered_lines

pytestmark = pytest.mark.django_db

BROKEN = "---\ndescription: [unclosed\n---\nBody\n"


def test_first_save_is_version_one_with_derived_fields_stored():
    skill = make_skill()
    version = skill.latest
    assert version.number == 1
    assert version.description == "Review the staged diff"
    assert version.result == "ok"
    assert "<p>Review the staged diff" in version.html
    assert len(version.sha256) == 64


def test_saving_identical_text_creates_no_new_version():
    skill = make_skill()
    result = skill.save_version(GOOD_COMMAND, None, base_number=1)
    assert not result.created
    assert skill.versions.count() == 1


def test_saving_normalises_line_endings_and_bom_before_storing():
    skill = make_skill()
    result = skill.save_version("\ufeff" + GOOD_COMMAND.replace("\n", "\r\n"), None)
    assert not result.created


def test_each_save_gets_the_next_number():
    skill = make_skill()
    skill.save_version(GOOD_COMMAND + "More.\n", None, base_number=1)
    skill.save_version(GOOD_COMMAND + "Even more.\n", None, base_number=2)
    assert list(skill.versions.values_list("number", flat=True)) == [3, 2, 1]


def test_stale_save_merges_non_overlapping_edits():
    alice, bob = make_user("alice"), make_user("bob")
    skill = make_skill(text=numbered_lines(4), author=alice)
    skill.save_version(numbered_lines(4).replace("line 0", "alice 0"), alice, base_number=1)
    result = skill.save_version(
        numbered_lines(4).replace("line 3", "bob 3"), bob, message="Fix", base_number=1
    )
    assert result.created and result.merged_with.number == 2
    assert "alice 0" in result.version.text and "bob 3" in result.version.text
    assert result.version.message == "Fix (merged with changes by alice in v2)"


def test_stale_save_with_overlapping_edit_raises_conflict_and_stores_nothing():
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 1", "theirs"), None, base_number=1)
    with pytest.raises(EditConflict) as raised:
        skill.save_version(numbered_lines(2).replace("line 1", "mine"), None, base_number=1)
    assert raised.value.theirs.number == 2
    assert "mine" in raised.value.mine
    assert skill.versions.count() == 2


def test_a_file_with_errors_is_stored_as_a_draft_but_cannot_be_published():
    skill = make_skill(text=BROKEN)
    assert skill.latest.result == "error"
    with pytest.raises(ValidationError):
        skill.publish(skill.latest, None)
    assert Skill.objects.get(pk=skill.pk).published is None


def test_a_nul_byte_is_refused_and_nothing_is_stored():
    skill = make_skill()
    with pytest.raises(ValidationError):
        skill.save_version(GOOD_COMMAND + "\x00", None)
    assert skill.versions.count() == 1


def test_names_are_unique_case_insensitively_within_a_kind():
    make_skill(name="Review")
    with pytest.raises(ValidationError):
        make_skill(name="review")
    make_skill(kind="skill", name="review", text="---\ndescription: x\n---\nBody\n")


def test_invalid_names_are_refused():
    with pytest.raises(ValidationError):
        make_skill(kind="skill", name="Not Valid")
    with pytest.raises(ValidationError):
        make_skill(kind="command", name="../etc")


def test_publish_unpublish_and_restore_each_write_an_event():
    publisher = make_user("pub", publisher=True)
    skill = make_skill(author=publisher)
    skill.publish(skill.latest, publisher)
    skill.save_version(GOOD_COMMAND + "v2\n", publisher, base_number=1)
    skill.unpublish(publisher)
    restored = skill.restore(skill.versions.get(number=1), publisher)
    assert restored.version.number == 3 and restored.version.text == GOOD_COMMAND
    actions = list(Event.objects.values_list("action", flat=True))
    assert actions == ["restore", "unpublish", "publish"]


def test_versions_cannot_be_changed_or_deleted_through_the_orm():
    version = make_skill().latest
    version.text = "tampered"
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    assert Version.objects.get(pk=version.pk).text == GOOD_COMMAND


def test_a_migration_makes_the_publishers_group_with_the_publish_permission():
    publishers = Group.objects.get(name="Publishers")
    assert publishers.permissions.filter(codename="publish_skill").exists()
    member = make_user("member")
    assert not member.has_perm("catalog.publish_skill")
    member.groups.add(publishers)
    assert User.objects.get(pk=member.pk).has_perm("catalog.publish_skill")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_stale_saves_keep_every_edit_and_number_versions_without_gaps():
    writers = 16
    skill = make_skill(text=numbered_lines(writers))
    start = threading.Barrier(writers)
    errors = []

    def save(i):
        try:
            start.wait()
            mine = numbered_lines(writers).replace(f"line {i}\n", f"edited {i}\n")
            Skill.objects.get(pk=skill.pk).save_version(mine, None, base_number=1)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(skill.versions.values_list("number", flat=True))
    assert numbers == list(range(1, writers + 2))
    latest = Skill.objects.get(pk=skill.pk).latest.text
    assert all(f"edited {i}\n" in latest for i in range(writers))


def test_restoring_a_version_identical_to_the_latest_writes_nothing():
    skill = make_skill()
    result = skill.restore(skill.latest, None)
    assert not result.created
    assert not Event.objects.filter(action="restore").exists()


def test_a_merge_that_would_exceed_the_size_limit_is_refused_and_stores_nothing():
    half = "x" * (600 * 1024)
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 0", half), None, base_number=1)
    with pytest.raises(ValidationError, match="Merged with v2"):
        skill.save_version(numbered_lines(2).replace("line 1", half), None, base_number=1)
    assert skill.versions.count() == 2


def test_an_archived_name_is_neither_reused_nor_imported_into():
    skill = make_skill(name="review")
    skill.archive(None)
    with pytest.raises(ValidationError, match="archived"):
        make_skill(name="Review")
    report = import_entries(
        [Entry(".claude/commands/review.md", b"---\ndescription: x\n---\nB\n")], None
    )
    assert [line.outcome for line in report.lines] == ["refused"]
    assert skill.versions.count() == 1
