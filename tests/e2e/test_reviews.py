"""Review before publish in a real browser (issue 16's "Done when"): a member opens a change
request, a reviewer comments on a line of its diff, the author's fix marks the comment
outdated, and the item's owner approves, acknowledging what it may now do, and publishes;
the author's own approval and a publisher's unreviewed direct publish are refused."""

import pytest
from playwright.sync_api import expect

from catalog.models import ChangeRequest, Skill
from catalog.models.owners import set_owners
from tests.e2e.conftest import CodeEditor, screenshot, sign_in
from tests.editor.test_reviews import V1, V2  # the published text and the proposed one
from tests.factories import make_skill, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def item(db):
    pat = make_user("pat", publisher=True)
    alice, olga = make_user("alice"), make_user("olga")
    make_user("bob")
    skill = make_skill(name="review", text=V1, author=pat, publish=True)
    skill.save_version(V2, alice, "Put the risks first", base_number=1)
    set_owners(skill, [olga], [], pat)
    return skill


def test_a_request_is_commented_fixed_approved_by_the_owner_and_published(new_page, item):
    author, reviewer, owner, publisher = new_page(), new_page(), new_page(), new_page()

    # The author opens a request from the edit page.
    sign_in(author, "alice", "pw-alice")
    author.goto("/edit/commands/review/")
    author.get_by_role("button", name="Ask for review").click()
    expect(author.get_by_label("Title")).to_have_value("Put the risks first")
    author.get_by_label("Description").fill("Risks first, so that **nobody** misses them.")
    author.get_by_role("button", name="Ask for review").click()
    author.wait_for_url("**/edit/requests/*/")
    change = ChangeRequest.objects.get()
    expect(author.locator("[data-state]")).to_have_text("open")
    expect(author.locator(".request-description strong")).to_have_text("nobody")

    # Under the default policy the author may not approve it.
    review_form = author.locator("[data-review-form]")
    review_form.get_by_label("Approve").check()
    for widening in change.widenings():
        review_form.get_by_label(widening).check()
    review_form.get_by_role("button", name="Submit review").click()
    expect(author.locator("[data-review-form] .form-error")).to_have_text(
        "You cannot approve your own request: ask a reviewer."
    )
    assert not change.reviews.exists()

    # A reviewer comments on line 6 of the new side of the diff.
    sign_in(reviewer, "bob", "pw-bob")
    reviewer.goto(change.get_absolute_url())
    reviewer.get_by_role("link", name="Comment on line 7 (new)").click()
    line_7 = reviewer.get_by_label("Comment on SKILL.md line 7 (this request's side)")
    expect(line_7).to_be_focused()
    reviewer.get_by_role("link", name="Comment on line 6 (new)").click()  # changed their mind
    expect(reviewer.locator("#new-comment")).to_have_count(1)
    box = reviewer.get_by_label("Comment on SKILL.md line 6 (this request's side)")
    box.fill("Why *first*? Say what a risk is.")
    reviewer.locator("#new-comment").get_by_role("button", name="Comment").click()
    thread = reviewer.locator("tr.thread-row [data-thread]")
    expect(thread).to_contain_text("Why first? Say what a risk is.")
    expect(thread.locator("em")).to_have_text("first")
    row = reviewer.locator('tr[data-line="new:6"]')
    expect(row.locator("xpath=following-sibling::tr[1]")).to_contain_text("Say what a risk is.")
    thread.evaluate("element => element.scrollIntoView({block: 'center'})")
    screenshot(reviewer, "request")

    # The author's fix changes that line: the comment shows as outdated, with the old line.
    author.goto("/edit/commands/review/")
    CodeEditor(author).replace(
        "List the risky changes first.", "List the risky changes first: what could break."
    )
    author.get_by_label("What changed and why").fill("Say what a risk is")
    author.get_by_role("button", name="Save", exact=True).click()
    author.wait_for_url("**/edit/commands/review/")
    expect(author.locator(".messages")).to_contain_text("Saved v3.")
    author.goto(change.get_absolute_url())
    outdated = author.locator("[data-thread][data-outdated]")
    expect(outdated).to_contain_text("outdated")
    expect(outdated.locator(".outdated-line code")).to_have_text("List the risky changes first.")
    expect(author.locator("tr.thread-row")).to_have_count(0)  # no longer under a line

    # A publisher's direct publish of the unreviewed version is refused; nothing changes.
    sign_in(publisher, "pat", "pw-pat")
    publisher.goto("/edit/commands/review/")
    link = publisher.locator("[data-open-request]")
    expect(link).to_have_text(f"#{change.pk} Put the risks first")
    publisher.get_by_role("button", name="Publish v3").click()
    expect(publisher.locator(".messages")).to_contain_text(
        f"#{change.pk} Put the risks first is not approved yet: v3 needs 1 more approval."
    )
    assert Skill.objects.get(pk=item.pk).published.number == 1

    # The owner approves, acknowledging the widening, and publishes.
    sign_in(owner, "olga", "pw-olga")
    owner.goto(change.get_absolute_url())
    expect(owner.locator("[data-missing]")).to_contain_text("needs 1 more approval")
    review_form = owner.locator("[data-review-form]")
    review_form.get_by_label("Approve").check()
    review_form.get_by_role("button", name="Submit review").click()
    expect(owner.locator("[data-review-form] .form-error")).to_contain_text(
        "Acknowledge what it may now do"
    )
    review_form = owner.locator("[data-review-form]")
    review_form.get_by_label("Approve").check()
    [widening] = change.widenings()
    review_form.get_by_label(widening).check()
    review_form.get_by_role("button", name="Submit review").click()
    expect(owner.locator("[data-state]")).to_have_text("approved")
    expect(owner.locator('[data-review="approve"]')).to_contain_text(f"Acknowledged: {widening}")
    owner.get_by_role("button", name="Publish v3").click()
    expect(owner.locator(".messages")).to_contain_text("Published v3")
    expect(owner.locator("[data-state]")).to_have_text("published")
    skill = Skill.objects.get(pk=item.pk)
    assert skill.published.number == 3 and "what could break" in skill.published.text

    pages = (author, reviewer, owner, publisher)
    assert [p.csp_violations for p in pages] == [[], [], [], []]
