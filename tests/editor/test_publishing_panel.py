"""The edit page's publishing panel: what is live, why publishing waits, and unpublishing
behind a confirmation that says what it costs."""

import pytest

from tests.browser import Browser, one, page, select
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db

ITEM = "/edit/commands/review/"


@pytest.fixture
def publisher():
    return Browser(make_user("pat", publisher=True))


def publish_buttons(html: str) -> list:
    return [b for b in select(html, "button") if b.text.startswith("Publish v")]


def test_the_live_version_says_it_is_live_instead_of_offering_to_publish_it(publisher):
    make_skill(publish=True)
    html = page(publisher.get(ITEM))
    assert "v1 is live" in one(html, "p", data_live=True).text
    assert publish_buttons(html) == []


def test_a_newer_version_offers_to_publish_it(publisher):
    skill = make_skill(publish=True)
    skill.save_version(GOOD_COMMAND + "More.\n", None, base_number=1)
    html = page(publisher.get(ITEM))
    [button] = publish_buttons(html)
    assert button.text == "Publish v2" and "disabled" not in button.attrs
    assert select(html, "p", data_live=True) == []


def test_a_version_with_errors_says_why_it_cannot_be_published_beside_the_button(publisher):
    skill = make_skill(publish=True)
    skill.save_version("---\ndescription: a: b\n---\nBody\n", None, base_number=1)
    html = page(publisher.get(ITEM))
    [button] = publish_buttons(html)
    assert "disabled" in button.attrs and button.attrs["aria-describedby"] == "publish-why"
    why = one(html, "p", id="publish-why").text
    assert "v2 has errors" in why and "v1 stays live meanwhile" in why


def test_unpublishing_asks_first_and_names_the_download_count(publisher):
    skill = make_skill(publish=True)
    type(skill).objects.filter(pk=skill.pk).update(downloads=7)
    html = page(publisher.get(ITEM))
    confirm = one(html, "details", class_="unpublish")
    assert "downloaded 7 times" in confirm.text
    assert "Unpublish /review" in confirm.text
