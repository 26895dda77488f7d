"""Renaming and archiving from the edit page: publishers only, each behind a second
step, with what it does said first, and the result said after."""

import pytest

from catalog.models import Event, Skill
from tests.browser import Browser, messages_shown, one, page, select
from tests.factories import make_skill, make_user

pytestmark = pytest.mark.django_db

PDF = "---\nname: pdf\ndescription: Fill PDF forms\n---\nFill the form.\n"


@pytest.fixture
def publisher():
    return Browser(make_user("pat", publisher=True))


def test_the_panel_says_what_a_rename_and_an_archive_do_before_either_is_done(publisher):
    skill = make_skill("skill", "pdf", PDF, publish=True)
    Skill.objects.filter(pk=skill.pk).update(downloads=3)
    html = page(publisher.get("/edit/skills/pdf/"))
    panel = one(html, "section", data_housekeeping=True)
    rename = one(panel.html, "details", class_="rename")
    assert "the old ones redirect there" in rename.text
    assert "changed to match, as a new version, which is published in place of v1" in rename.text
    archive = one(panel.html, "details", class_="archive")
    assert "after 3 downloads" in archive.text and "an admin can bring it back" in archive.text


def test_members_do_not_see_rename_or_archive(publisher):
    make_skill(name="review")
    html = page(Browser(make_user("mo")).get("/edit/commands/review/"))
    assert select(html, "section", data_housekeeping=True) == []


def test_renaming_from_the_editor_lands_on_the_new_edit_page_and_says_so(publisher):
    make_skill("skill", "pdf", PDF, publish=True)
    response = publisher.post("/edit/skills/pdf/rename", {"name": "pdf-forms"})
    assert response.status_code == 302 and response["Location"] == "/edit/skills/pdf-forms/"
    said = " ".join(messages_shown(publisher.get(response["Location"])))
    assert (
        said == "Renamed /pdf to /pdf-forms; its old URLs redirect here. v2 carries the new name."
    )
    assert publisher.get("/edit/skills/pdf/")["Location"] == "/edit/skills/pdf-forms/"


def test_a_refused_rename_stays_on_the_edit_page_and_says_why(publisher):
    make_skill(name="review")
    make_skill(name="taken")
    response = publisher.post("/edit/commands/review/rename", {"name": "taken"})
    assert response["Location"] == "/edit/commands/review/"
    said = " ".join(messages_shown(publisher.get(response["Location"])))
    assert said == "A command called 'taken' already exists."
    assert Skill.objects.filter(name="review").exists()


def test_archiving_from_the_editor_takes_it_off_the_dashboard_and_the_catalog(publisher):
    make_skill(name="review", publish=True)
    response = publisher.post("/edit/commands/review/archive")
    assert response["Location"] == "/edit/"
    dashboard = publisher.get("/edit/")
    assert " ".join(messages_shown(dashboard)).startswith(
        "Archived /review: it has left the catalog"
    )
    assert select(page(dashboard), "a", href="/edit/commands/review/") == []
    assert publisher.get("/edit/commands/review/").status_code == 404
    assert Browser().get("/commands/review/").status_code == 410


def test_the_audit_page_shows_a_rename_with_both_names_and_finds_it_by_the_old_one(publisher):
    make_skill(name="review").rename("code-review", None)
    html = page(publisher.get("/edit/audit", {"q": "review →"}))
    [row] = [r for r in select(html, "tr") if "renamed" in r.text]
    assert "/code-review (review → code-review)" in row.text
    assert Event.objects.filter(action="rename").count() == 1
