"""A publish racing a save, on PostgreSQL, through the real views and their own connections.

The publisher asks for version N while a member saves N+1 from the same base: whichever
lands first, the item's published version must be N and never the save's new one.
(The sixteen concurrent saves are in tests/catalog/test_models.py.)
"""

import pytest
from django.db import connection

from catalog.models import Event, Skill, VersionDownloads
from tests.browser import Browser
from tests.factories import GOOD_COMMAND, make_skill, make_user, run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises every writer, so nothing races",
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 8
EDIT = "/edit/commands/review/"


def test_a_publish_racing_a_save_publishes_exactly_the_version_asked_for(settings):
    # A publisher's direct publish, as a team without review has it; the reviewed path's
    # race is tests/catalog/test_reviews.py's.
    settings.SKILLHUB_REQUIRED_APPROVALS = 0
    member, publisher = make_user("member"), make_user("publisher", publisher=True)
    make_skill(author=member)
    saver, publishing = Browser(member), Browser(publisher)
    saver.csrf_token(), publishing.csrf_token()  # fetch the tokens before the race
    statuses = []

    for round_ in range(1, ROUNDS + 1):
        asked = Skill.objects.get(name="review").latest.number
        text = GOOD_COMMAND + "".join(f"Round {i}.\n" for i in range(1, round_ + 1))

        def publish(asked=asked):
            response = publishing.post(EDIT + "publish", {"version": str(asked)})
            statuses.append(response.status_code)

        def save(text=text, base=asked):
            response = saver.post(EDIT, {"text": text, "message": "m", "base_version": base})
            statuses.append(response.status_code)

        assert run_together(publish, save)[1] == []
        skill = Skill.objects.select_related("published", "latest").get(name="review")
        assert skill.published.number == asked, f"round {round_}"
        assert skill.latest.number == asked + 1, f"round {round_}"
        assert skill.published.text == skill.versions.get(number=asked).text

    assert statuses == [302] * (2 * ROUNDS)
    published = Event.objects.filter(action="publish").order_by("id")
    assert [e.version.number for e in published] == list(range(1, ROUNDS + 1))


def test_overlapping_bundle_downloads_count_every_download_without_deadlocks():
    items = [make_skill(name=f"item-{i}", publish=True) for i in range(12)]
    pks = [item.pk for item in items]
    downloads = [list(reversed(pks)), pks, pks[3:] + pks[:3], pks[::2] + pks[1::2]] * 2

    def download(order):
        return lambda: VersionDownloads.record(Skill.objects.filter(pk__in=order))

    assert run_together(*(download(order) for order in downloads))[1] == []
    assert set(Skill.objects.values_list("downloads", flat=True)) == {8}


def test_two_people_creating_the_same_name_at_once_get_one_item_and_one_clear_refusal():
    _, errors = run_together(
        lambda: Skill.create("command", "deploy", GOOD_COMMAND, None),
        lambda: Skill.create("command", "Deploy", GOOD_COMMAND, None),
    )
    assert [type(error).__name__ for error in errors] == ["ValidationError"]
    assert "already exists" in str(errors[0])
    assert Skill.objects.count() == 1
