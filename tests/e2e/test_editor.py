"""The editor in a real browser, from sign-in to the public page."""

import pytest
from playwright.sync_api import expect

from catalog.models import Skill
from tests.e2e.conftest import CodeEditor, screenshot, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROKEN = """---
description: Deploy a branch
description: Deploy it twice
---
Deploy $0 to $1.
"""

FIXED = """---
description: Deploy a branch to an environment
allowed-tools: Bash(git push:*)
---
# Deploy

1. Check that `$0` is green.
2. Deploy `$0` to **$1**.
3. Tell the team in the channel.

Current branch: !`git branch --show-current`
"""


def edit_text(page, old, new):
    CodeEditor(page).replace(old, new)


def save(page, message):
    page.get_by_label("What changed and why").fill(message)
    page.get_by_role("button", name="Save", exact=True).click()


def test_a_team_writes_merges_resolves_and_publishes_an_item(new_page, settings):
    # A team that publishes without review (review before publish: tests/e2e/test_reviews.py).
    settings.SKILLHUB_REQUIRED_APPROVALS = 0
    make_user("alice", publisher=True)
    make_user("bob")
    alice = new_page()
    sign_in(alice, "alice", "pw-alice")

    # Create: the preview and its problems follow the typing.
    alice.get_by_role("link", name="New item").first.click()
    alice.get_by_label("Name").fill("deploy")
    CodeEditor(alice).fill(BROKEN)
    problem = alice.locator('#preview-output [data-severity="error"]').first
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("Line 3")

    # Clicking a problem puts the cursor on its line.
    problem.get_by_role("button", name="Line 3:").click()
    assert CodeEditor(alice).cursor[0] == 3

    CodeEditor(alice).fill(FIXED)
    expect(alice.locator('#preview-output [data-severity="error"]')).to_have_count(0)
    expect(alice.locator("[data-skill-body] h1")).to_have_text("Deploy")
    expect(alice.locator("[data-skill-body] .shell-cmd")).to_contain_text("git branch")

    # Try it: 0-based arguments, as Claude Code expands them.
    alice.get_by_label("Try it: arguments").fill('main "staging eu"')
    expect(alice.locator("[data-prompt]")).to_contain_text("Deploy `main` to **staging eu**")
    screenshot(alice, "editor")

    alice.get_by_role("button", name="Create").click()
    alice.wait_for_url("**/edit/commands/deploy/")
    expect(alice.locator(".messages")).to_contain_text("Created deploy v1")

    # Two people edit different lines from the same base: both edits are kept.
    bob = new_page()
    sign_in(bob, "bob", "pw-bob")
    bob.goto("/edit/commands/deploy/")
    alice.reload()
    edit_text(alice, "is green", "is green on CI")
    save(alice, "Wait for CI")
    expect(alice.locator(".messages")).to_contain_text("Saved v2")
    edit_text(bob, "in the channel", "in #deploys")
    save(bob, "Name the channel")
    expect(bob.locator(".messages")).to_contain_text("Merged with changes by alice in v2")
    latest = Skill.objects.get(name="deploy").latest
    assert latest.number == 3
    assert "is green on CI" in latest.text and "in #deploys" in latest.text

    # The same line in both: a conflict that keeps Bob's text until he resolves it.
    alice.reload()
    edit_text(alice, "**$1**", "**$1** (ask first)")
    save(alice, "Ask before deploying")
    expect(alice.locator(".messages")).to_contain_text("Saved v4")
    edit_text(bob, "**$1**", "**$1** after 10:00")
    save(bob, "Only in office hours")
    expect(bob.locator(".conflict")).to_contain_text("overlaps v4 by alice")
    expect(bob.locator(".conflict")).to_contain_text("(ask first)")
    expect(bob.locator("#id_text")).to_have_value(FIXED_WITH_BOBS_LINES)
    screenshot(bob, "conflict")
    # Bob merges by hand in the merge view's chunk, keeps that, and saves on top of v4.
    edit_text(bob, "**$1** after 10:00", "**$1** after 10:00 (ask first)")
    bob.get_by_role("button", name="Keep mine").click()
    bob.get_by_label("What changed and why").fill("Both: office hours and ask first")
    bob.get_by_role("button", name="merged their changes in: save on top of v4").click()
    expect(bob.locator(".messages")).to_contain_text("Saved v5")
    assert "after 10:00 (ask first)" in Skill.objects.get(name="deploy").latest.text

    # History and a diff with word-level marks and the permission call-out.
    alice.goto("/edit/commands/deploy/history")
    expect(alice.locator("table.history tbody tr")).to_have_count(5)
    alice.goto("/edit/commands/deploy/diff?from=1&to=5&view=side")
    expect(alice.locator("table.diff mark").first).to_be_visible()
    screenshot(alice, "diff")

    # Publish, then anyone can read it.
    alice.goto("/edit/commands/deploy/")
    alice.get_by_role("button", name="Publish v5").click()
    expect(alice.locator(".messages")).to_contain_text("Published v5")
    reader = new_page()
    reader.goto("/commands/deploy/")
    expect(reader.locator("[data-skill-body] h1")).to_have_text("Deploy")
    expect(reader.locator("h1").first).to_contain_text("/deploy")

    for page in (alice, bob, reader):
        assert page.csp_violations == []


FIXED_WITH_BOBS_LINES = (
    FIXED.replace("is green", "is green on CI")
    .replace("in the channel", "in #deploys")
    .replace("**$1**", "**$1** after 10:00")
)
