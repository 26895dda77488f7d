"""Owners (catalog/models/owners.py): who owns an item, through its tags and groups too;
that an owner's approval is then needed to publish; and the admin, where tag owners are
set (through set_owners) and an item's are only shown."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client

from catalog.models import ChangeRequest, Event, Owner, Tag
from catalog.models.owners import owner_user_ids, owners_of, parse_owners, set_owners
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def skill():
    item = make_skill(name="review", publish=True)
    item.set_tags(["git", "ci"])
    return item


def tag(name: str) -> Tag:
    return Tag.objects.get(name=name)


def test_an_items_owners_are_its_own_and_its_tags_users_first_by_name(skill):
    zed, amy, reviewers = make_user("zed"), make_user("amy"), Group.objects.create(name="reviewers")
    set_owners(skill, [zed], [reviewers], None)
    set_owners(tag("git"), [amy], [], None)
    set_owners(Tag.objects.create(name="unrelated"), [make_user("ulla")], [], None)
    owners = owners_of(skill)
    assert [o.label for o in owners] == ["amy", "zed", "@reviewers"]
    assert [o.tag.name if o.tag else None for o in owners] == ["git", None, None]


def test_owner_user_ids_take_in_group_members_and_tag_owners_but_not_inactive_people(skill):
    reviewers = Group.objects.create(name="reviewers")
    rita, gone, amy = make_user("rita"), make_user("gone", is_active=False), make_user("amy")
    rita.groups.add(reviewers)
    gone.groups.add(reviewers)
    make_user("bystander")
    set_owners(tag("ci"), [amy], [reviewers], None)
    assert owner_user_ids(skill) == {rita.pk, amy.pk}


def test_an_item_without_owners_has_none(skill):
    assert owners_of(skill) == [] and owner_user_ids(skill) == set()


def test_owners_are_named_by_username_and_at_group_separated_by_spaces_or_commas():
    alice, bob, reviewers = make_user("alice"), make_user("bob"), Group.objects.create(name="rev")
    users, groups = parse_owners(" alice,bob  @rev alice ")
    assert sorted(u.username for u in users) == ["alice", "bob"] and groups == [reviewers]
    assert parse_owners("") == ([], [])
    assert alice and bob


def test_unknown_and_inactive_names_are_refused_each_named():
    make_user("gone", is_active=False)
    with pytest.raises(ValidationError) as refused:
        parse_owners("gone @nobody ghost")
    assert refused.value.message_dict == {
        "owners": ["No such user or group: ghost, gone, @nobody."]
    }


def test_setting_an_items_owners_replaces_them_and_is_an_event_a_tags_is_not(skill):
    alice, bob = make_user("alice"), make_user("bob")
    set_owners(skill, [alice], [], bob)
    set_owners(skill, [bob], [], bob)
    set_owners(tag("git"), [alice], [], bob)
    assert [o.label for o in Owner.objects.filter(skill=skill)] == ["bob"]
    assert list(
        Event.objects.filter(action="owners").order_by("id").values_list("detail", flat=True)
    ) == ["alice", "bob"]


# -- an owner's approval -----------------------------------------------------------------


def open_request(skill, author):
    skill.save_version(GOOD_COMMAND + "\nWorst first.\n", author)
    skill.refresh_from_db()
    return ChangeRequest.open(skill, skill.latest, author, "Worst first")


def test_with_owners_publishing_waits_for_an_owners_approval_not_just_anyones(skill):
    owner = make_user("olga")
    set_owners(tag("git"), [owner], [], None)
    request = open_request(skill, make_user("ann"))
    assert list(request.assignees.all()) == [owner]
    request.review(make_user("rex"), "approve")
    assert request.missing() == "An owner of /review must approve v2."
    assert request.state() == "open"
    request.review(owner, "approve")
    assert request.missing() is None and request.state() == "approved"


def test_a_member_of_an_owning_group_approves_as_an_owner(skill):
    reviewers = Group.objects.create(name="reviewers")
    rita = make_user("rita")
    rita.groups.add(reviewers)
    set_owners(skill, [], [reviewers], None)
    request = open_request(skill, make_user("ann"))
    request.review(rita, "approve")
    assert request.missing() is None


def test_without_owners_any_reviewers_approval_is_enough(skill):
    request = open_request(skill, make_user("ann"))
    request.review(make_user("rex"), "approve")
    assert request.missing() is None


def test_the_author_owning_the_item_still_needs_another_owner_or_is_only_told_what_is_missing(
    skill,
):
    ann = make_user("ann")
    set_owners(skill, [ann], [], None)
    request = open_request(skill, ann)
    assert list(request.assignees.all()) == []  # not assigned their own request
    request.review(make_user("rex"), "approve")
    assert request.missing() == "An owner of /review must approve v2."


# -- the admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def inline(rows, initial=0):
    data = {
        "owners-TOTAL_FORMS": str(len(rows)),
        "owners-INITIAL_FORMS": str(initial),
        "owners-MIN_NUM_FORMS": "0",
        "owners-MAX_NUM_FORMS": "1000",
    }
    for number, row in enumerate(rows):
        data.update({f"owners-{number}-{key}": value for key, value in row.items()})
    return data


def test_the_admin_sets_a_tags_owners_through_the_domain(skill, admin_client):
    git = tag("git")
    alice, reviewers = make_user("alice"), Group.objects.create(name="reviewers")
    form = admin_client.get(f"/admin/catalog/tag/{git.pk}/change/").content.decode()
    assert 'name="owners-0-user"' in form and 'name="owners-0-group"' in form
    data = {"name": "git", **inline([{"user": alice.pk}, {"group": reviewers.pk}, {}])}
    response = admin_client.post(f"/admin/catalog/tag/{git.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [o.label for o in owners_of(skill)] == ["alice", "@reviewers"]

    alices = Owner.objects.get(tag=git, user=alice)
    groups = Owner.objects.get(tag=git, group=reviewers)
    rows = [
        {"id": alices.pk, "tag": git.pk, "user": alice.pk, "DELETE": "on"},
        {"id": groups.pk, "tag": git.pk, "group": reviewers.pk},
    ]
    data = {"name": "git", **inline(rows, initial=2)}
    assert admin_client.post(f"/admin/catalog/tag/{git.pk}/change/", data).status_code == 302
    assert [o.label for o in owners_of(skill)] == ["@reviewers"]


def test_the_admin_refuses_an_owner_that_is_both_a_user_and_a_group(skill, admin_client):
    git = tag("git")
    alice, reviewers = make_user("alice"), Group.objects.create(name="reviewers")
    data = {"name": "git", **inline([{"user": alice.pk, "group": reviewers.pk}])}
    response = admin_client.post(f"/admin/catalog/tag/{git.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert not Owner.objects.exists()


def test_the_admin_shows_an_items_owners_and_cannot_change_them(skill, admin_client):
    set_owners(skill, [make_user("alice")], [], None)
    set_owners(tag("ci"), [make_user("tim")], [], None)
    html = admin_client.get(f"/admin/catalog/skill/{skill.pk}/change/").content.decode()
    assert "alice, tim (tag ci)" in html
    assert 'name="owners' not in html
