"""Who else is editing an item, and "merge now": editor/presence.py over real HTTP (CSRF on)."""

import json
from datetime import timedelta

import pytest
from django.db.models import F

from catalog.models import Presence, Skill
from tests.browser import Browser, one, page, select
from tests.factories import make_skill, make_user, numbered_lines

pytestmark = pytest.mark.django_db

ITEM = "/edit/commands/review/"
V1 = numbered_lines(3)


@pytest.fixture
def review():
    return make_skill(name="review", text=V1)


def heartbeat(browser: Browser, on: int):
    return browser.post(ITEM + "presence", {"base_version": str(on)}, htmx=True)


def test_each_heartbeat_records_who_is_on_which_version_and_lists_the_others(review):
    alice, bob = make_user("alice"), make_user("bob")
    assert select(page(heartbeat(Browser(alice), 1)), "p", class_="presence-who") == []

    answer = heartbeat(Browser(bob), 1)
    assert answer.status_code == 200
    who = select(page(answer), "p", class_="presence-who")
    assert [p.attrs["data-presence-user"] for p in who] == ["alice"]
    assert "alice is editing" in who[0].text
    assert Presence.objects.filter(skill=review).count() == 2


def test_an_editor_not_seen_for_three_heartbeats_is_no_longer_listed(review, settings):
    alice, bob = make_user("alice"), make_user("bob")
    heartbeat(Browser(alice), 1)
    long_ago = timedelta(seconds=3 * settings.SKILLHUB_PRESENCE_SECONDS + 1)
    Presence.objects.filter(user=alice).update(seen_at=F("seen_at") - long_ago)
    assert select(page(heartbeat(Browser(bob), 1)), "p", class_="presence-who") == []


def test_a_newer_version_by_someone_else_is_offered_to_merge(review):
    alice, bob = make_user("alice"), make_user("bob")
    review.save_version(V1.replace("line 2", "alice 2"), alice, base_number=1)

    newer = select(page(heartbeat(Browser(bob), 1)), "p", class_="presence-newer")
    assert len(newer) == 1 and newer[0].attrs["data-newer"] == "2"
    assert "alice saved v2" in newer[0].text and "Merge now" in newer[0].text
    on_latest = select(page(heartbeat(Browser(bob), 2)), "p", class_="presence-newer")
    assert on_latest == []  # nothing newer than the page
    # A page of Alice's own still on v1 (another tab) is told too: it is as stale.
    mine = select(page(heartbeat(Browser(alice), 1)), "p", class_="presence-newer")
    assert "alice saved v2" in mine[0].text


def test_a_page_on_another_file_is_told_of_a_newer_version_but_not_offered_merge_now(review):
    review.save_version(V1.replace("line 2", "alice 2"), make_user("alice"), base_number=1)
    answer = Browser(make_user("bob")).post(
        ITEM + "presence", {"base_version": "1", "path": "references/forms.md"}, htmx=True
    )
    newer = one(page(answer), "p", class_="presence-newer")
    assert "Merge now" not in newer.text and "Open v2" in newer.text


def test_each_heartbeat_is_one_upsert_and_a_handful_of_queries(
    review, django_assert_max_num_queries
):
    browser = Browser(make_user("bob"))
    heartbeat(browser, 1)
    with django_assert_max_num_queries(8):  # session, user, item, upsert, others (and savepoints)
        heartbeat(browser, 1)
    assert Presence.objects.count() == 1


def merge_now(browser: Browser, text: str, base: str):
    return browser.post(ITEM + "merge-now", {"text": text, "base_version": base}, htmx=True)


def test_merge_now_folds_the_newer_version_into_the_unsaved_text_and_stores_nothing(review):
    alice, bob = make_user("alice"), make_user("bob")
    review.save_version(V1.replace("line 2", "alice 2"), alice, base_number=1)
    answer = merge_now(Browser(bob), V1.replace("line 0", "bob 0"), "1")

    assert answer.status_code == 200
    merged = json.loads(answer.content)
    assert merged == {
        "text": V1.replace("line 2", "alice 2").replace("line 0", "bob 0"),
        "base_version": 2,
        "author": "alice",
    }
    assert Skill.objects.get(pk=review.pk).versions.count() == 2


def test_merge_now_of_overlapping_edits_says_so_and_changes_nothing(review):
    alice, bob = make_user("alice"), make_user("bob")
    review.save_version(V1.replace("line 2", "alice 2"), alice, base_number=1)
    answer = merge_now(Browser(bob), V1.replace("line 2", "bob 2"), "1")

    assert answer.status_code == 409
    message = json.loads(answer.content)["error"]
    assert message["code"] == "conflict"
    assert "v2 by alice changes the lines you changed" in message["message"]
    assert Skill.objects.get(pk=review.pk).versions.count() == 2


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("9", "There is no v9."),
        ("", "Say which version the text began from."),
        ("x", "Say which version the text began from."),
    ],
)
def test_merge_now_from_a_version_that_does_not_exist_is_a_clear_400(review, base, message):
    answer = merge_now(Browser(make_user("bob")), V1, base)
    assert answer.status_code == 400
    assert json.loads(answer.content)["error"]["message"] == message


def test_presence_and_merge_now_refuse_a_post_without_the_csrf_token(review):
    browser = Browser(make_user("bob"))
    for path in ("presence", "merge-now"):
        assert browser.client.post(ITEM + path, {"base_version": "1"}).status_code == 403
