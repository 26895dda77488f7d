"""Renaming an item (Skill.rename): its URLs move to the new name, every old URL redirects
there (catalog.redirects), the text's own `name` follows, and nothing is lost or taken
from anyone else on the way."""

import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from catalog.models import Event, ItemRedirect, Skill
from catalog.skillfile import fixes
from tests.browser import Browser
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db

PDF = "---\nname: pdf  # the folder's name\ndescription: Fill PDF forms\n---\nFill the form.\n"


@pytest.fixture
def pat():
    return make_user("pat", publisher=True)


def location(response) -> str:
    assert response.status_code in (301, 308), response.status_code
    return response["Location"]


def test_every_public_url_of_a_renamed_command_redirects_to_its_new_name(pat):
    skill = make_skill(name="review", publish=True)
    skill.rename("code-review", pat)
    client = Client()
    assert location(client.get("/commands/review/")) == "/commands/code-review/"
    assert location(client.get("/commands/review/raw")) == "/commands/code-review/raw"
    assert location(client.get("/api/skills/command/review")) == "/api/skills/command/code-review"
    followed = client.get("/commands/review/", follow=True)
    assert followed.status_code == 200 and "/code-review" in followed.content.decode()
    assert client.get("/commands/review/raw", follow=True).content.decode() == GOOD_COMMAND


def test_a_redirect_keeps_the_query_string_and_may_be_cached_for_an_hour_only(pat):
    make_skill(name="review", publish=True).rename("code-review", pat)
    response = Client().get("/commands/review/?arguments=src%2Fapp.py")
    assert location(response) == "/commands/code-review/?arguments=src%2Fapp.py"
    assert response.status_code == 301 and response["Cache-Control"] == "max-age=3600"


def test_head_is_redirected_like_get(pat):
    make_skill(name="review", publish=True).rename("code-review", pat)
    response = Client().head("/commands/review/raw")
    assert response.status_code == 301 and response["Location"] == "/commands/code-review/raw"


def test_a_command_keeps_its_text_when_renamed_as_its_path_names_it(pat):
    skill = make_skill(name="review", publish=True)
    assert skill.rename("code-review", pat) is None
    skill.refresh_from_db()
    assert skill.latest.number == 1 and skill.published.number == 1
    assert skill.bundle_path == ".claude/commands/code-review.md"


def test_a_published_skill_renamed_publishes_a_version_whose_name_field_says_the_new_name(pat):
    skill = make_skill("skill", "pdf", PDF, author=pat, publish=True)
    result = skill.rename("pdf-forms", pat)
    skill.refresh_from_db()
    assert result is not None and skill.latest == result.version == skill.published
    assert skill.latest.text == PDF.replace("name: pdf ", "name: pdf-forms ")
    assert skill.latest.result == "ok"
    assert skill.latest.message == "Renamed from pdf"
    archive = Client().get("/skills/pdf.zip", follow=True)
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as folder:
        assert "name: pdf-forms" in folder.read("SKILL.md").decode()
    index = json.loads(Client().get("/.well-known/agent-skills/index.json").content)
    assert [entry["name"] for entry in index["skills"]] == ["pdf-forms"]


def test_a_draft_skill_renamed_gets_a_new_draft_version_and_stays_a_draft(pat):
    skill = make_skill("skill", "pdf", PDF, author=pat)
    skill.rename("pdf-forms", pat)
    skill.refresh_from_db()
    assert skill.latest.number == 2 and skill.published is None
    assert skill.latest.metadata["name"] == "pdf-forms"


def test_a_skill_whose_live_version_is_older_than_its_latest_is_not_renamed_yet(pat):
    skill = make_skill("skill", "pdf", PDF, author=pat, publish=True)
    skill.save_version(PDF + "More.\n", pat, base_number=1)
    with pytest.raises(ValidationError, match=r"publish v2 .* first"):
        skill.rename("pdf-forms", pat)
    skill.refresh_from_db()
    assert skill.name == "pdf" and not ItemRedirect.objects.exists()
    assert Client().get("/skills/pdf/").status_code == 200


@pytest.mark.parametrize(
    ("new_name", "why"),
    [
        ("taken", "already exists"),
        ("TAKEN", "already exists"),  # names are unique case-insensitively
        ("shelved", "archived"),
        ("Not A Name!", "Not a valid name"),
        ("review", "already"),
    ],
)
def test_a_rename_to_a_name_it_cannot_have_is_refused_and_changes_nothing(pat, new_name, why):
    skill = make_skill(name="review", publish=True)
    make_skill(name="taken")
    make_skill(name="shelved").archive(pat)
    events = Event.objects.count()
    with pytest.raises(ValidationError, match=why):
        skill.rename(new_name, pat)
    assert Skill.objects.get(pk=skill.pk).name == "review"
    assert Event.objects.count() == events and not ItemRedirect.objects.exists()


def test_a_name_renamed_twice_redirects_straight_to_the_current_one(pat):
    skill = make_skill(name="review", publish=True)
    skill.rename("code-review", pat)
    skill.rename("pr-review", pat)
    assert location(Client().get("/commands/review/")) == "/commands/pr-review/"
    assert location(Client().get("/commands/code-review/")) == "/commands/pr-review/"


def test_renaming_back_to_an_old_name_takes_it_back_from_the_redirect(pat):
    skill = make_skill(name="review", publish=True)
    skill.rename("code-review", pat)
    skill.rename("review", pat)
    assert Client().get("/commands/review/").status_code == 200
    assert location(Client().get("/commands/code-review/")) == "/commands/review/"
    assert list(ItemRedirect.objects.values_list("name", flat=True)) == ["code-review"]


def test_a_new_item_given_an_old_name_wins_over_the_redirect(pat):
    make_skill(name="review", publish=True).rename("code-review", pat)
    make_skill(name="review", author=pat)  # a draft: its public page does not exist yet
    assert Client().get("/commands/review/").status_code == 404
    assert not ItemRedirect.objects.exists()


def test_an_archived_items_old_names_no_longer_redirect(pat):
    skill = make_skill(name="review", publish=True)
    skill.rename("code-review", pat)
    skill.archive(pat)
    assert Client().get("/commands/review/").status_code == 404
    assert Client().get("/commands/code-review/").status_code == 410


def test_the_rename_is_recorded_with_both_names_and_logged(pat, caplog):
    skill = make_skill(name="review", publish=True)
    with caplog.at_level("INFO", logger="skillhub.write"):
        skill.rename("code-review", pat)
    event = Event.objects.get(action="rename")
    assert (event.skill, event.actor, event.detail) == (skill, pat, "review → code-review")
    [record] = [r for r in caplog.records if r.fields["action"] == "rename"]
    assert record.fields["item"] == "command/code-review"
    assert record.fields["detail"] == "review → code-review"


def test_a_save_posted_to_the_old_name_is_redirected_with_its_body_and_merges(pat):
    # An editor tab opened before the rename still posts to the old URL: 308 keeps the
    # method and the body, so the save lands on the item instead of a 404.
    skill = make_skill(name="review", text=GOOD_COMMAND, publish=True)
    browser = Browser(pat)
    skill.rename("code-review", pat)
    data = {"text": GOOD_COMMAND + "Mine.\n", "base_version": "1", "message": "m"}
    response = browser.post("/edit/commands/review/", data)
    assert location(response) == "/edit/commands/code-review/"
    assert response.status_code == 308
    saved = browser.post(response["Location"], data)
    assert saved.status_code == 302
    assert Skill.objects.get(pk=skill.pk).latest.text == GOOD_COMMAND + "Mine.\n"


def test_a_missing_url_is_still_a_plain_404_under_a_current_or_unknown_name(pat):
    make_skill(name="review", publish=True).rename("code-review", pat)
    assert Client().get("/commands/nothing/").status_code == 404
    assert Client().get("/api/skills/command/nothing").status_code == 404
    assert Client().get("/skills/review/").status_code == 404  # the old name was a command's
    history = "/edit/commands/code-review/diff?from=99&to=1"
    assert Browser(pat).get(history).status_code == 404


def test_with_name_changes_only_the_name_line_keeping_its_comment():
    text = "---\ndescription: d\nname: 'old'  # why\n---\nname: old in the body\n"
    assert fixes.with_name(text, "new") == (
        "---\ndescription: d\nname: new  # why\n---\nname: old in the body\n"
    )


def test_with_name_quotes_a_name_yaml_would_read_as_another_type():
    assert fixes.with_name("---\nname: old\n---\n", "123") == '---\nname: "123"\n---\n'


def test_with_name_leaves_a_text_without_a_one_line_name_field_alone():
    assert fixes.with_name("Just a body.\n", "new") is None
    assert fixes.with_name("---\nname: >\n  old\n---\n", "new") is None


def test_the_public_side_never_redirects_to_a_drafts_new_name(pat):
    make_skill(name="review").rename("secret-plan", pat)  # a draft, never published
    assert Client().get("/commands/review/").status_code == 404
    assert Client().get("/api/skills/command/review").status_code == 404
    editor = Browser(pat).get("/edit/commands/review/")
    assert location(editor) == "/edit/commands/secret-plan/"  # the team still finds it
