"""Renaming an item in a real browser: the publisher renames it from the edit page, a
teammate's tab still open on the old name saves into it, and the old public link lands on
the new page."""

import pytest
from playwright.sync_api import expect

from catalog.models import Skill
from tests.e2e.conftest import CodeEditor, screenshot, sign_in
from tests.factories import make_skill, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = """---
name: pdf
description: Fill PDF forms from a JSON file of field values
---
# Fill a PDF form

1. Read the field names.
2. Fill them from the JSON file.
"""


def test_a_renamed_item_keeps_a_stale_tabs_save_and_its_old_link_works(new_page):
    make_user("pat", publisher=True)
    bob = make_user("bob")
    make_skill("skill", "pdf", PDF, author=bob, publish=True)
    publisher, teammate = new_page(), new_page()
    sign_in(publisher, "pat", "pw-pat")
    sign_in(teammate, "bob", "pw-bob")
    teammate.goto("/edit/skills/pdf/")
    publisher.goto("/edit/skills/pdf/")

    panel = publisher.locator("[data-housekeeping]")
    panel.get_by_text("Rename…").click()
    panel.get_by_label("New name").fill("pdf-forms")
    panel.evaluate("element => element.scrollIntoView({block: 'center'})")
    screenshot(publisher, "editor-rename")
    panel.get_by_role("button", name="Rename /pdf").click()
    publisher.wait_for_url("**/edit/skills/pdf-forms/")
    expect(publisher.locator(".messages")).to_contain_text(
        "Renamed /pdf to /pdf-forms; its old URLs redirect here. v2 carries the new name."
    )
    assert "name: pdf-forms" in CodeEditor(publisher).text

    # Bob's tab was opened on the old name, before the rename; his save lands on the item.
    CodeEditor(teammate).replace("2. Fill them", "2. Check each name, then fill them")
    teammate.get_by_label("What changed and why").fill("Check names")
    teammate.get_by_role("button", name="Save", exact=True).click()
    teammate.wait_for_url("**/edit/skills/pdf-forms/")
    expect(teammate.locator(".messages")).to_contain_text("Saved v3. Merged with changes by pat")
    latest = Skill.objects.get(name="pdf-forms").latest.text
    assert "name: pdf-forms" in latest and "Check each name, then fill them" in latest

    reader = new_page()
    reader.goto("/skills/pdf/")
    reader.wait_for_url("**/skills/pdf-forms/")
    expect(reader.get_by_role("heading", name="/pdf-forms", level=1)).to_be_visible()
    assert publisher.csp_violations == teammate.csp_violations == reader.csp_violations == []


def test_archiving_asks_first_then_takes_the_item_off_the_dashboard(new_page):
    make_user("pat", publisher=True)
    make_skill(name="review", publish=True)
    page = new_page()
    sign_in(page, "pat", "pw-pat")
    page.goto("/edit/commands/review/")
    panel = page.locator("[data-housekeeping]")
    archive = panel.get_by_role("button", name="Archive /review")
    expect(archive).to_be_hidden()  # inside the closed details: a second step
    panel.get_by_text("Archive…").click()
    archive.click()
    page.wait_for_url("**/edit/")
    expect(page.locator(".messages")).to_contain_text("Archived /review")
    expect(page.get_by_role("link", name="/review")).to_have_count(0)
    assert page.csp_violations == []
