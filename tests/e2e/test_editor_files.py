"""A skill's files in a real browser: the file tree, two people editing different files
of one skill at once (merged), and the tree diff page."""

import pytest
from playwright.sync_api import expect

from catalog.models import Skill
from tests.e2e.conftest import CodeEditor, screenshot, sign_in
from tests.factories import make_user
from tests.trees import FORMS_MD, pdf_skill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_people_editing_different_files_of_one_skill_are_merged(new_page):
    alice_user = make_user("alice")
    make_user("bob")
    text, files = pdf_skill()
    Skill.create("skill", "pdf", text, alice_user, "First", files=files)
    alice, bob = new_page(), new_page()
    sign_in(alice, "alice", "pw-alice")
    sign_in(bob, "bob", "pw-bob")
    alice.goto("/edit/skills/pdf/")
    bob.goto("/edit/skills/pdf/")  # both pages are on v1

    # The tree opens a reference in the same editor, previewed as markdown.
    files_nav = alice.get_by_role("navigation", name="Files of the skill")
    files_nav.get_by_role("link", name="forms.md").click()
    alice.wait_for_url("**/edit/skills/pdf/?file=references/forms.md")
    expect(alice.locator("#id_text")).to_have_value(FORMS_MD)
    CodeEditor(alice).fill(FORMS_MD + "Dates are written as YYYY-MM-DD.\n")
    expect(alice.locator("[data-skill-body]")).to_contain_text("YYYY-MM-DD")
    screenshot(alice, "editor-files")
    alice.get_by_label("What changed and why").fill("Date format")
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.locator(".messages")).to_contain_text("Saved v2")

    # Bob, still on v1, edits SKILL.md: his save merges with Alice's file.
    bob_text = CodeEditor(bob)
    bob_text.fill(bob_text.text + "\nAlways check the fields first.\n")
    bob.get_by_label("What changed and why").fill("Check first")
    bob.get_by_role("button", name="Save", exact=True).click()
    expect(bob.locator(".messages")).to_contain_text("Merged with changes by alice in v2")

    latest = Skill.objects.get(name="pdf").latest
    assert latest.number == 3
    assert "Always check the fields first." in latest.text
    assert latest.tree()["references/forms.md"].text.endswith("YYYY-MM-DD.\n")

    # The tree diff lists the changed file with its diff.
    bob.goto("/edit/skills/pdf/diff?from=1&to=3")
    row = bob.locator('tr[data-path="references/forms.md"]')
    expect(row).to_have_attribute("data-file-change", "modified")
    added = bob.locator('[data-file-diff="references/forms.md"] tr.op-insert')
    expect(added).to_contain_text("Dates are written as YYYY-MM-DD.")
    screenshot(bob, "tree-diff")
    for page in (alice, bob):
        assert page.csp_violations == []
