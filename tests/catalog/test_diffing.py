from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog import merging
from catalog.diffing import (
    WORD_DIFF_LIMIT,
    DiffLine,
    Segment,
    hunk_stats,
    rows,
    side_by_side,
    stats,
    unified,
)
from catalog.field_diffs import frontmatter_diff
from catalog.merging import Conflict, merge, reverted
from tests.shared import corpus_files, needs_shared

BASE = "one\ntwo\nthree\nfour\nfive\nsix\nseven\n"


def numbered(count: int) -> str:
    return "".join(f"line {n}\n" for n in range(1, count + 1))


def replace_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def changed_words(segments: tuple[Segment, ...]) -> list[str]:
    return [segment.text for segment in segments if segment.changed]


# Texts made of a few recurring lines, so that versions share lines and merge3 and the
# differ have something to align; with or without a final newline.
LINES = st.sampled_from(["a", "b", "c", "", "  indented", "x y, z", "---", "- [ ] item"])
line_lists = st.lists(LINES, max_size=12)


@st.composite
def texts(draw: st.DrawFn) -> str:
    lines = draw(line_lists)
    final_newline = draw(st.booleans())
    return "\n".join(lines) + ("\n" if final_newline and lines else "")


# Anything at all, with newlines common and characters str.splitlines would split on.
raw_texts = st.text(alphabet="ab \n,(\t\r\x0c\u2028é", max_size=60)
any_text = st.one_of(texts(), raw_texts)


# ------------------------------------------------------------------------- merge


def test_edits_by_two_authors_to_distant_lines_merge_cleanly_and_keep_both():
    theirs = replace_line(BASE, 2, "TWO")
    mine = replace_line(BASE, 6, "SIX")

    result = merge(BASE, theirs, mine)

    assert result.clean
    assert result.conflicts == []
    assert result.text == "one\nTWO\nthree\nfour\nfive\nSIX\nseven\n"


def test_the_same_edit_on_both_sides_merges_cleanly_and_appears_once():
    edited = replace_line(BASE, 3, "THREE") + "eight\n"

    result = merge(BASE, edited, edited)

    assert result.clean
    assert result.text == edited


def test_the_same_line_deleted_on_both_sides_merges_cleanly():
    without_four = BASE.replace("four\n", "")

    result = merge(BASE, without_four, replace_line(without_four, 1, "ONE"))

    assert result.text == "ONE\ntwo\nthree\nfive\nsix\nseven\n"


def test_different_edits_to_the_same_line_are_a_conflict_carrying_each_sides_text():
    theirs = replace_line(BASE, 4, "four (theirs)")
    mine = replace_line(BASE, 4, "four (mine)")

    result = merge(BASE, theirs, mine)

    assert not result.clean
    assert result.text is None
    assert result.conflicts == [
        Conflict(base_start=4, base="four\n", theirs="four (theirs)\n", mine="four (mine)\n")
    ]


def test_a_conflict_does_not_swallow_a_clean_edit_elsewhere_in_its_report():
    theirs = replace_line(replace_line(BASE, 1, "ONE"), 5, "5a")
    mine = replace_line(BASE, 5, "5b")

    result = merge(BASE, theirs, mine)

    assert [conflict.base_start for conflict in result.conflicts] == [5]
    assert result.conflicts[0].theirs == "5a\n"


def test_different_lines_added_at_the_same_place_are_a_conflict_with_empty_base_text():
    theirs = BASE.replace("three\n", "three\nadded by them\n")
    mine = BASE.replace("three\n", "three\nadded by me\n")

    result = merge(BASE, theirs, mine)

    assert result.conflicts == [
        Conflict(base_start=4, base="", theirs="added by them\n", mine="added by me\n")
    ]


def test_edits_at_the_start_and_at_the_end_of_the_file_merge_cleanly():
    theirs = "zero\n" + BASE
    mine = replace_line(BASE, 7, "SEVEN") + "eight\n"

    result = merge(BASE, theirs, mine)

    assert result.text == "zero\n" + replace_line(BASE, 7, "SEVEN") + "eight\n"


def test_edits_to_adjacent_lines_conflict_as_one_region():
    # merge3 (like diff3) aligns the sides only on lines unchanged in all three, so two
    # edits with no unchanged line between them touch and become one conflict.
    theirs = replace_line(BASE, 3, "THREE")
    mine = replace_line(BASE, 4, "FOUR")

    result = merge(BASE, theirs, mine)

    assert result.conflicts == [
        Conflict(base_start=3, base="three\nfour\n", theirs="THREE\nfour\n", mine="three\nFOUR\n")
    ]


def test_edits_with_one_unchanged_line_between_them_merge_cleanly():
    theirs = replace_line(BASE, 3, "THREE")
    mine = replace_line(BASE, 5, "FIVE")

    assert merge(BASE, theirs, mine).text == "one\ntwo\nTHREE\nfour\nFIVE\nsix\nseven\n"


def test_a_text_without_a_final_newline_does_not_gain_one_in_a_merge():
    base = "a\nb\nc"

    result = merge(base, "A\nb\nc", "a\nb\nC")

    assert result.text == "A\nb\nC"


def test_appending_to_a_text_without_a_final_newline_does_not_conflict_with_edits_elsewhere():
    base = "a\nb\nc"

    result = merge(base, "A\nb\nc", "a\nb\nc\nd")

    assert result.text == "A\nb\nc\nd"


def test_a_final_newline_added_or_removed_on_one_side_survives_an_edit_on_the_other():
    assert merge("a\nb\nc", "a\nb\nc\n", "A\nb\nc").text == "A\nb\nc\n"
    assert merge("a\nb\nc\n", "A\nb\nc\n", "a\nb\nc").text == "A\nb\nc"


def test_conflict_text_at_the_end_of_a_file_without_final_newline_has_none_either():
    result = merge("a\nb", "a\nB", "a\nbee")

    assert result.conflicts == [Conflict(base_start=2, base="b", theirs="B", mine="bee")]


def test_an_empty_base_takes_the_one_side_that_wrote_something():
    assert merge("", "", "mine\n").text == "mine\n"
    assert merge("", "theirs", "").text == "theirs"


def test_an_empty_base_with_two_different_new_texts_is_a_conflict():
    result = merge("", "theirs\n", "mine\n")

    assert result.conflicts == [Conflict(base_start=1, base="", theirs="theirs\n", mine="mine\n")]


def test_deleting_everything_on_one_side_against_no_change_on_the_other_gives_empty_text():
    assert merge(BASE, BASE, "").text == ""


@given(base=any_text, mine=any_text)
def test_merging_into_an_unchanged_base_gives_mine_back(base, mine):
    assert merge(base, base, mine).text == mine


@given(base=any_text, theirs=any_text)
def test_merging_an_unchanged_mine_gives_theirs_back(base, theirs):
    assert merge(base, theirs, base).text == theirs


@given(base=any_text, edited=any_text)
def test_the_same_text_on_both_sides_always_merges_to_that_text(base, edited):
    assert merge(base, edited, edited).text == edited


# -------------------------------------------------------- undoing their changes


def test_a_line_they_changed_and_mine_still_has_as_before_is_undone():
    theirs = replace_line(BASE, 2, "TWO")
    assert reverted(BASE, theirs, BASE) == [
        Conflict(base_start=2, base="two\n", theirs="TWO\n", mine="two\n")
    ]


def test_only_the_regions_mine_puts_back_are_undone():
    theirs = replace_line(replace_line(BASE, 2, "TWO"), 6, "SIX")
    mine = replace_line(theirs, 6, "six")
    assert [region.base_start for region in reverted(BASE, theirs, mine)] == [6]


def test_keeping_their_change_or_editing_their_line_further_undoes_nothing():
    theirs = replace_line(BASE, 2, "TWO")
    assert reverted(BASE, theirs, theirs) == []
    assert reverted(BASE, theirs, replace_line(BASE, 2, "TWO and more")) == []
    assert reverted(BASE, theirs, replace_line(theirs, 6, "mine")) == []


def test_lines_they_added_gone_and_lines_they_deleted_back_are_undone():
    added = BASE.replace("three\n", "three\nnew\n")
    assert reverted(BASE, added, BASE) == [Conflict(base_start=4, base="", theirs="new\n", mine="")]
    deleted = BASE.replace("three\n", "")
    assert reverted(BASE, deleted, BASE) == [
        Conflict(base_start=3, base="three\n", theirs="", mine="three\n")
    ]


def test_a_final_newline_they_removed_and_mine_still_has_is_undone():
    theirs = BASE.removesuffix("\n")
    [region] = reverted(BASE, theirs, BASE)
    assert (region.theirs, region.mine) == ("seven", "seven\n")
    assert reverted(BASE, theirs, replace_line(theirs, 1, "ONE")) == []


@given(base=any_text, theirs=any_text)
def test_mine_equal_to_theirs_undoes_nothing(base, theirs):
    assert reverted(base, theirs, theirs) == []


@given(base=any_text, theirs=any_text)
def test_mine_equal_to_base_undoes_something_exactly_when_they_changed_anything(base, theirs):
    assert bool(reverted(base, theirs, base)) == (theirs != base)


# ------------------------------------------------------------------- line diffs


def test_unified_hunk_has_the_standard_header_and_line_numbers():
    old = numbered(10)
    new = replace_line(old, 5, "line five")

    [hunk] = unified(old, new)

    assert hunk.header == "@@ -2,7 +2,7 @@"
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (2, 7, 2, 7)
    assert [(line.op, line.old_no, line.new_no) for line in hunk.lines] == [
        ("equal", 2, 2),
        ("equal", 3, 3),
        ("equal", 4, 4),
        ("delete", 5, None),
        ("insert", None, 5),
        ("equal", 6, 6),
        ("equal", 7, 7),
        ("equal", 8, 8),
    ]
    assert [line.text for line in hunk.lines][3:5] == ["line 5", "line five"]


def test_line_numbers_after_an_insertion_shift_only_on_the_new_side():
    old = numbered(4)
    new = old.replace("line 2\n", "line 2\nextra\n")

    [hunk] = unified(old, new, context=1)

    assert hunk.header == "@@ -2,2 +2,3 @@"
    assert [(line.op, line.old_no, line.new_no) for line in hunk.lines] == [
        ("equal", 2, 2),
        ("insert", None, 3),
        ("equal", 3, 4),
    ]


def test_far_apart_changes_make_separate_hunks_with_their_own_context():
    old = numbered(30)
    new = replace_line(replace_line(old, 3, "three"), 25, "twenty-five")

    hunks = unified(old, new, context=2)

    assert [hunk.header for hunk in hunks] == ["@@ -1,5 +1,5 @@", "@@ -23,5 +23,5 @@"]
    assert all(
        [line.op for line in hunk.lines] == ["equal", "equal", "delete", "insert", "equal", "equal"]
        for hunk in hunks
    )


def test_changes_with_at_most_twice_the_context_between_them_share_a_hunk():
    old = numbered(30)
    new = replace_line(replace_line(old, 10, "ten"), 15, "fifteen")

    assert [hunk.header for hunk in unified(old, new, context=2)] == ["@@ -8,10 +8,10 @@"]
    assert len(unified(old, new, context=1)) == 2


def test_context_zero_shows_only_the_changed_lines():
    old = numbered(5)

    [hunk] = unified(old, replace_line(old, 3, "three"), context=0)

    assert hunk.header == "@@ -3,1 +3,1 @@"
    assert [line.op for line in hunk.lines] == ["delete", "insert"]


def test_identical_texts_have_no_hunks():
    assert unified(BASE, BASE) == []
    assert side_by_side(BASE, BASE) == []
    assert stats(BASE, BASE) == (0, 0)


def test_a_file_created_from_nothing_is_one_hunk_starting_at_line_zero():
    [hunk] = unified("", "a\nb\n")

    assert hunk.header == "@@ -0,0 +1,2 @@"
    assert [(line.op, line.new_no, line.text) for line in hunk.lines] == [
        ("insert", 1, "a"),
        ("insert", 2, "b"),
    ]


def test_word_level_segments_mark_exactly_the_changed_word():
    [hunk] = unified("Run git add -A first\n", "Run git commit -A first\n")

    deleted, inserted = hunk.lines

    assert deleted.segments == (
        Segment("Run git ", False),
        Segment("add", True),
        Segment(" -A first", False),
    )
    assert inserted.segments == (
        Segment("Run git ", False),
        Segment("commit", True),
        Segment(" -A first", False),
    )


def test_punctuation_is_a_token_of_its_own():
    [hunk] = unified("allowed-tools: Read, Write\n", "allowed-tools: Read; Write\n")

    deleted, inserted = hunk.lines

    assert changed_words(deleted.segments) == [","]
    assert changed_words(inserted.segments) == [";"]


def test_whitespace_between_two_changed_words_belongs_to_the_change():
    [hunk] = unified("foo bar baz\n", "qux quux baz\n")

    deleted, inserted = hunk.lines

    assert changed_words(deleted.segments) == ["foo bar"]
    assert changed_words(inserted.segments) == ["qux quux"]


def test_a_changed_run_of_spaces_is_marked():
    [hunk] = unified("a  b\n", "a b\n")

    assert changed_words(hunk.lines[0].segments) == ["  "]
    assert changed_words(hunk.lines[1].segments) == [" "]


def test_lines_without_a_partner_are_one_unhighlighted_segment():
    old = "keep\nold one\n"
    new = "keep\nnew one\nbrand new line\n"

    [hunk] = unified(old, new)

    unpaired = hunk.lines[-1]
    assert (unpaired.op, unpaired.text) == ("insert", "brand new line")
    assert unpaired.segments == (Segment("brand new line", False),)
    assert changed_words(hunk.lines[1].segments) == ["old"]  # the pair still gets highlights


def test_a_very_long_changed_line_is_marked_changed_as_a_whole():
    old = "word " * (WORD_DIFF_LIMIT // 5) + "end"
    new = "word " * (WORD_DIFF_LIMIT // 5) + "END"

    [hunk] = unified(old, new)

    assert hunk.lines[0].segments == (Segment(old, True),)
    assert hunk.lines[1].segments == (Segment(new, True),)


def test_a_line_of_repeated_tokens_still_gets_segments_that_rebuild_it():
    # Two far-apart edits in a line of repeats leave too much to match word by word
    # cheaply: what lies between the edits is marked changed, the rest is not.
    old = "a," * 900
    new = "a," * 100 + "b," + "a," * 700 + "b," + "a," * 98

    [hunk] = unified(old, new)

    deleted, inserted = hunk.lines
    assert (deleted.text, inserted.text) == (old, new)
    assert inserted.segments[0] == Segment("a," * 100, False)
    assert not inserted.segments[-1].changed
    assert inserted.segments[-1].text.endswith("a," * 98)
    assert "".join(changed_words(inserted.segments)).count("b") == 2


def test_a_change_of_only_the_final_newline_shows_on_the_last_line():
    [hunk] = unified("a\nb", "a\nb\n")

    deleted, inserted = hunk.lines[-2:]
    assert (deleted.op, deleted.text, deleted.newline) == ("delete", "b", False)
    assert (inserted.op, inserted.text, inserted.newline) == ("insert", "b", True)
    assert stats("a\nb", "a\nb\n") == (1, 1)


def test_lines_break_only_at_newline_characters():
    old = "form\x0cfeed\u2028sep\r\n"

    [hunk] = unified(old, old + "more\n")

    assert [line.text for line in hunk.lines] == ["form\x0cfeed\u2028sep\r", "more"]


def test_side_by_side_pairs_each_deleted_line_with_an_inserted_one():
    old = "same\nold a\nold b\ngone\nsame too\n"
    new = "same\nnew a\nnew b\nsame too\nadded\n"

    [rows] = side_by_side(old, new)

    def describe(line: DiffLine | None) -> tuple | None:
        return None if line is None else (line.op, line.text)

    assert [(describe(row.left), describe(row.right)) for row in rows] == [
        (("equal", "same"), ("equal", "same")),
        (("delete", "old a"), ("insert", "new a")),
        (("delete", "old b"), ("insert", "new b")),
        (("delete", "gone"), None),
        (("equal", "same too"), ("equal", "same too")),
        (None, ("insert", "added")),
    ]
    assert changed_words(rows[1].left.segments) == ["old"]
    assert changed_words(rows[1].right.segments) == ["new"]


def test_side_by_side_has_one_list_of_rows_per_hunk_with_the_same_lines():
    old = numbered(30)
    new = replace_line(replace_line(old, 3, "three"), 25, "twenty-five")

    tables = side_by_side(old, new, context=1)
    hunks = unified(old, new, context=1)

    assert len(tables) == len(hunks) == 2
    for table, hunk in zip(tables, hunks, strict=True):
        shown = {line for row in table for line in (row.left, row.right) if line is not None}
        assert shown == set(hunk.lines)


def test_stats_counts_added_and_removed_lines():
    old = "a\nb\nc\n"
    new = "a\nB\nc\nd\ne\n"

    assert stats(old, new) == (3, 1)
    assert stats(new, old) == (1, 3)


def reconstruct(hunks: list, ops: set[str]) -> str:
    return "".join(
        line.text + ("\n" if line.newline else "")
        for hunk in hunks
        for line in hunk.lines
        if line.op in ops
    )


@given(old=any_text, new=any_text)
def test_the_diffs_lines_rebuild_both_texts(old, new):
    hunks = unified(old, new, context=10_000)

    if old == new:
        assert hunks == []
    else:
        assert len(hunks) == 1
        assert reconstruct(hunks, {"equal", "insert"}) == new
        assert reconstruct(hunks, {"equal", "delete"}) == old


@given(old=any_text, new=any_text, context=st.integers(min_value=0, max_value=4))
def test_line_numbers_segments_and_stats_agree_with_the_texts(old, new, context):
    old_lines, new_lines = old.split("\n"), new.split("\n")
    added = removed = 0
    for hunk in unified(old, new, context):
        for line in hunk.lines:
            if line.old_no is not None:
                assert old_lines[line.old_no - 1] == line.text
            if line.new_no is not None:
                assert new_lines[line.new_no - 1] == line.text
            added += line.op == "insert"
            removed += line.op == "delete"
            assert all(segment.text for segment in line.segments) or len(line.segments) == 1
    assert stats(old, new) == (added, removed)


@needs_shared
def test_diffs_between_real_skill_files_rebuild_the_newer_file():
    files = [path.read_text(encoding="utf-8") for path in corpus_files()[:40]]
    assert files
    for old, new in pairwise(files):
        assert reconstruct(unified(old, new, context=10**6), {"equal", "insert"}) == new


# ------------------------------------------------------------ frontmatter fields


def test_frontmatter_diff_calls_out_tool_rule_and_model_changes_as_permission_changes():
    old = {"description": "Commit", "allowed-tools": "Bash(git add:*), Read", "model": "sonnet"}
    new = {
        "description": "Commit staged work",
        "allowed-tools": ["Bash(git add:*)", "Bash(rm:*)"],
        "model": "opus",
    }

    changes = {change.key: change for change in frontmatter_diff(old, new)}

    tools = changes["allowed-tools"]
    assert (tools.change, tools.permission) == ("changed", True)
    assert tools.note == "adds Bash(rm:*); removes Read"
    assert (tools.old, tools.new) == (old["allowed-tools"], new["allowed-tools"])
    assert changes["model"].permission
    assert changes["model"].note == "model sonnet → opus"
    description = changes["description"]
    assert (description.change, description.permission, description.note) == (
        "changed",
        False,
        "",
    )


def test_frontmatter_diff_lists_only_changed_fields_sorted_by_key():
    old = {"name": "x", "model": "haiku", "description": "d", "color": "red"}
    new = {"name": "x", "description": "d", "color": "blue", "argument-hint": "[msg]"}

    changes = frontmatter_diff(old, new)

    assert [(change.key, change.change) for change in changes] == [
        ("argument-hint", "added"),
        ("color", "changed"),
        ("model", "removed"),
    ]
    assert changes[2].note == "model haiku → (default)"
    assert (changes[2].old, changes[2].new) == ("haiku", None)


def test_tool_rules_with_spaces_and_commas_inside_parentheses_stay_whole():
    old = {"allowed-tools": 'Bash(git commit -m "a, b"), Read Grep'}
    new = {"allowed-tools": 'Read, Bash(git commit -m "a, b") Bash(npm run test:*)'}

    [change] = frontmatter_diff(old, new)

    assert change.note == "adds Bash(npm run test:*); removes Grep"


def test_a_tool_field_added_or_removed_lists_all_its_rules():
    (added,) = frontmatter_diff({}, {"tools": "Read, Edit"})
    (removed,) = frontmatter_diff({"disallowedTools": ["Bash"]}, {})

    assert (added.change, added.permission, added.note) == ("added", True, "adds Read, Edit")
    assert (removed.change, removed.note) == ("removed", "removes Bash")


def test_reformatting_a_tool_list_is_a_change_that_adds_and_removes_no_rule():
    [change] = frontmatter_diff(
        {"allowed-tools": "Read, Write"}, {"allowed-tools": ["Write", "Read"]}
    )

    assert change.permission
    assert change.note == "same rules, written differently"


def test_every_field_that_changes_what_an_item_may_do_is_a_permission_field():
    keys = [
        "allowed-tools", "disallowed-tools", "tools", "disallowedTools", "permissionMode",
        "model", "hooks", "mcpServers", "disable-model-invocation", "user-invocable",
        "shell", "context", "agent",
    ]  # fmt: skip
    changes = frontmatter_diff({}, dict.fromkeys(keys, "x"))

    assert [change.key for change in changes if change.permission] == sorted(keys)
    assert not any(c.permission for c in frontmatter_diff({}, {"color": "x", "version": "1"}))


def test_a_yes_no_flag_and_a_permission_mode_change_say_old_and_new_value():
    old = {"disable-model-invocation": True, "permissionMode": "default"}
    new = {"disable-model-invocation": False, "permissionMode": "acceptEdits"}

    notes = [change.note for change in frontmatter_diff(old, new)]

    assert notes == [
        "disable-model-invocation true → false",
        "permissionMode default → acceptEdits",
    ]


def test_hooks_changes_name_the_events_added_removed_and_changed():
    old = {"hooks": {"PreToolUse": [{"matcher": "Bash"}], "Stop": []}}
    new = {"hooks": {"PreToolUse": [{"matcher": "Edit"}], "PostToolUse": []}}

    [change] = frontmatter_diff(old, new)

    assert change.note == "hooks: adds PostToolUse; removes Stop; changes PreToolUse"


def test_true_and_one_are_different_values():
    [change] = frontmatter_diff({"user-invocable": 1}, {"user-invocable": True})

    assert change.change == "changed"
    assert frontmatter_diff({"metadata": {"a": [1]}}, {"metadata": {"a": [1]}}) == []


@given(
    st.lists(st.sampled_from(["a", "b", "c", ""]), max_size=12),
    st.lists(st.sampled_from(["a", "b", "d", ""]), max_size=12),
)
def test_counting_the_hunks_agrees_with_stats_and_rows_with_side_by_side(old_lines, new_lines):
    old, new = "\n".join(old_lines) + "\n", "\n".join(new_lines) + "\n"
    hunks = unified(old, new)
    assert hunk_stats(hunks) == stats(old, new)
    assert [rows(hunk) for hunk in hunks] == side_by_side(old, new)


def test_a_merge_past_the_matching_budget_is_refused_instead_of_taking_minutes():
    # 200 lines each repeated 100 times: under difflib's 1% junk threshold, so every
    # pair of equal lines would be matched.
    base = "".join(f"line {i % 200}\n" for i in range(20_000))
    with pytest.raises(merging.TooLargeToMerge, match="too large to merge"):
        merging.merge(base, base + "theirs\n", "mine\n" + base)
    assert merging.merge(base[:20_000], base[:20_000] + "x\n", base[:20_000]).clean
