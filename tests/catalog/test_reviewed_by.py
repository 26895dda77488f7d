"""The public item page says who reviewed the published version, and the audit page says
what each review did, links it to its request, and shows a break-glass publication."""

import pytest
from django.test import Client

from catalog.models import ChangeRequest, Event
from tests.browser import Browser, one, page, select
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db

FIXED = GOOD_COMMAND + "\nWorst first.\n"
AGAIN = GOOD_COMMAND + "\nWorst first, then the rest.\n"


@pytest.fixture
def skill():
    return make_skill(name="review", author=make_user("ann"), publish=True)


def approved_request(skill, *reviewers):
    ann = skill.latest.author
    skill.save_version(FIXED, ann)
    skill.refresh_from_db()
    request = ChangeRequest.open(skill, skill.latest, ann, "Worst first")
    for name in reviewers:
        request.review(make_user(name), "approve")
    return request


def publish_from_the_editor(browser, skill):
    skill.refresh_from_db()
    url = f"/edit/commands/{skill.name}/publish"
    return browser.post(url, {"version": skill.latest.number})


def reviewed_line(skill) -> list[str]:
    html = page(Client().get(f"/commands/{skill.name}/"))
    return [found.text for found in select(html, "p", data_reviewed_by=True)]


def test_after_a_reviewed_publication_the_public_page_names_its_reviewers(skill):
    approved_request(skill, "rex", "bob")
    response = publish_from_the_editor(Browser(make_user("pat", publisher=True)), skill)
    assert response.status_code == 302
    skill.refresh_from_db()
    assert skill.published.number == 2
    assert reviewed_line(skill) == ["Reviewed by bob, rex"]


def test_a_break_glass_publication_shows_no_reviewers_and_is_on_the_audit_page(skill):
    root = Browser(make_user("root", is_superuser=True, is_staff=True))
    skill.save_version(FIXED, skill.latest.author)
    assert publish_from_the_editor(root, skill).status_code == 302
    skill.refresh_from_db()
    assert skill.published.number == 2
    assert reviewed_line(skill) == []

    html = page(root.get("/edit/audit", {"action": "publish"}))
    rows = select(html, "tr")[1:]
    assert "published without review" in rows[0].text and "root" in rows[0].text


def test_a_newer_break_glass_publication_drops_the_earlier_reviewers(skill):
    approved_request(skill, "rex")
    publish_from_the_editor(Browser(make_user("pat", publisher=True)), skill)
    assert reviewed_line(skill) == ["Reviewed by rex"]
    skill.save_version(AGAIN, skill.latest.author)
    publish_from_the_editor(Browser(make_user("root", is_superuser=True)), skill)
    assert reviewed_line(skill) == []


def test_an_item_published_before_reviews_existed_says_nothing_about_them(skill):
    assert reviewed_line(skill) == []


def test_the_audit_page_links_each_review_event_to_its_request_and_filters_by_it(skill):
    request = approved_request(skill, "rex")
    request.comment(make_user("bea"), "Looks right.")
    browser = Browser(make_user("mo"))
    html = page(browser.get("/edit/audit"))
    links = select(html, "a", data_request=str(request.pk))
    assert {link.attrs["href"] for link in links} == {f"/edit/requests/{request.pk}/"}
    assert {link.text for link in links} == {
        f"#{request.pk} Worst first",
        f"#{request.pk} Worst first: approved v2",
    }

    reviews = page(browser.get("/edit/audit", {"action": "review"}))
    [row] = select(reviews, "tr")[1:]
    assert "rex" in row.text and f"#{request.pk} Worst first: approved v2" in row.text
    offered = one(reviews, "select", name="action").html
    for action in ("request", "review", "comment", "close-request", "owners"):
        assert f'value="{action}"' in offered
    assert Event.objects.filter(request=request).count() == 3  # asked, approved, commented
