"""How a URL names an item (the public lookup) and a version (`latest`, `published`, a
number)."""

import pytest

from catalog.models import Skill
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def skill():
    """v1 published, v2 a draft on top of it."""
    skill = make_skill(publish=True)
    skill.save_version(GOOD_COMMAND + "Draft.\n", None, base_number=1)
    return skill


@pytest.mark.parametrize("label", [None, "", "latest"])
def test_no_label_or_latest_names_the_latest_version(skill, label):
    assert skill.version_named(label).number == 2


def test_published_names_the_published_version(skill):
    assert skill.version_named("published").number == 1


def test_a_number_names_that_version_drafts_included(skill):
    assert skill.version_named("2").number == 2


@pytest.mark.parametrize("label", ["3", "0", "-1", "1.0", "v1", "٣", "1" * 10, "LATEST"])
def test_anything_else_names_no_version(skill, label):
    assert skill.version_named(label) is None


def test_a_public_label_names_only_a_version_that_was_published(skill):
    assert skill.published_version_named("1").number == 1
    assert skill.published_version_named("2") is None  # a draft


def test_a_version_published_once_stays_named_after_a_newer_one_is(skill):
    skill.publish(skill.latest, make_user("pub", publisher=True))
    history = skill.published_history()
    assert [skill.published_version_named(n, history).number for n in ("1", "2")] == [1, 2]


@pytest.mark.parametrize("label", [None, "", "latest", "published", "9"])
def test_a_public_label_is_a_number_only(skill, label):
    assert skill.published_version_named(label) is None


def test_the_public_lookup_finds_a_published_item_whatever_its_case(skill):
    assert Skill.objects.published_item("command", "REVIEW") == skill


def test_the_public_lookup_finds_no_draft_and_no_archived_item():
    make_skill(name="draft")
    archived = make_skill(name="gone", publish=True)
    archived.archive(make_user("pub", publisher=True))
    for name in ("draft", "gone"):
        with pytest.raises(Skill.DoesNotExist):
            Skill.objects.published_item("command", name)
