import pytest
from django.test import Client

from catalog.models import Event, Skill, Version
from tests.factories import make_skill, make_user

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
    assert Client().get("/commands/review/").status_code == 404


def test_the_admin_cannot_add_change_or_delete_versions_events_or_item_names(admin_client):
    skill = make_skill(name="review")
    version = skill.latest
    assert admin_client.get("/admin/catalog/version/add/").status_code == 403
    assert admin_client.get("/admin/catalog/event/add/").status_code == 403
    assert admin_client.get(f"/admin/catalog/version/{version.pk}/delete/").status_code == 403
    admin_client.post(f"/admin/catalog/skill/{skill.pk}/change/", {"name": "Evil Name"})
    assert Skill.objects.get(pk=skill.pk).name == "review"
    assert Version.objects.get(pk=version.pk).text == version.text
