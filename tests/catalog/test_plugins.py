"""Plugins and their releases (catalog/models/plugins.py): names, details, items, the
proposed version, refusals, the audit trail, and releases that never change."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.analysis import Analysis
from catalog.models import Event, Plugin, PluginItem, Release, ReleaseError, ReleaseItem
from tests.factories import (
    GOOD_COMMAND,
    HELPER_AGENT,
    make_plugin,
    make_skill,
    make_user,
    publish_pdf_folder,
    raw,
    raw_refused,
    run_together,
)

pytestmark = pytest.mark.django_db

OTHER_COMMAND = "---\ndescription: Ship it\n---\nShip the release.\n"


@pytest.fixture
def items(publisher):
    """A published command, skill folder and agent."""
    return {
        "review": make_skill("command", "review", author=publisher, publish=True),
        "pdf": publish_pdf_folder(publisher),
        "helper": make_skill("agent", "helper", HELPER_AGENT, author=publisher, publish=True),
    }


def edit(skill, text: str, user, publish: bool = True):
    """A new version of `skill` with `text`, published unless asked not to."""
    saved = skill.save_version(text, user, "edited")
    if publish:
        skill.publish(saved.version, user)
    return saved.version


def refused(plugin: Plugin, user, version: str = "") -> str:
    """The refusal of a release, after checking that it stored nothing."""
    releases, events = Release.objects.count(), Event.objects.count()
    with pytest.raises(ReleaseError) as refusal:
        plugin.release(user, version=version)
    assert (Release.objects.count(), Event.objects.count()) == (releases, events)
    return " ".join(refusal.value.messages)


# -- creating a plugin -----------------------------------------------------------------


def test_a_plugin_is_created_with_its_details_and_who_made_it(publisher):
    plugin = Plugin.create(
        "team-kit",
        publisher,
        description="What every team starts with",
        author="Jane Doe <jane@example.com>",
        homepage="https://example.com/kit",
        license="MIT",
        keywords=" Git, review,git ,,Docs",
        category="productivity",
    )

    stored = Plugin.objects.get(name="team-kit")
    assert stored.pk == plugin.pk
    assert stored.description == "What every team starts with"
    assert stored.author == "Jane Doe <jane@example.com>"
    assert stored.homepage == "https://example.com/kit"
    assert (stored.license, stored.category) == ("MIT", "productivity")
    assert stored.keywords == ["git", "review", "docs"]
    assert stored.created_by == publisher
    assert stored.latest_release is None
    assert list(Plugin.objects.released()) == []


@pytest.mark.parametrize(
    "name",
    ["Team-Kit", "team_kit", "team kit", "-kit", "kit-", "team--kit", "", "a" * 65, "kit/x", "é"],
)
def test_a_plugin_name_that_is_not_kebab_case_is_refused(name):
    with pytest.raises(ValidationError) as refusal:
        Plugin.create(name, None)

    assert "is not a plugin name: use 1-64 lowercase letters" in str(refusal.value)
    assert not Plugin.objects.exists()


@pytest.mark.parametrize("name", ["builtin", "inline", "claude-plugins-official", "agent-skills"])
def test_a_name_claude_code_reserves_is_refused(name):
    with pytest.raises(ValidationError, match="reserved by Claude Code"):
        Plugin.create(name, None)

    assert not Plugin.objects.exists()


def test_a_plugin_name_may_be_64_characters_and_start_with_a_digit():
    assert Plugin.create("a" * 64, None).name == "a" * 64
    assert Plugin.create("3d-tools", None).name == "3d-tools"


def test_a_second_plugin_of_the_same_name_is_refused_clearly(publisher):
    Plugin.create("team-kit", publisher)

    with pytest.raises(ValidationError, match="A plugin called 'team-kit' exists already"):
        Plugin.create("team-kit", publisher, description="another")

    assert Plugin.objects.get().description == ""


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"homepage": "javascript:alert(1)"}, "homepage"),
        ({"homepage": "not a url"}, "homepage"),
        ({"description": "x" * 501}, "description"),
        ({"keywords": [f"word{n}" for n in range(21)]}, "keywords"),
        ({"keywords": ["x" * 51]}, "keywords"),
        ({"keywords": {"not": "a list"}}, "keywords"),
        ({"license": "L" * 101}, "license"),
    ],
)
def test_details_that_do_not_fit_are_refused_by_field(details, field):
    with pytest.raises(ValidationError) as refusal:
        Plugin.create("team-kit", None, **details)

    assert field in refusal.value.message_dict
    assert not Plugin.objects.exists()


def test_only_plugin_details_may_be_given():
    with pytest.raises(TypeError, match="latest_release"):
        Plugin.create("team-kit", None, latest_release=None)


def test_updating_details_stores_them_and_refuses_bad_ones_without_storing(publisher):
    plugin = Plugin.create("team-kit", publisher, description="Old")

    plugin.update_details(publisher, description="New", keywords=["a", "b"])
    with pytest.raises(ValidationError):
        Plugin.objects.get().update_details(publisher, homepage="ftp:/nope")

    stored = Plugin.objects.get()
    assert (stored.description, stored.keywords, stored.homepage) == ("New", ["a", "b"], "")


# -- items -----------------------------------------------------------------------------


def test_set_items_replaces_the_items_of_the_next_release(publisher, items):
    plugin = make_plugin(skills=[items["review"], items["pdf"]], user=publisher)

    plugin.set_items([items["pdf"], items["helper"]], publisher)

    assert sorted(s.name for s in plugin.items.all()) == ["helper", "pdf"]
    assert PluginItem.objects.count() == 2


def test_the_same_item_given_twice_is_held_once(publisher, items):
    plugin = make_plugin(user=publisher)

    plugin.set_items([items["review"], items["review"], items["pdf"]], publisher)

    assert sorted(s.name for s in plugin.items.all()) == ["pdf", "review"]


def test_an_archived_item_cannot_be_put_in_a_plugin(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher)
    items["pdf"].archive(publisher)

    with pytest.raises(ValidationError, match="archived"):
        plugin.set_items([items["review"], items["pdf"]], publisher)

    assert [s.name for s in plugin.items.all()] == ["review"]


# -- releasing -------------------------------------------------------------------------


def test_the_first_release_is_1_0_0_and_pins_each_items_published_version(publisher, items):
    draft = edit(items["review"], GOOD_COMMAND + "Not published yet.\n", publisher, publish=False)
    plugin = make_plugin(skills=items.values(), user=publisher, description="Kit")

    release = plugin.release(publisher, notes="  The first one.\n")

    assert (release.version, release.sequence, release.tag) == ("1.0.0", 1, "v1.0.0")
    assert release.notes == "The first one."
    assert release.released_by == publisher
    assert [(v.skill.name, v.number) for v in release.pinned()] == [
        ("helper", 1),
        ("review", 1),
        ("pdf", 2),
    ]
    assert draft not in release.pinned()
    assert Plugin.objects.get().latest_release == release
    assert plugin.latest_release == release
    assert list(Plugin.objects.released()) == [plugin]
    assert release.previous() is None


def test_a_release_keeps_its_pins_when_the_items_move_on(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    first = plugin.latest_release

    edit(items["review"], GOOD_COMMAND + "Second.\n", publisher)
    second = plugin.release(publisher)

    assert [v.number for v in Release.objects.get(pk=first.pk).pinned()] == [1]
    assert [v.number for v in second.pinned()] == [2]
    assert second.previous() == first
    assert [r.version for r in plugin.releases_newest_first()] == ["1.0.1", "1.0.0"]


def test_a_plugin_without_items_cannot_be_released(publisher):
    plugin = make_plugin(user=publisher)

    assert "no items" in refused(plugin, publisher)


def test_a_release_refuses_every_unpublished_item_naming_each(publisher, items):
    draft = make_skill("command", "draft", OTHER_COMMAND, author=publisher)
    plugin = make_plugin(skills=[items["review"], draft, items["helper"]], user=publisher)
    items["helper"].unpublish(publisher)

    message = refused(plugin, publisher)

    assert "/draft is not published" in message
    assert "helper is not published" in message
    assert "review" not in message


def test_a_release_refuses_an_item_whose_published_version_has_errors(publisher, items):
    plugin = make_plugin(skills=[items["review"], items["helper"]], user=publisher)
    # A re-analysis under stricter rules can find errors in a version published before.
    Analysis.objects.filter(version=items["helper"].published).update(result="error")

    message = refused(plugin, publisher)

    assert "helper v1 has errors" in message


def test_a_release_refuses_an_item_archived_after_it_was_chosen(publisher, items):
    plugin = make_plugin(skills=[items["review"], items["pdf"]], user=publisher)
    items["pdf"].archive(publisher)

    assert "pdf" in refused(plugin, publisher)


def test_a_release_with_nothing_changed_is_refused_whatever_version_is_asked(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    edit(items["review"], GOOD_COMMAND, publisher)  # the same text: no new version

    assert refused(plugin, publisher) == "Nothing changed since 1.0.0."
    assert refused(plugin, publisher, "5.0.0") == "Nothing changed since 1.0.0."


def proposal_after(change, publisher, items) -> str:
    plugin = make_plugin(skills=[items["review"], items["helper"]], user=publisher, release=True)
    change(plugin)
    proposed = str(plugin.next_release().proposed)
    assert plugin.release(publisher).version == proposed
    return proposed


def test_an_added_item_proposes_a_minor(publisher, items):
    def add(plugin):
        plugin.set_items([items["review"], items["helper"], items["pdf"]], publisher)

    assert proposal_after(add, publisher, items) == "1.1.0"


def test_a_removed_item_proposes_a_major(publisher, items):
    def remove(plugin):
        plugin.set_items([items["review"]], publisher)

    assert proposal_after(remove, publisher, items) == "2.0.0"


def test_a_changed_item_proposes_a_patch(publisher, items):
    def change(plugin):
        edit(items["review"], GOOD_COMMAND + "More care.\n", publisher)

    assert proposal_after(change, publisher, items) == "1.0.1"


def test_an_item_given_more_tools_proposes_a_major(publisher, items):
    def widen(plugin):
        edit(items["helper"], HELPER_AGENT.replace("Read, Grep", "Read, Grep, Bash"), publisher)

    assert proposal_after(widen, publisher, items) == "2.0.0"


def test_an_item_given_fewer_tools_proposes_a_patch(publisher, items):
    def narrow(plugin):
        edit(items["helper"], HELPER_AGENT.replace("Read, Grep", "Read"), publisher)

    assert proposal_after(narrow, publisher, items) == "1.0.1"


def test_changed_details_alone_propose_a_patch(publisher, items):
    def describe(plugin):
        plugin.update_details(publisher, description="Now described")

    assert proposal_after(describe, publisher, items) == "1.0.1"


def test_the_next_release_lists_what_changed(publisher, items):
    plugin = make_plugin(skills=[items["review"], items["helper"]], user=publisher, release=True)
    edit(items["helper"], HELPER_AGENT.replace("Read, Grep", "Read, Grep, Bash"), publisher)
    plugin.set_items([items["helper"], items["pdf"]], publisher)

    upcoming = plugin.next_release()

    assert str(upcoming.previous_version) == "1.0.0"
    assert [i.name for i in upcoming.changes.added] == ["pdf"]
    assert [i.name for i in upcoming.changes.removed] == ["review"]
    [change] = upcoming.changes.changed
    assert (change.old.version, change.new.version) == (1, 2)
    assert change.widened == ("tools adds Bash",)
    assert str(upcoming.proposed) == "2.0.0"


def queries_of_a_release(count: int, user) -> tuple[int, int]:
    """How many queries next_release and release take for a plugin of `count` items."""
    skills = [make_skill(name=f"item-{count}-{n}", author=user, publish=True) for n in range(count)]
    plugin = make_plugin(f"kit-{count}", skills=skills, user=user, release=True)
    edit(skills[0], GOOD_COMMAND + "Changed.\n", user)
    with CaptureQueriesContext(connection) as proposing:
        plugin.next_release()
    with CaptureQueriesContext(connection) as releasing:
        plugin.release(user)
    return len(proposing), len(releasing)


def test_proposing_and_making_a_release_take_as_many_queries_for_30_items_as_for_2(publisher):
    assert queries_of_a_release(30, publisher) == queries_of_a_release(2, publisher)


def test_an_author_may_choose_a_version_above_the_proposal(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    edit(items["review"], GOOD_COMMAND + "More.\n", publisher)

    assert plugin.release(publisher, version=" v3.1.4 ").version == "3.1.4"


@pytest.mark.parametrize("asked", ["1.0.0", "0.9.0", "1.0.1-rc.1", "1.0.1", "1.0.0-rc.1"])
def test_a_version_below_the_proposal_is_refused(publisher, items, asked):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    plugin.set_items([items["review"], items["helper"]], publisher)  # minor: 1.1.0

    message = refused(plugin, publisher, asked)

    assert "is lower than 1.1.0, which these changes need (minor)" in message
    assert "never lowered" in message


def test_a_refusal_says_whether_another_version_would_do(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    with pytest.raises(ReleaseError) as nothing_changed:
        plugin.release(publisher, version="2.0.0")
    plugin.set_items([items["review"], items["helper"]], publisher)  # minor: 1.1.0
    with pytest.raises(ReleaseError) as too_low:
        plugin.release(publisher, version="1.0.1")

    assert not nothing_changed.value.about_version
    assert too_low.value.about_version


def test_a_version_refused_after_a_release_made_meanwhile_is_about_the_plugin(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher)
    seen = Plugin.objects.get(pk=plugin.pk)  # as a page showed it: proposing 1.0.0
    plugin.release(publisher, version="1.0.0")
    plugin.set_items([items["review"], items["helper"]], publisher)  # now 1.1.0

    with pytest.raises(ReleaseError) as refusal:
        seen.release(publisher, version="1.0.0")

    assert "is lower than 1.1.0" in " ".join(refusal.value.messages)
    assert not refusal.value.about_version


def test_a_pre_release_of_the_proposed_version_may_come_first(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    plugin.set_items([items["review"], items["helper"]], publisher)

    assert plugin.release(publisher, version="1.1.0-rc.1").version == "1.1.0-rc.1"
    edit(items["helper"], HELPER_AGENT + "Fixed.\n", publisher)
    assert str(plugin.next_release().proposed) == "1.1.0"
    assert "lower" in refused(plugin, publisher, "1.1.0-beta")
    assert plugin.release(publisher, version="1.1.0-rc.2").version == "1.1.0-rc.2"


def test_a_first_release_may_start_at_any_version(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher)

    assert plugin.release(publisher, version="0.3.0").version == "0.3.0"
    edit(items["review"], GOOD_COMMAND + "More.\n", publisher)
    assert str(plugin.next_release().proposed) == "0.3.1"


@pytest.mark.parametrize(
    ("asked", "problem"),
    [
        ("1.1", "is not a version: write MAJOR.MINOR.PATCH"),
        ("latest", "is not a version: write MAJOR.MINOR.PATCH"),
        ("1.1.0+build", "is not a version: write MAJOR.MINOR.PATCH"),
        ("2.0.0-rc.lock", "its git tag would end in .lock, which git refuses"),
    ],
)
def test_a_version_that_cannot_be_a_release_version_is_refused_saying_why(
    publisher, items, asked, problem
):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    plugin.set_items([items["review"], items["helper"]], publisher)

    assert problem in refused(plugin, publisher, asked)


def test_spaces_around_an_asked_version_are_ignored(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    plugin.set_items([items["review"], items["helper"]], publisher)

    assert plugin.release(publisher, version=" 1.1.0\n").version == "1.1.0"


def test_a_release_snapshots_the_details_that_later_change(publisher, items):
    plugin = make_plugin(
        skills=[items["review"]],
        user=publisher,
        release=True,
        description="Before",
        author="Jane <jane@example.com>",
        keywords=["one"],
        homepage="https://example.com/a",
        license="MIT",
        category="tools",
    )

    plugin.update_details(publisher, description="After", keywords=["two"], license="")

    release = Release.objects.get()
    assert (release.description, release.keywords, release.license) == ("Before", ["one"], "MIT")
    assert (release.author, release.homepage, release.category) == (
        "Jane <jane@example.com>",
        "https://example.com/a",
        "tools",
    )
    second = plugin.release(publisher)
    assert (second.description, second.keywords, second.license) == ("After", ["two"], "")


def test_a_release_is_recorded_as_an_event_by_whom(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)

    event = Event.objects.get(action="release")

    assert (event.plugin, event.release, event.actor) == (plugin, plugin.latest_release, publisher)
    assert event.skill is None and event.version is None
    assert event.subject == "plugin team-kit 1.0.0"
    assert str(event) == "team-kit release"


def test_a_release_by_no_one_in_particular_is_recorded_without_an_actor(items, publisher):
    plugin = make_plugin(skills=[items["review"]], user=None, release=True)

    assert Event.objects.get(action="release").actor is None
    assert plugin.latest_release.released_by is None


def test_a_release_writes_the_write_log(publisher, items, caplog):
    plugin = make_plugin(skills=[items["review"]], user=publisher)

    with caplog.at_level("INFO", logger="skillhub.write"):
        plugin.release(publisher)

    fields = [r.fields for r in caplog.records if r.name == "skillhub.write"]
    assert {"action": "release", "plugin": "team-kit", "release": "1.0.0", "user": "publisher"} in (
        fields
    )


# -- releases never change ----------------------------------------------------------------


def stored(release: Release) -> tuple:
    return Release.objects.filter(pk=release.pk).values_list("version", "notes", "sequence").get()


@pytest.fixture
def released(publisher, items) -> Release:
    plugin = make_plugin(skills=[items["review"], items["pdf"]], user=publisher, release=True)
    return plugin.latest_release


def test_saving_or_deleting_a_release_through_the_model_is_refused(released):
    release = Release.objects.get()
    release.notes = "rewritten"

    with pytest.raises(ValidationError, match="immutable"):
        release.save()
    with pytest.raises(ValidationError, match="immutable"):
        release.delete()
    pin = ReleaseItem.objects.first()
    with pytest.raises(ValidationError, match="immutable"):
        pin.save()

    assert stored(release) == ("1.0.0", "First release", 1)


def test_a_raw_update_of_a_release_is_refused_by_the_database(released):
    release = Release.objects.get()

    error = raw_refused("UPDATE catalog_release SET notes = %s WHERE id = %s", ["x", release.pk])

    assert "append-only" in error
    assert stored(release) == ("1.0.0", "First release", 1)


def test_a_raw_delete_of_a_release_or_its_pins_is_refused_by_the_database(released):
    release = Release.objects.get()

    assert "append-only" in raw_refused("DELETE FROM catalog_releaseitem", [])
    assert "append-only" in raw_refused(
        "UPDATE catalog_releaseitem SET version_id = version_id", []
    )
    assert "append-only" in raw_refused("DELETE FROM catalog_releasefile", [])
    assert "append-only" in raw_refused("UPDATE catalog_releasefile SET executable = true", [])
    raw("UPDATE catalog_plugin SET latest_release_id = NULL", [])
    raw("DELETE FROM catalog_event WHERE release_id IS NOT NULL", [])
    assert "append-only" in raw_refused("DELETE FROM catalog_release WHERE id = %s", [release.pk])

    assert ReleaseItem.objects.count() == 2
    assert stored(release) == ("1.0.0", "First release", 1)


def test_a_queryset_update_of_releases_cannot_bypass_the_guard(released):
    with pytest.raises(DatabaseError), transaction.atomic():
        Release.objects.update(version="9.9.9")

    assert Release.objects.get().version == "1.0.0"


@pytest.mark.django_db(transaction=True)
def test_flushing_the_database_wipes_releases_and_leaves_their_guard_closed(publisher, items):
    make_plugin(skills=[items["review"]], user=publisher, release=True)

    call_command("flush", interactive=False, verbosity=0)

    assert not Release.objects.exists() and not Plugin.objects.exists()
    user = make_user("after")
    skill = make_skill(name="after-flush", author=user, publish=True)
    release = make_plugin(skills=[skill], user=user, release=True).latest_release
    assert "append-only" in raw_refused("DELETE FROM catalog_releaseitem", [])
    assert "append-only" in raw_refused(
        "UPDATE catalog_release SET notes = 'x' WHERE id = %s", [release.pk]
    )


# -- racing releases (PostgreSQL: SQLite has one writer at a time) ---------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so nothing races",
)
ROUNDS = 6


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_releases_of_one_plugin_get_one_release_and_one_clear_refusal():
    user = make_user("releaser")
    skill = make_skill(author=user, publish=True)
    plugin = make_plugin(skills=[skill], user=user)
    made = []

    for round_ in range(ROUNDS):
        if round_:
            edit(skill, GOOD_COMMAND + f"Round {round_}.\n", user)
        releases, errors = run_together(
            lambda: Plugin.objects.get(pk=plugin.pk).release(user, notes="one"),
            lambda: Plugin.objects.get(pk=plugin.pk).release(user, notes="two"),
        )
        assert len(releases) == 1, f"round {round_}: {errors}"
        assert [type(e) for e in errors] == [ReleaseError]
        assert "Nothing changed since" in errors[0].messages[0]
        made += releases

    rows = list(Release.objects.order_by("sequence").values_list("sequence", "version"))
    assert rows == [(n + 1, f"1.0.{n}") for n in range(ROUNDS)]
    assert [r.version for r in made] == [f"1.0.{n}" for n in range(ROUNDS)]
    assert Plugin.objects.get().latest_release.version == f"1.0.{ROUNDS - 1}"
    assert Event.objects.filter(action="release").count() == ROUNDS


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_racing_releases_asking_different_versions_never_store_both():
    user = make_user("releaser")
    skill = make_skill(author=user, publish=True)
    plugin = make_plugin(skills=[skill], user=user, release=True)
    edit(skill, GOOD_COMMAND + "Changed.\n", user)

    releases, errors = run_together(
        *(
            lambda asked=asked: Plugin.objects.get(pk=plugin.pk).release(user, version=asked)
            for asked in ("1.0.1", "2.0.0", "1.0.1", "1.5.0")
        )
    )

    assert len(releases) == 1
    assert [type(e) for e in errors] == [ReleaseError] * 3
    assert Release.objects.count() == 2
    assert len(set(Release.objects.values_list("version", flat=True))) == 2
    assert ReleaseItem.objects.filter(release=releases[0]).count() == 1


# -- what a release stores ---------------------------------------------------------------


def test_a_pre_release_with_the_same_items_is_promoted_to_its_release(publisher, items):
    plugin = make_plugin(skills=[items["review"]], user=publisher, release=True)
    edit(items["review"], OTHER_COMMAND, publisher)
    assert plugin.release(publisher, version="2.0.0-rc.1").version == "2.0.0-rc.1"

    upcoming = plugin.next_release()
    assert str(upcoming.proposed) == "2.0.0"
    assert upcoming.reason == "the release that 2.0.0-rc.1 was a pre-release of"
    assert plugin.release(publisher).version == "2.0.0"
    assert "Nothing changed since 2.0.0" in refused(plugin, publisher)


def test_releases_of_any_plugin_take_the_next_place_in_the_marketplace(publisher, items):
    first = make_plugin("one-kit", [items["review"]], publisher, release=True).latest_release
    second = make_plugin("two-kit", [items["pdf"]], publisher, release=True).latest_release
    edit(items["review"], OTHER_COMMAND, publisher)
    third = Plugin.objects.get(name="one-kit").release(publisher)
    assert [first.position, second.position, third.position] == [1, 2, 3]


def test_a_release_stores_its_tree_so_reanalysing_or_reconfiguring_changes_no_byte(
    publisher, items, settings
):
    from catalog import plugin_tree

    release = make_plugin(skills=list(items.values()), user=publisher, release=True)
    release = release.latest_release
    before = plugin_tree.release_tree(release)
    assert plugin_tree.files_digest(before) == release.tree_sha256
    settings.SKILLHUB_MARKETPLACE_NAME = "renamed-tools"
    settings.SKILLHUB_PLUGIN_AUTHOR = "Someone Else <else@example.com>"
    Analysis.objects.update(metadata={}, analyser=0)  # as if an analyser forgot everything
    call_command("reanalyse", "--all", stdout=io.StringIO())
    assert plugin_tree.release_tree(Release.objects.get(pk=release.pk)) == before


def test_a_release_past_the_size_limit_is_refused_naming_the_limit(publisher, items, settings):
    settings.SKILLHUB_RELEASE_FILES = 3
    plugin = make_plugin(skills=[items["pdf"]], user=publisher)
    message = refused(plugin, publisher)
    assert "a release holds at most 3 files" in message
    assert "Split the plugin in two" in message
