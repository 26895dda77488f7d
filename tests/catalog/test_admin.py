import pytest
from django.test import Client

from catalog.models import Event, Plugin, Release, Skill, Version
from tests.factories import make_plugin, make_skill, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client(enforce_csrf_checks=False)
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_archives_through_the_domain_so_the_item_leaves_the_public_site(admin_client):
    skill = make_skill(name="review", publish=True)
    response = admin_client.post(
        "/admin/catalog/skill/", {"action": "archive", "_selected_action": [skill.pk]}
    )
    assert response.status_code == 302
    skill.refresh_from_db()
    assert skill.archived and skill.published is None
    assert Event.objects.filter(action="archive", skill=skill).exists()
    assert Client().get("/commands/review/").status_code == 410  # gone, and says so


def test_the_admin_brings_an_archived_item_back_as_a_draft(admin_client):
    skill = make_skill(name="review", publish=True)
    skill.archive(None)
    response = admin_client.post(
        "/admin/catalog/skill/", {"action": "unarchive", "_selected_action": [skill.pk]}
    )
    assert response.status_code == 302
    skill.refresh_from_db()
    assert not skill.archived and skill.published is None
    assert Event.objects.filter(action="unarchive", skill=skill).exists()
    assert Client().get("/commands/review/").status_code == 410  # not public until published


def test_the_admin_cannot_add_change_or_delete_versions_events_or_item_names(admin_client):
    skill = make_skill(name="review")
    version = skill.latest
    assert admin_client.get("/admin/catalog/version/add/").status_code == 403
    assert admin_client.get("/admin/catalog/event/add/").status_code == 403
    assert admin_client.get(f"/admin/catalog/version/{version.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/catalog/skill/{skill.pk}/change/", {"name": "Evil Name"})
    assert Skill.objects.get(pk=skill.pk).name == "review"
    assert Version.objects.get(pk=version.pk).text == version.text


def test_the_admin_shows_plugins_and_releases_with_their_pins_and_changes_neither(admin_client):
    publisher = make_user("publisher", publisher=True)
    skill = make_skill(name="review", author=publisher, publish=True)
    plugin = make_plugin(skills=[skill], user=publisher, release=True, description="Kit")
    release = plugin.latest_release

    listed = admin_client.get("/admin/catalog/release/")
    shown = admin_client.get(f"/admin/catalog/release/{release.pk}/change/")
    plugin_page = admin_client.get(f"/admin/catalog/plugin/{plugin.pk}/change/")
    events = admin_client.get("/admin/catalog/event/")

    assert listed.status_code == shown.status_code == plugin_page.status_code == 200
    assert "1.0.0" in listed.content.decode()
    assert "command review v1" in shown.content.decode()
    assert "command review" in plugin_page.content.decode()
    assert "plugin team-kit 1.0.0" in events.content.decode()
    for url in ("/admin/catalog/release/add/", "/admin/catalog/plugin/add/"):
        assert admin_client.get(url).status_code == 403
    assert admin_client.get(f"/admin/catalog/release/{release.pk}/delete/").status_code == 403
    assert admin_client.get(f"/admin/catalog/plugin/{plugin.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/catalog/release/{release.pk}/change/", {"notes": "rewritten"})
    admin_client.post(f"/admin/catalog/plugin/{plugin.pk}/change/", {"description": "Evil"})
    assert Release.objects.get().notes == "First release"
    assert Plugin.objects.get().description == "Kit"
