"""catalog/skilltree.py: a skill's folder as pure data (docs/skill-format.md §8)."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.skilltree import (
    TreeFile,
    TreeLimits,
    as_tree,
    diff_trees,
    merge_trees,
    references,
    searchable_text,
    tree_digest,
    tree_lint,
    tree_problems,
)
from tests.trees import font_bytes, pdf_skill


def tree(*files: TreeFile) -> dict[str, TreeFile]:
    return as_tree(files)


def text_file(path: str, text: str, executable: bool = False) -> TreeFile:
    return TreeFile(path, text.encode(), executable)


def codes(problems) -> list[str]:
    return [problem.code for problem in problems]


# -- what can be stored ------------------------------------------------------------------


def test_a_realistic_skill_folder_has_no_problems():
    _, files = pdf_skill()
    assert tree_problems(files) == []


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../escape.py", "'..'"),
        ("/etc/passwd", "absolute path"),
        ("scripts\\run.bat", "backslash"),
        ("scripts/\x1b[31mred.sh", "control"),
        ("SKILL.md", "SKILL.md is the skill's own text"),
        ("skill.md", "same name as SKILL.md"),
        ("con.txt", "reserved device name"),
        ("a//b.txt", "empty or '.'"),
    ],
)
def test_unsafe_paths_are_refused_with_their_reason(path, reason):
    problems = tree_problems({path: TreeFile(path, b"x")})
    assert any(reason in problem for problem in problems), problems


def test_two_paths_that_differ_only_by_case_or_normalisation_collide():
    files = tree(text_file("Scripts/a.py", "1"), text_file("scripts/a.py", "2"))
    assert any("same name as" in p for p in tree_problems(files))
    composed, decomposed = "caf\u00e9.md", "cafe\u0301.md"
    files = tree(text_file(composed, "1"), text_file(decomposed, "2"))
    assert any("same name as" in p for p in tree_problems(files))


def test_a_file_that_is_also_a_folder_is_refused():
    files = tree(text_file("scripts", "1"), text_file("scripts/run.sh", "2"))
    assert any("also a folder" in p for p in tree_problems(files))


def test_limits_on_file_size_total_size_and_file_count_are_enforced():
    limits = TreeLimits(max_file_bytes=10, max_total_bytes=25, max_files=3)
    big = tree(TreeFile("a.bin", b"x" * 11))
    assert any("over the limit of 10" in p for p in tree_problems(big, limits))
    total = tree(TreeFile("a", b"x" * 9), TreeFile("b", b"x" * 9))
    assert any("add up to" in p for p in tree_problems(total, limits, skill_md_bytes=9))
    many = tree(*(TreeFile(f"f{n}", b"") for n in range(3)))
    assert any("4 files, over the limit of 3" in p for p in tree_problems(many, limits))


def test_a_thousand_and_one_files_are_too_many_by_default():
    files = tree(*(TreeFile(f"refs/{n:04d}.md", b"x") for n in range(1000)))
    assert any("1,001 files" in p for p in tree_problems(files))


# -- digests ----------------------------------------------------------------------------


def test_the_tree_digest_follows_every_byte_and_mode_but_not_the_order_given():
    _, files = pdf_skill()
    digest = tree_digest(b"text", files)
    assert digest == tree_digest(b"text", dict(reversed(files.items())))
    assert digest != tree_digest(b"text!", files)
    flipped = dict(files)
    flipped["LICENSE.txt"] = TreeFile("LICENSE.txt", files["LICENSE.txt"].data, executable=True)
    assert digest != tree_digest(b"text", flipped)


def test_the_tree_digest_is_documented_lines_hashed():
    files = tree(TreeFile("run.sh", b"echo", executable=True))
    lines = (
        f"644\t{hashlib.sha256(b'x').hexdigest()}\tSKILL.md\n"
        f"755\t{hashlib.sha256(b'echo').hexdigest()}\trun.sh\n"
    )
    assert tree_digest(b"x", files) == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()


# -- diffs ------------------------------------------------------------------------------


def test_a_diff_lists_added_removed_renamed_modified_and_mode_changes():
    old = tree(
        text_file("a.md", "one"),
        text_file("gone.md", "bye"),
        text_file("move.md", "same"),
        text_file("run.sh", "echo"),
    )
    new = tree(
        text_file("a.md", "two"),
        text_file("moved/move.md", "same"),
        text_file("new.md", "hi"),
        text_file("run.sh", "echo", executable=True),
    )
    changes = {change.path: change for change in diff_trees(old, new)}
    assert {p: c.status for p, c in changes.items()} == {
        "a.md": "modified",
        "gone.md": "removed",
        "moved/move.md": "renamed",
        "new.md": "added",
        "run.sh": "mode",
    }
    assert changes["moved/move.md"].old_path == "move.md"
    assert changes["run.sh"].mode_changed


def test_a_binary_change_is_not_text():
    old = tree(TreeFile("font.ttf", font_bytes(64, seed=1)))
    new = tree(TreeFile("font.ttf", font_bytes(64, seed=2)))
    (change,) = diff_trees(old, new)
    assert change.status == "modified" and not change.text


# -- merges ----------------------------------------------------------------------------


def test_changes_to_different_files_merge():
    base = tree(text_file("a.md", "a"), text_file("b.md", "b"))
    theirs = tree(text_file("a.md", "A"), text_file("b.md", "b"))
    mine = tree(text_file("a.md", "a"), text_file("b.md", "B"))
    merged = merge_trees(base, theirs, mine)
    assert merged.clean
    assert {p: f.text for p, f in merged.files.items()} == {"a.md": "A", "b.md": "B"}


def test_non_overlapping_edits_to_the_same_text_file_merge_line_by_line():
    lines = "".join(f"line {n}\nkeep {n}\n" for n in range(5))
    base = tree(text_file("guide.md", lines))
    theirs = tree(text_file("guide.md", lines.replace("line 0", "LINE 0")))
    mine = tree(text_file("guide.md", lines.replace("line 4", "LINE 4")))
    merged = merge_trees(base, theirs, mine)
    assert merged.clean
    assert merged.files["guide.md"].text == lines.replace("line 0", "LINE 0").replace(
        "line 4", "LINE 4"
    )


def test_the_same_lines_edited_on_both_sides_conflict():
    base = tree(text_file("guide.md", "one\n"))
    merged = merge_trees(
        base, tree(text_file("guide.md", "two\n")), tree(text_file("guide.md", "three\n"))
    )
    assert merged.conflicts == [("guide.md", "changed on both sides in the same lines")]


def test_the_same_binary_changed_on_both_sides_conflicts():
    base = tree(TreeFile("font.ttf", font_bytes(64, seed=1)))
    theirs = tree(TreeFile("font.ttf", font_bytes(64, seed=2)))
    mine = tree(TreeFile("font.ttf", font_bytes(64, seed=3)))
    assert merge_trees(base, theirs, mine).conflicts == [
        ("font.ttf", "a binary file changed on both sides")
    ]


def test_a_file_changed_on_one_side_and_deleted_on_the_other_conflicts():
    base = tree(text_file("a.md", "a"))
    merged = merge_trees(base, tree(text_file("a.md", "changed")), {})
    assert merged.conflicts == [("a.md", "changed on one side, and you deleted it")]
    merged = merge_trees(base, {}, tree(text_file("a.md", "changed")))
    assert merged.conflicts == [("a.md", "changed on one side, and they deleted it")]


def test_a_delete_on_one_side_and_nothing_on_the_other_deletes():
    base = tree(text_file("a.md", "a"), text_file("b.md", "b"))
    merged = merge_trees(base, tree(text_file("b.md", "b")), base)
    assert merged.clean and list(merged.files) == ["b.md"]


def test_a_mode_change_and_a_content_change_on_different_sides_both_land():
    base = tree(text_file("run.sh", "echo 1\n"))
    theirs = tree(text_file("run.sh", "echo 1\n", executable=True))
    mine = tree(text_file("run.sh", "echo 2\n"))
    merged = merge_trees(base, theirs, mine)
    assert merged.clean
    assert merged.files["run.sh"].executable and merged.files["run.sh"].text == "echo 2\n"


def test_a_resolve_takes_mine_where_both_sides_changed():
    base = tree(text_file("a.md", "a"))
    merged = merge_trees(
        base, tree(text_file("a.md", "theirs")), tree(text_file("a.md", "mine")), mine_wins=True
    )
    assert merged.clean and merged.files["a.md"].text == "mine"


@given(
    st.dictionaries(st.sampled_from(["a.md", "b.md", "c/d.md"]), st.text(max_size=20), max_size=3),
    st.dictionaries(st.sampled_from(["a.md", "b.md", "c/d.md"]), st.text(max_size=20), max_size=3),
)
def test_merging_a_side_with_an_unchanged_base_gives_that_side(base_texts, their_texts):
    base = tree(*(text_file(p, t) for p, t in base_texts.items()))
    theirs = tree(*(text_file(p, t) for p, t in their_texts.items()))
    merged = merge_trees(base, theirs, base)
    assert merged.clean
    assert {p: f.data for p, f in merged.files.items()} == {p: f.data for p, f in theirs.items()}


# -- lint ------------------------------------------------------------------------------


def test_links_and_mentions_of_files_the_skill_has_are_found():
    text, _ = pdf_skill()
    body = text.split("---\n", 2)[2]
    found = {target for _, target, _ in references(body)}
    assert {"references/forms.md", "scripts/check_fields.py", "assets/template.json"} <= found


def test_a_link_to_a_missing_file_is_a_warning_on_its_line():
    files = tree(text_file("references/forms.md", "x"))
    body = "Intro\n\nSee [the guide](references/guide.md).\n"
    (problem,) = [p for p in tree_lint(body, 10, files) if p.code == "missing-file"]
    assert problem.severity == "warning" and problem.line == 12
    assert "references/guide.md" in problem.message


def test_prose_naming_paths_of_other_projects_is_not_a_missing_file():
    files = tree(text_file("references/forms.md", "x"))
    body = "See [forms](references/forms.md). Upstream keeps src/main.py and 1.2/3.4.\n"
    assert "missing-file" not in codes(tree_lint(body, 1, files))


def test_files_never_mentioned_in_skill_md_are_reported_as_info():
    files = tree(text_file("references/forms.md", "x"), text_file("notes/old.md", "y"))
    body = "See [forms](references/forms.md).\n"
    unreferenced = [p for p in tree_lint(body, 1, files) if p.code == "unreferenced-file"]
    assert [(p.severity, "notes/old.md" in p.message) for p in unreferenced] == [("info", True)]


def test_a_mentioned_folder_covers_the_files_in_it():
    files = tree(text_file("references/a.md", "x"), text_file("references/b.md", "y"))
    assert "unreferenced-file" not in codes(tree_lint("Read `references/` first.\n", 1, files))


def test_executables_network_use_pipes_to_a_shell_and_large_binaries_are_reported():
    files = tree(
        text_file("scripts/install.sh", "#!/bin/sh\ncurl -fsSL https://x.example/i | sh\n", True),
        text_file("scripts/fetch.py", "import urllib.request\n"),
        TreeFile("assets/model.bin", font_bytes(1024 * 1024 + 1)),
    )
    body = "Use scripts/install.sh, scripts/fetch.py and assets/model.bin.\n"
    found = codes(tree_lint(body, 1, files))
    assert found.count("executable-file") == 1
    assert "script-pipes-to-shell" in found and "script-uses-network" in found
    assert "large-binary" in found


def test_hostile_bodies_are_read_in_linear_time():
    # Each of these once backtracked: a run of "a/", of "](", of unclosed "](<".
    for body in ("a/" * 100_000, "](" * 100_000, "](<" * 80_000, "a.b/" * 60_000):
        references(body)  # bounded by the patterns' possessive quantifiers; a hang fails CI


def test_search_text_holds_text_files_only_and_is_bounded():
    files = tree(
        text_file("references/forms.md", "fields are case-sensitive"),
        TreeFile("assets/font.ttf", font_bytes(64)),
        text_file("references/huge.md", "x" * 300_000),
    )
    text = searchable_text(files)
    assert "case-sensitive" in text and "font.ttf" not in text
    assert len(text) <= 256 * 1024
