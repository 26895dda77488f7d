"""The owners panel of the edit page and its form (editor/owners.py): everyone sees
who owns an item, its own owners and its tags'; only publishers change its own."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from catalog.models import Event, Owner, Tag
from catalog.models.owners import owners_of, set_owners
from tests.browser import Browser, messages_shown, one, page, select
from tests.factories import make_skill, make_user

pytestmark = pytest.mark.django_db

EDIT = "/edit/commands/review/"
OWNERS = EDIT + "owners"


@pytest.fixture
def skill():
    return make_skill(name="review")


@pytest.fixture
def pat():
    return Browser(make_user("pat", publisher=True))


def labels(skill) -> list[str]:
    return [o.label for o in owners_of(skill) if o.skill_id]


def test_everyone_sees_the_owners_and_which_come_from_a_tag(skill):
    alice, reviewers = make_user("alice"), Group.objects.create(name="reviewers")
    set_owners(skill, [alice], [], None)
    skill.set_tags(["git"])
    set_owners(Tag.objects.get(name="git"), [], [reviewers], None)
    html = page(Browser(make_user("mo")).get(EDIT))
    panel = one(html, "section", data_owners=True)
    items = select(panel.html, "li", data_owner=True)
    assert [item.attrs["data-owner"] for item in items] == ["alice", "@reviewers"]
    assert items[0].text == "alice"
    assert items[1].text == "@reviewers (owns the tag git)"
    assert select(panel.html, "form") == []  # a member changes nothing here


def test_an_item_without_owners_says_any_reviewer_counts(skill):
    panel = one(page(Browser(make_user("mo")).get(EDIT)), "section", data_owners=True)
    assert "No owners" in panel.text


def test_publishers_get_the_form_holding_the_items_own_owners(skill, pat):
    set_owners(skill, [make_user("alice")], [Group.objects.create(name="reviewers")], None)
    skill.set_tags(["git"])
    set_owners(Tag.objects.get(name="git"), [make_user("tim")], [], None)
    panel = one(page(pat.get(EDIT)), "section", data_owners=True)
    form = one(panel.html, "form")
    assert form.attrs["action"] == OWNERS and form.attrs["method"] == "post"
    field = one(form.html, "input", name="owners")
    assert field.attrs["value"].split() == ["alice", "@reviewers"]  # not the tag's tim
    assert one(panel.html, "label", for_="id_owners").text == "Owners of /review"


def test_a_publisher_sets_users_and_groups_as_owners_recorded_on_the_audit_trail(skill, pat):
    make_user("alice"), make_user("bob"), Group.objects.create(name="reviewers")
    response = pat.post(OWNERS, {"owners": "alice, bob @reviewers"})
    assert response.status_code == 302 and response["Location"] == EDIT
    assert labels(skill) == ["alice", "bob", "@reviewers"]
    assert messages_shown(pat.get(EDIT)) == ["Owners: alice, bob, @reviewers."]
    event = Event.objects.get(action="owners", skill=skill)
    assert event.actor.username == "pat" and event.detail == "alice, bob, @reviewers"


def test_saving_an_empty_field_removes_the_items_own_owners(skill, pat):
    set_owners(skill, [make_user("alice")], [], None)
    assert pat.post(OWNERS, {"owners": ""}).status_code == 302
    assert labels(skill) == []
    assert messages_shown(pat.get(EDIT)) == ["No owners now."]


def test_unknown_names_are_refused_with_their_names_and_nothing_changes(skill, pat):
    set_owners(skill, [make_user("alice")], [], None)
    response = pat.post(OWNERS, {"owners": "alice nobody @nogroup"})
    assert response.status_code == 302 and response["Location"] == EDIT
    assert messages_shown(pat.get(EDIT)) == ["No such user or group: nobody, @nogroup."]
    assert labels(skill) == ["alice"]


def test_members_may_not_change_owners(skill):
    make_user("alice")
    response = Browser(make_user("mo")).post(OWNERS, {"owners": "alice"})
    assert response.status_code == 403
    assert not Owner.objects.exists()


def test_signed_out_people_are_sent_to_sign_in_and_a_get_is_not_allowed(skill, pat):
    assert Client().post(OWNERS, {"owners": "pat"})["Location"].startswith("/accounts/login/")
    assert pat.get(OWNERS).status_code == 405
    assert not Owner.objects.exists()


def test_an_archived_or_missing_item_has_no_owners_form(skill, pat):
    assert pat.post("/edit/commands/nothing/owners", {"owners": ""}).status_code == 404
    skill.archive(None)
    assert pat.post(OWNERS, {"owners": ""}).status_code == 404


def test_a_member_may_not_add_or_remove_a_tag_with_owners_but_a_publisher_may(skill, pat):
    git = Tag.objects.create(name="git")
    set_owners(git, [make_user("olga")], [], None)
    member = Browser(make_user("mo"))
    said = messages_shown(member.post(EDIT + "tags", {"tags": "git docs"}, follow=True))
    assert said == ["Only a publisher adds or removes a tag with owners (git)."]
    assert list(skill.tags.all()) == []
    member.post(EDIT + "tags", {"tags": "docs"}, follow=True)  # an unowned tag: anyone's
    assert [t.name for t in skill.tags.all()] == ["docs"]
    pat.post(EDIT + "tags", {"tags": "docs git"}, follow=True)
    assert sorted(t.name for t in skill.tags.all()) == ["docs", "git"]
    said = messages_shown(member.post(EDIT + "tags", {"tags": "docs"}, follow=True))
    assert said == ["Only a publisher adds or removes a tag with owners (git)."]
