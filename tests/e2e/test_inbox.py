"""The inbox in a browser: the header names the unread count, and marking one read with
htmx updates the list and the header in place, under the strict CSP."""

import pytest
from playwright.sync_api import expect

from catalog.models import ChangeRequest
from catalog.models.owners import set_owners
from tests.e2e.conftest import sign_in
from tests.factories import make_skill, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marking_a_notification_read_updates_the_list_and_the_header_in_place(new_page):
    olga, bob = make_user("olga"), make_user("bob")
    skill = make_skill(name="lint", author=bob)
    set_owners(skill, [olga], [], bob)
    request = ChangeRequest.open(skill, skill.latest, bob, "First version")
    request.comment(bob, "Ready for a look.")

    page = new_page()
    sign_in(page, "olga", "pw-olga")
    inbox = page.get_by_role("link", name="Inbox, 2 unread")
    expect(inbox).to_be_visible()
    inbox.click()
    page.wait_for_url("**/edit/inbox")
    expect(page.locator("li[data-unread]")).to_have_count(2)
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again

    page.get_by_role(
        "button", name=f"Mark read: bob commented on #{request.pk} First version"
    ).click()
    expect(page.locator("li[data-unread]")).to_have_count(1)
    expect(page.get_by_role("link", name="Inbox, 1 unread")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("li[data-unread]")).to_have_count(0)
    expect(page.get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    expect(
        page.get_by_role("link", name=f"bob asked you to review #{request.pk} First version")
    ).to_have_attribute("href", f"/edit/requests/{request.pk}/")
    assert page.csp_violations == []
