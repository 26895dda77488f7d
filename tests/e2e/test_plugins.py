"""Plugins in a real browser: a publisher makes and releases one, a visitor copies its
install line."""

import pytest
from playwright.sync_api import expect

from catalog.models import Release
from tests.e2e.conftest import sign_in
from tests.factories import make_skill, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AGENT = "---\nname: reviewer\ndescription: Reviews code\ntools: Read\n---\nYou review code.\n"


def test_a_publisher_releases_a_plugin_and_a_visitor_copies_its_install_line(new_page):
    alice = make_user("alice", publisher=True)
    make_skill(author=alice, publish=True)
    make_skill("agent", "reviewer", AGENT, author=alice, publish=True)
    page = new_page()
    sign_in(page, "alice", "pw-alice")

    page.get_by_role("link", name="Plugins").last.click()  # the dashboard's, after the nav's
    page.get_by_role("link", name="New plugin").click()
    page.get_by_label("Name").fill("team-kit")
    page.get_by_label("Description").fill("The team's review tools")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("team-kit")

    page.locator('input[name="items"][value="command/review"]').check()
    page.locator('input[name="items"][value="agent/reviewer"]').check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message-success")).to_have_text("Saved team-kit.")

    page.get_by_role("link", name="Release…").click()
    expect(page.get_by_label("Version")).to_have_value("1.0.0")
    page.get_by_label("Release notes").fill("The **first** cut.")
    page.get_by_role("button", name="Release", exact=True).click()
    page.wait_for_url("**/plugins/team-kit/1.0.0/")
    expect(page.locator("[data-release-notes] strong")).to_have_text("first")
    assert Release.objects.get(plugin__name="team-kit").released_by == alice

    visitor = new_page()
    visitor.context.grant_permissions(["clipboard-read", "clipboard-write"])
    visitor.goto("/plugins/")
    card = visitor.locator('[data-plugin="team-kit"]')
    expect(card.locator("[data-version]")).to_have_text("1.0.0")
    line = card.locator(".copy-line").filter(has=visitor.locator('[data-install="install"]'))
    line.get_by_role("button").click()
    expect(line.get_by_role("button")).to_have_text("Copied")
    copied = visitor.evaluate("navigator.clipboard.readText()")
    assert copied == "claude plugin install team-kit@skillhub"
    assert page.csp_violations == [] and visitor.csp_violations == []


def test_a_visitor_reads_the_demo_plugin_and_what_its_second_release_changed(new_page):
    import io

    from django.core.management import call_command

    from tests.e2e.conftest import screenshot

    call_command("load_demo", stdout=io.StringIO())
    page = new_page()
    page.goto("/plugins/")
    card = page.locator('[data-plugin="team-essentials"]')
    expect(card.locator("[data-version]")).to_have_text("1.1.0")
    expect(page.locator('[data-install="add"]')).to_contain_text("/marketplace.git")
    screenshot(page, "plugins")

    card.get_by_role("link", name="team-essentials").click()
    page.locator('[data-release="1.1.0"] h3 a').click()
    page.wait_for_url("**/plugins/team-essentials/1.1.0/")
    added = page.locator('[data-changes="added"] li')
    expect(added).to_have_count(2)
    expect(page.locator('[data-changed-item="command/review-pr"]')).to_contain_text(
        "Suggest a fix for every blocking"
    )
    expect(page.locator("[data-bump]")).to_contain_text("1.1.0")
    screenshot(page, "release")
