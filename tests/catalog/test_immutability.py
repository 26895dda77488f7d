"""Versions are append-only in the database itself, not only in Version.save."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from catalog.immutability import allow_version_deletes
from catalog.models import Skill, Version
from tests.factories import GOOD_COMMAND, make_skill, raw, raw_refused

pytestmark = pytest.mark.django_db


def stored_row(version: Version) -> tuple:
    return Version.objects.filter(pk=version.pk).values_list("text", "number", "sha256").get()


def test_a_raw_update_of_a_version_is_refused_and_leaves_the_row_unchanged():
    version = make_skill().latest
    before = stored_row(version)

    error = raw_refused(
        "UPDATE catalog_version SET text = %s WHERE id = %s", ["tampered", version.pk]
    )

    assert "append-only" in error
    assert stored_row(version) == before


def test_a_raw_delete_of_a_version_is_refused_and_leaves_the_row_in_place():
    version = make_skill().latest
    before = stored_row(version)

    error = raw_refused("DELETE FROM catalog_version WHERE id = %s", [version.pk])

    assert "append-only" in error
    assert stored_row(version) == before


def test_a_queryset_update_cannot_bypass_the_guard():
    version = make_skill().latest

    with pytest.raises(DatabaseError), transaction.atomic():
        Version.objects.filter(pk=version.pk).update(message="rewritten history")

    assert Version.objects.get(pk=version.pk).message == version.message


def test_a_queryset_delete_of_every_version_is_refused():
    make_skill(name="one")
    make_skill(name="two").save_version(GOOD_COMMAND + "more\n", None, base_number=1)

    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM catalog_version", [])

    assert Version.objects.count() == 3


def test_versions_can_be_deleted_only_inside_allow_version_deletes():
    kept, wiped = make_skill(name="kept").latest, make_skill(name="wiped").latest

    with allow_version_deletes():
        raw("UPDATE catalog_skill SET latest_id = NULL WHERE id = %s", [wiped.skill_id])
        raw("DELETE FROM catalog_analysis WHERE version_id = %s", [wiped.pk])
        raw("DELETE FROM catalog_version WHERE id = %s", [wiped.pk])

    assert not Version.objects.filter(pk=wiped.pk).exists()
    raw_refused("DELETE FROM catalog_version WHERE id = %s", [kept.pk])
    assert Version.objects.filter(pk=kept.pk).exists()


def test_allow_version_deletes_still_refuses_updates():
    version = make_skill().latest
    before = stored_row(version)

    with allow_version_deletes():
        raw_refused("UPDATE catalog_version SET text = %s WHERE id = %s", ["tampered", version.pk])

    assert stored_row(version) == before


def test_an_error_inside_allow_version_deletes_leaves_the_guard_closed():
    version = make_skill().latest

    with pytest.raises(ZeroDivisionError), allow_version_deletes():
        raise ZeroDivisionError("the wipe failed half-way")

    raw_refused("DELETE FROM catalog_version WHERE id = %s", [version.pk])


@pytest.mark.django_db(transaction=True)
def test_flushing_the_database_wipes_versions_and_leaves_the_guard_closed():
    make_skill()

    call_command("flush", interactive=False, verbosity=0)

    assert Version.objects.count() == 0
    assert Skill.objects.count() == 0
    version = make_skill(name="after-flush").latest
    raw_refused("DELETE FROM catalog_version WHERE id = %s", [version.pk])
    assert Version.objects.filter(pk=version.pk).exists()
