"""The rest of the editor in a real browser: keyboard, tags, unsaved diffs, import, audit."""

import pytest
from playwright.sync_api import expect

from catalog.models import Skill
from tests.e2e.conftest import CodeEditor, sign_in
from tests.factories import GOOD_COMMAND, make_skill, make_user
from tests.trees import zip_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def editing_review(new_page, username: str, *, as_its_author: bool = False):
    """A page signed in as the new member `username`, open on the review command's editor."""
    user = make_user(username)
    make_skill(name="review", author=user if as_its_author else None)
    page = new_page()
    sign_in(page, username, f"pw-{username}")
    page.goto("/edit/commands/review/")
    return page


def test_the_keyboard_alone_indents_saves_and_leaves_the_editor(new_page):
    page = editing_review(new_page, "carol", as_its_author=True)

    editor = CodeEditor(page)
    editor.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n- first")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert editor.text.endswith("\n  - first")
    page.keyboard.press("Shift+Tab")
    assert editor.text.endswith("\n- first")

    # Escape releases Tab, so focus can move on: the keyboard is never trapped.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    # On to what follows the editor: the list of the kind's fields.
    assert page.evaluate("document.activeElement.closest('.cm-editor')") is None
    assert page.evaluate("document.activeElement.closest('details.field-help') !== null")

    # Ctrl+S saves from anywhere on the page.
    page.get_by_label("What changed and why").fill("Add a step")
    page.keyboard.press("Control+s")
    expect(page.locator(".messages")).to_contain_text("Saved v2")
    assert Skill.objects.get(name="review").latest.text == GOOD_COMMAND + "\n- first"


def test_leaving_with_unsaved_changes_asks_first(new_page):
    page = editing_review(new_page, "dave")
    CodeEditor(page).content.press_sequentially("x")

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert dialogs == ["beforeunload"]


def test_comparing_unsaved_text_and_editing_tags(new_page):
    page = editing_review(new_page, "erin")

    CodeEditor(page).replace("risky changes", "risky or untested changes")
    page.get_by_role("button", name="Compare with v1").click()
    expect(page.locator("#unsaved-diff mark")).to_contain_text("or untested")
    assert Skill.objects.get(name="review").versions.count() == 1

    page.get_by_role("textbox", name="Tags").fill("git, Review")
    page.get_by_role("button", name="Save tags").click()
    expect(page.locator(".messages")).to_contain_text("Tags saved")
    assert sorted(Skill.objects.get(name="review").tags.values_list("name", flat=True)) == [
        "git",
        "review",
    ]


def test_importing_a_bundle_shows_a_dry_run_then_imports_on_confirm(new_page, tmp_path):
    make_user("frank", publisher=True)
    make_skill(name="review")
    upload = tmp_path / "team.zip"
    upload.write_bytes(
        zip_of(
            {
                ".claude/commands/review.md": GOOD_COMMAND + "Also check tests.\n",
                ".claude/agents/helper.md": "---\ndescription: Helps\n---\nHelp.\n",
                ".claude/commands/broken.md": "---\ndescription: [x\n---\nBody\n",
            }
        )
    )

    page = new_page()
    sign_in(page, "frank", "pw-frank")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Check upload").click()
    report = page.locator(".import-report")
    expect(report).to_contain_text("Dry run: nothing has been written yet")
    expect(report.locator("tr.outcome-created")).to_contain_text(".claude/agents/helper.md")
    expect(report.locator("tr.outcome-new-version")).to_contain_text(".claude/commands/review.md")
    expect(report.locator("tr.outcome-draft")).to_contain_text(".claude/commands/broken.md")
    assert not Skill.objects.filter(name="helper").exists()

    page.get_by_role("button", name="Import these files").click()
    expect(page.locator(".messages")).to_contain_text("Imported: 1 created, 1 new versions")
    assert Skill.objects.get(name="review").versions.count() == 2
    assert Skill.objects.get(name="broken").latest.result == "error"

    page.get_by_role("link", name="Audit").click()
    expect(page.locator("table.items")).to_contain_text("imported")
