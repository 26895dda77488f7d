import threading

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    # The body starts on line 5 (after the frontmatter): its paragraph says so, for the
    # editor's scroll sync.
    assert '<p data-source-line="5">Review the staged diff' in version.html
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


# -- never dropping an edit its author has not seen ---------------------------------

V1 = numbered_lines(16)
ALICE_V2 = V1.replace("line 2\n", "alice 2\n").replace("line 15\n", "alice 15\n")
BOB_FROM_V1 = V1.replace("line 2\n", "bob 2\n")


@pytest.fixture
def alice_saved_v2():
    """v1, then Alice's v2 changing lines 2 and 15."""
    skill = make_skill(text=V1)
    skill.save_version(ALICE_V2, make_user("alice"), "Alice", base_number=1)
    return skill


def test_a_stale_save_conflicting_again_keeps_its_base_and_stores_nothing(alice_saved_v2):
    bob = make_user("bob")
    for _ in range(2):  # saving the same text from the same base again changes nothing
        with pytest.raises(EditConflict) as raised:
            alice_saved_v2.save_version(BOB_FROM_V1, bob, base_number=1)
        assert (raised.value.base.number, raised.value.theirs.number) == (1, 2)
        assert not raised.value.undoes
    assert alice_saved_v2.versions.count() == 2


def test_a_conflicts_two_sides_to_resolve_hold_both_edits_and_differ_only_where_they_overlap(
    alice_saved_v2,
):
    bob_text = BOB_FROM_V1.replace("line 8\n", "bob 8\n")  # and a line Alice left alone
    with pytest.raises(EditConflict) as raised:
        alice_saved_v2.save_version(bob_text, make_user("bob"), base_number=1)
    theirs, mine = raised.value.sides_to_resolve()
    assert theirs == ALICE_V2.replace("line 8\n", "bob 8\n")
    assert mine == ALICE_V2.replace("line 8\n", "bob 8\n").replace("alice 2\n", "bob 2\n")


def test_the_sides_of_an_undo_are_their_text_and_mine_whole(alice_saved_v2):
    with pytest.raises(EditConflict) as raised:
        alice_saved_v2.save_version(BOB_FROM_V1, make_user("bob"), base_number=2)
    assert raised.value.sides_to_resolve() == (ALICE_V2, BOB_FROM_V1)


def test_a_save_on_the_latest_that_puts_back_what_someone_else_changed_is_refused(
    alice_saved_v2,
):
    with pytest.raises(EditConflict) as raised:
        alice_saved_v2.save_version(BOB_FROM_V1, make_user("bob"), base_number=2)
    conflict = raised.value
    assert conflict.undoes and conflict.theirs.number == 2 and conflict.base.number == 1
    assert [(region.base, region.theirs) for region in conflict.conflicts] == [
        ("line 15\n", "alice 15\n")
    ]  # line 2 is Bob's own edit of Alice's line: an overlap, not an undo
    assert "undoes changes made in v2" in str(conflict)
    assert Skill.objects.get(pk=alice_saved_v2.pk).latest.text == ALICE_V2


def test_editing_the_lines_the_latest_changed_is_not_an_undo(alice_saved_v2):
    further = ALICE_V2.replace("alice 15\n", "alice 15 and bob\n").replace("alice 2", "bob 2")
    result = alice_saved_v2.save_version(further, make_user("bob"), base_number=2)
    assert result.created and result.version.text == further


def test_undoing_ones_own_last_change_is_an_ordinary_save(alice_saved_v2):
    alice = User.objects.get(username="alice")
    result = alice_saved_v2.save_version(V1, alice, "Undo", base_number=2)
    assert result.created and result.version.text == V1


def test_a_resolved_save_takes_mine_where_it_overlaps_and_keeps_their_other_changes(
    alice_saved_v2,
):
    # Bob fixed line 2 on the conflict page and pressed "I've merged their changes in",
    # without copying Alice's line 15: resolving is about the overlap, never an overwrite.
    result = alice_saved_v2.save_version(
        BOB_FROM_V1, make_user("bob"), "Mine", base_number=1, resolved_number=2
    )
    assert result.created and result.merged_with is None
    version = result.version
    expected = ALICE_V2.replace("alice 2\n", "bob 2\n")
    assert (version.number, version.text, version.base_number) == (3, expected, 2)
    assert version.message == "Mine"


def test_a_resolved_save_that_copied_their_changes_is_stored_as_written(alice_saved_v2):
    by_hand = ALICE_V2.replace("alice 2\n", "alice and bob 2\n")
    result = alice_saved_v2.save_version(
        by_hand, make_user("bob"), base_number=1, resolved_number=2
    )
    assert result.version.text == by_hand


def test_a_save_resolved_against_an_older_version_is_merged_with_what_landed_after_it(
    alice_saved_v2,
):
    carol = make_user("carol")
    alice_saved_v2.save_version(ALICE_V2.replace("line 9\n", "carol 9\n"), carol, base_number=2)
    resolved = ALICE_V2.replace("alice 2\n", "alice and bob 2\n")

    result = alice_saved_v2.save_version(
        resolved, make_user("bob"), base_number=1, resolved_number=2
    )

    assert result.merged_with.number == 3
    assert "alice and bob 2\n" in result.version.text and "carol 9\n" in result.version.text
    assert "alice 15\n" in result.version.text
    with pytest.raises(EditConflict) as raised:  # and overlaps with it conflict, from v2
        bob_on_carols_line = resolved.replace("line 9\n", "bob 9\n")
        alice_saved_v2.save_version(bob_on_carols_line, None, base_number=1, resolved_number=2)
    assert (raised.value.base.number, raised.value.theirs.number) == (2, 4)


def test_a_resolved_version_older_than_the_base_or_unknown_is_refused(alice_saved_v2):
    with pytest.raises(ValidationError, match="older than the version you started from"):
        alice_saved_v2.save_version(BOB_FROM_V1, None, base_number=2, resolved_number=1)
    with pytest.raises(ValidationError, match="There is no v9"):
        alice_saved_v2.save_version(BOB_FROM_V1, None, base_number=1, resolved_number=9)
    assert alice_saved_v2.versions.count() == 2


SLOTS, WRITERS = 5, 3
LINES = numbered_lines(SLOTS)


def slot(text: str, k: int) -> str:
    """The numbered line k of a numbered_lines text (edits never add or remove lines)."""
    return text.split("\n")[3 + 2 * k]


def with_slot(text: str, k: int, content: str) -> str:
    lines = text.split("\n")
    lines[3 + 2 * k] = content
    return "\n".join(lines)


a_save = st.tuples(
    st.integers(0, WRITERS - 1),  # who
    st.integers(0, 1_000),  # which existing version they started from (modulo the count)
    st.integers(0, SLOTS - 1),  # the line they edit
    st.booleans(),  # on a conflict, whether they resolve it (theirs, with their line)
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(saves=st.lists(a_save, min_size=1, max_size=8))
def test_interleaved_saves_from_stale_bases_never_lose_an_accepted_edit(saves):
    with transaction.atomic():  # each example starts from nothing
        writers = [make_user(f"writer-{i}") for i in range(WRITERS)]
        skill = make_skill(text=LINES)
        accepted: dict[int, str] = {}  # line -> the content of its last accepted edit
        for n, (who, pick, k, resolve) in enumerate(saves):
            versions = list(skill.versions.order_by("number"))
            base, latest = versions[pick % len(versions)], versions[-1]
            content = f"edit {n} by writer {who}"
            item = Skill.objects.get(pk=skill.pk)
            try:
                item.save_version(
                    with_slot(base.text, k, content), writers[who], base_number=base.number
                )
            except EditConflict as conflict:
                # Refused only when someone changed that very line since the base.
                assert slot(latest.text, k) != slot(base.text, k)
                if not resolve:
                    continue
                theirs = conflict.theirs
                item.save_version(
                    with_slot(theirs.text, k, content),
                    writers[who],
                    base_number=base.number,
                    resolved_number=theirs.number,
                )
            else:
                assert slot(latest.text, k) == slot(base.text, k)
            accepted[k] = content
        final = Skill.objects.get(pk=skill.pk).latest.text
        assert [slot(final, k) for k in range(SLOTS)] == [
            accepted.get(k, f"line {k}") for k in range(SLOTS)
        ]
        transaction.set_rollback(True)


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


def test_a_stale_save_too_large_to_merge_is_refused_with_a_reason_and_stores_nothing(member):
    base = "---\ndescription: x\n---\n" + "".join(f"line {i % 200}\n" for i in range(20_000))
    skill = make_skill(text=base, author=member)
    skill.save_version(base + "theirs\n", make_user("alice"), base_number=1)
    with pytest.raises(ValidationError, match="too large to merge line by line"):
        skill.save_version(base + "mine\n", member, base_number=1)
    assert skill.versions.count() == 2


def test_an_events_item_and_version_are_read_only_from_an_event_that_names_both():
    skill = make_skill("command", "review")
    published = Event(action=Event.Action.PUBLISH, skill=skill, version=skill.latest)
    assert published.item_version == (skill, skill.latest)
    with pytest.raises(ValueError, match="names no item and version"):
        _ = Event(action=Event.Action.ARCHIVE, skill=skill).item_version
