"""An item page in a real browser: copy an install line, try the prompt without losing
one's place, with and without JavaScript."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests import axe
from tests.factories import make_skill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SKILL = """---
name: changelog
description: Write a changelog entry
argument-hint: <version> <date>
---
# Changelog

Write the entry for version $0, dated $1.

""" + "".join(f"Rule {n}: keep the entry short and in the past tense.\n\n" for n in range(60))


@pytest.fixture
def changelog(publisher):
    return make_skill("skill", "changelog", SKILL, author=publisher, publish=True)


def in_viewport(page, selector: str) -> bool:
    return page.eval_on_selector(
        selector,
        """element => {
            const box = element.getBoundingClientRect();
            return box.top < window.innerHeight && box.bottom > 0;
        }""",
    )


def test_every_install_line_copies_exactly_what_it_shows(new_page, changelog, live_server):
    page = new_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/skills/changelog/")
    lines = page.locator(".install .copy-line")
    expect(lines).to_have_count(3)
    for index in range(3):
        line = lines.nth(index)
        shown = line.locator("pre[data-install]").inner_text().strip()
        button = line.get_by_role("button", name=f"Copy {shown}")
        button.click()
        expect(button).to_have_text("Copied")
        expect(line.get_by_role("status")).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == shown
    npx = page.locator('[data-install="npx"]').inner_text().strip()
    assert npx == f"npx skills add {live_server.url} --skill changelog -a claude-code -y"
    assert page.csp_violations == []


def test_try_it_updates_in_place_and_keeps_the_address(new_page, changelog):
    page = new_page()
    page.goto("/skills/changelog/")
    page.evaluate("window.samePage = true")
    page.get_by_label("Arguments").fill("2.1.0 2026-12-01")
    page.get_by_role("button", name="Expand").click()
    prompt = page.locator("[data-prompt]")
    expect(prompt).to_contain_text("Write the entry for version 2.1.0, dated 2026-12-01.")
    assert page.evaluate("window.samePage === true")  # no reload: the box was replaced
    assert parse_qs(urlsplit(page.url).query) == {"arguments": ["2.1.0 2026-12-01"]}
    assert in_viewport(page, "#try-it-output") and page.evaluate("window.scrollY") > 0

    page.get_by_label("Arguments").fill("3.0.0 2027-01-01")
    page.get_by_label("Arguments").press("Enter")
    expect(prompt).to_contain_text("version 3.0.0, dated 2027-01-01.")
    assert page.evaluate("window.samePage === true")
    assert page.csp_violations == []


def test_try_it_without_javascript_lands_back_at_the_box(browser, live_server, changelog):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 700}
    )
    try:
        page = context.new_page()
        page.goto("/skills/changelog/")
        page.get_by_label("Arguments").fill("2.1.0 2026-12-01")
        page.get_by_role("button", name="Expand").click()
        page.wait_for_url("**/skills/changelog/?arguments=2.1.0+2026-12-01#try-it")
        expect(page.locator("[data-prompt]")).to_contain_text("version 2.1.0, dated 2026-12-01.")
        assert in_viewport(page, "#try-it")
        assert page.evaluate("window.scrollY") > 0
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_snippets_copy_buttons_and_a_tried_prompt_pass_the_accessibility_check(
    new_page, changelog, publisher, scheme
):
    try:
        axe.source()
    except axe.AxeUnavailable as error:
        pytest.skip(str(error))
    make_skill(
        "command", "notes", "---\ndescription: Notes\n---\nKeep the entry tidy.\n", publish=True
    )
    page = new_page(scheme)
    page.goto("/?q=entry")  # one snippet in a description, one in a body
    expect(page.locator("[data-snippet] mark")).not_to_have_count(0)
    found = axe.violations(page)
    page.goto("/skills/changelog/")
    page.get_by_label("Arguments").fill("2.1.0 2026-12-01")
    page.get_by_role("button", name="Expand").click()
    expect(page.locator("[data-prompt]")).to_be_visible()
    page.locator(".install .copy-button").first.click()
    found += axe.violations(page)
    assert found == [], "\n".join(str(v) for v in found)
    assert page.csp_violations == []
