"""What a missing page says: the site's own page with a search box; 410 Gone, saying so,
for an item that was published and is not any more."""

import json

import pytest
from django.test import Client

from tests.browser import one, page
from tests.factories import make_skill, make_user

pytestmark = pytest.mark.django_db


def test_a_page_that_never_existed_is_the_sites_404_with_a_search_box():
    response = Client().get("/commands/no-such-thing/")
    assert response.status_code == 404
    html = page(response)
    assert one(html, "h1").text == "Nothing here"
    assert one(html, "form", role="search").attrs["action"] == "/"
    assert "/commands/no-such-thing/" in html


def test_an_unpublished_items_page_answers_410_and_says_it_was_unpublished():
    author = make_user("alice", publisher=True)
    skill = make_skill(name="review", author=author, publish=True)
    skill.unpublish(author)
    response = Client().get("/commands/review/")
    assert response.status_code == 410
    html = page(response)
    assert one(html, "h1").text == "This item was unpublished"
    assert "/review is no longer in the catalog" in html


def test_a_draft_never_published_is_a_plain_404_not_a_410():
    make_skill(name="draft")
    assert Client().get("/commands/draft/").status_code == 404


def test_under_the_api_a_missing_page_is_still_the_json_envelope():
    response = Client().get("/api/no-such-endpoint")
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "not-found"
