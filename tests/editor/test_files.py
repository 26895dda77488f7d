"""A skill's files in the editor over real HTTP (CSRF checks on): the tree, opening
files, each change as one new version of the whole tree, merges and conflicts per file,
hostile paths, and the diff of two trees."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from catalog.models import Skill, Version
from catalog.skilltree import TreeFile
from tests.browser import Browser, field_value, messages_shown, one, page, select
from tests.factories import make_skill, make_user
from tests.trees import FORMS_MD, font_bytes, pdf_skill

pytestmark = pytest.mark.django_db

EDIT = "/edit/skills/pdf/"
FILES = "/edit/skills/pdf/files"


@pytest.fixture
def pdf(member):
    text, files = pdf_skill()
    result = Skill.create("skill", "pdf", text, member, "First", files=files)
    return Skill.objects.get(pk=result.version.skill_id)


def editor_value(html: str, name: str) -> str:
    """A field of the editor's own form (the page has other forms with a `text`)."""
    return field_value(one(html, "form", id="edit-form").html, name)


def latest(skill) -> Version:
    return Skill.objects.get(pk=skill.pk).latest


def change(browser, action, base=1, **fields):
    return browser.post(FILES, {"action": action, "base_version": str(base), **fields})


def save_file(browser, path, text, base=1, **extra):
    return change(browser, "save", base, path=path, text=text, **extra)


def file_errors(response) -> str:
    return " ".join(e.text for e in select(page(response), data_file_errors=True))


def other_user_saves(skill, path, data, executable=False):
    """Someone else changes one file of the latest version."""
    skill = Skill.objects.get(pk=skill.pk)
    tree = dict(skill.latest.tree())
    tree[path] = TreeFile(path, data, executable or tree[path].executable)
    who = make_user("alice")
    return skill.save_version(skill.latest.text, who, "Alice", skill.latest.number, files=tree)


# -- the page ------------------------------------------------------------------------


def test_the_edit_page_of_a_skill_lists_skill_md_first_then_its_files_in_nested_folders(
    browser, pdf
):
    html = page(browser.get(EDIT))

    tree = one(html, "nav", class_="file-tree")
    paths = [a.attrs["data-path"] for a in select(tree.html, "a")]
    assert paths[0] == "SKILL.md"
    assert sorted(paths[1:]) == sorted(pdf.latest.tree())
    assert paths[1:] == [
        "assets/fonts/Inter.ttf",
        "assets/template.json",
        "references/forms.md",
        "references/reference.md",
        "scripts/fill/fill_form.py",
        "scripts/check_fields.py",
        "LICENSE.txt",
    ]
    folders = [f.text for f in select(tree.html, "span", class_="folder-name")]
    assert folders == ["assets", "fonts", "references", "scripts", "fill"]
    link = one(tree.html, "a", data_path="references/forms.md")
    assert link.attrs["href"] == "?file=references/forms.md"
    # SKILL.md keeps today's editor.
    assert editor_value(html, "text") == pdf.latest.text
    assert one(html, "form", id="edit-form").attrs.get("action") is None


def test_opening_a_code_file_shows_it_in_the_editor_with_a_highlighted_preview(browser, pdf):
    html = page(browser.get(EDIT, {"file": "scripts/check_fields.py"}))

    form = one(html, "form", id="edit-form")
    assert form.attrs["action"] == FILES
    assert editor_value(html, "text") == pdf.latest.tree()["scripts/check_fields.py"].text
    assert editor_value(html, "path") == "scripts/check_fields.py"
    body = one(html, data_skill_body=True)
    assert select(body.html, "span", class_="tok-kn")  # `import` highlighted as Python


def test_opening_a_markdown_file_previews_it_rendered(browser, pdf):
    html = page(browser.get(EDIT, {"file": "references/forms.md"}))
    body = one(html, data_skill_body=True)
    assert one(body.html, "h1").text == "Filling forms"


def test_a_binary_file_shows_size_digest_and_a_download_link_instead_of_the_editor(browser, pdf):
    font = pdf.latest.tree()["assets/fonts/Inter.ttf"]
    html = page(browser.get(EDIT, {"file": "assets/fonts/Inter.ttf"}))

    assert not select(html, "textarea", id="id_text")
    assert not select(html, "form", id="edit-form")
    facts = one(html, "section", data_binary_file=True)
    assert f"{font.size} bytes" in facts.text
    assert one(facts.html, "code", data_sha256=True).text == font.sha256
    link = one(facts.html, "a", download=True).attrs["href"]
    download = browser.get(link)
    assert download.content == font.data
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")


def test_a_file_the_skill_does_not_have_is_404(browser, pdf):
    assert browser.get(EDIT, {"file": "nope.md"}).status_code == 404


def test_a_command_has_no_file_tree_and_no_file_urls(browser):
    make_skill()
    html = page(browser.get("/edit/commands/review/"))
    assert not select(html, "nav", class_="file-tree")
    assert browser.get("/edit/skills/review/files/x.md").status_code == 404


# -- each change is one new version of the whole tree --------------------------------


def test_saving_a_text_file_makes_one_version_that_changes_only_that_file(browser, pdf):
    before = pdf.latest.tree()
    # A browser sends a textarea's line ends as CRLF; the file keeps its LF ends.
    text = FORMS_MD.replace("\n", "\r\n") + "Ask before guessing a field.\r\n"

    response = save_file(browser, "references/forms.md", text, message="Forms tip")

    assert response.status_code == 302
    assert response.url == EDIT + "?file=references/forms.md"
    version = latest(pdf)
    assert (version.number, version.message, version.text) == (2, "Forms tip", pdf.latest.text)
    tree = version.tree()
    assert (
        tree["references/forms.md"].data == (FORMS_MD + "Ask before guessing a field.\n").encode()
    )
    assert {p: f for p, f in tree.items() if p != "references/forms.md"} == {
        p: f for p, f in before.items() if p != "references/forms.md"
    }


def test_saving_a_file_unchanged_makes_no_version(browser, pdf):
    response = save_file(browser, "references/forms.md", FORMS_MD.replace("\n", "\r\n"))
    assert response.status_code == 302
    assert "No changes" in messages_shown(browser.get(response.url))[0]
    assert latest(pdf).number == 1


def test_adding_a_file_makes_one_version_with_it(browser, pdf):
    response = change(browser, "add", path="references/api.md", text="# API\n")
    assert response.status_code == 302
    assert response.url == EDIT + "?file=references/api.md"
    tree = latest(pdf).tree()
    assert set(tree) == set(pdf.latest.tree()) | {"references/api.md"}
    assert tree["references/api.md"].data == b"# API\n"


def test_uploading_a_binary_file_makes_one_version_with_its_bytes(browser, pdf):
    data = font_bytes(2048, seed=3)
    upload = SimpleUploadedFile("logo.png", data, content_type="image/png")

    response = change(browser, "upload", path="assets/", upload=upload)

    assert response.status_code == 302
    version = latest(pdf)
    assert version.number == 2
    assert version.tree()["assets/logo.png"].data == data
    assert len(version.tree()) == len(pdf.latest.tree()) + 1


def test_renaming_a_file_keeps_its_bytes_and_mode_under_the_new_path(browser, pdf):
    old = pdf.latest.tree()["scripts/check_fields.py"]
    response = change(
        browser, "rename", path="scripts/check_fields.py", new_path="scripts/fields.py"
    )
    assert response.status_code == 302
    tree = latest(pdf).tree()
    assert "scripts/check_fields.py" not in tree
    assert tree["scripts/fields.py"].same(TreeFile("scripts/fields.py", old.data, True))


def test_deleting_a_file_makes_one_version_without_it(browser, pdf):
    response = change(browser, "delete", path="LICENSE.txt")
    assert (response.status_code, response.url) == (302, EDIT)
    assert set(latest(pdf).tree()) == set(pdf.latest.tree()) - {"LICENSE.txt"}


def test_toggling_the_executable_bit_flips_only_that_file(browser, pdf):
    assert change(browser, "mode", path="scripts/check_fields.py").status_code == 302
    assert change(browser, "mode", base=2, path="assets/template.json").status_code == 302
    tree = latest(pdf).tree()
    assert latest(pdf).number == 3
    assert tree["scripts/check_fields.py"].executable is False
    assert tree["assets/template.json"].executable is True
    assert tree["scripts/fill/fill_form.py"].executable is True


def test_saving_skill_md_keeps_every_file(browser, pdf):
    response = browser.post(EDIT, {"text": pdf.latest.text + "More.\n", "base_version": "1"})
    assert response.status_code == 302
    assert latest(pdf).tree() == pdf.latest.tree()


# -- stale saves merge file by file ----------------------------------------------------


def test_a_stale_save_of_a_different_file_merges_both_changes(browser, pdf):
    other_user_saves(pdf, "LICENSE.txt", b"Licensed under MIT.\n")

    response = save_file(browser, "references/forms.md", FORMS_MD + "Mine.\n", base=1)

    assert response.status_code == 302
    version = latest(pdf)
    assert version.number == 3
    assert "Merged with changes by alice in v2" in messages_shown(browser.get(response.url))[0]
    tree = version.tree()
    assert tree["LICENSE.txt"].data == b"Licensed under MIT.\n"
    assert tree["references/forms.md"].text == FORMS_MD + "Mine.\n"


LINES = "".join(f"line {n}\nkeep {n}\n" for n in range(6))


@pytest.fixture
def notes(pdf):
    """v2 of the skill has references/notes.md of numbered lines."""
    tree = {**pdf.latest.tree(), "references/notes.md": TreeFile("references/notes.md", b"")}
    tree["references/notes.md"] = TreeFile("references/notes.md", LINES.encode())
    pdf.save_version(pdf.latest.text, None, "Notes", 1, files=tree)
    return pdf


def test_edits_to_different_lines_of_one_file_on_both_sides_merge(browser, notes):
    other_user_saves(notes, "references/notes.md", LINES.replace("line 0", "theirs 0").encode())

    response = save_file(browser, "references/notes.md", LINES.replace("line 5", "mine 5"), base=2)

    assert response.status_code == 302
    text = latest(notes).tree()["references/notes.md"].text
    assert text == LINES.replace("line 0", "theirs 0").replace("line 5", "mine 5")


def test_edits_to_the_same_lines_of_one_file_are_a_conflict_naming_it_that_stores_nothing(
    browser, notes
):
    other_user_saves(notes, "references/notes.md", LINES.replace("line 2", "theirs 2").encode())
    mine = LINES.replace("line 2", "mine 2")

    response = save_file(browser, "references/notes.md", mine, base=2, message="Mine")

    assert response.status_code == 409
    html = page(response)
    conflict = one(html, "section", class_="conflict")
    named = one(conflict.html, "li", data_conflict_file="references/notes.md")
    assert "same lines" in named.text
    assert "theirs 2" in named.text and "mine 2" in named.text
    # Nothing is lost: my text is still in the editor, on the version it began from.
    assert editor_value(html, "text") == mine
    assert editor_value(html, "base_version") == "2"
    assert editor_value(html, "message") == "Mine"
    assert latest(notes).number == 3


def test_the_resolve_button_saves_my_file_on_top_of_theirs(browser, notes):
    other_user_saves(notes, "references/notes.md", LINES.replace("line 2", "theirs 2").encode())
    mine = LINES.replace("line 2", "mine 2")
    save_file(browser, "references/notes.md", mine, base=2)

    response = save_file(browser, "references/notes.md", mine, base=2, resolved_version="3")

    assert response.status_code == 302
    version = latest(notes)
    assert (version.number, version.base_number) == (4, 3)
    assert version.tree()["references/notes.md"].text == mine


def test_the_same_binary_changed_on_both_sides_is_a_conflict_that_keeps_my_upload(browser, pdf):
    theirs, mine = font_bytes(512, seed=1), font_bytes(512, seed=2)
    other_user_saves(pdf, "assets/fonts/Inter.ttf", theirs)
    upload = SimpleUploadedFile("Inter.ttf", mine)

    response = change(browser, "upload", path="assets/fonts/Inter.ttf", upload=upload)

    assert response.status_code == 409
    html = page(response)
    named = one(html, "li", data_conflict_file="assets/fonts/Inter.ttf")
    assert "binary file changed on both sides" in named.text
    assert latest(pdf).number == 2
    kept = one(html, "form", data_kept_change=True).html
    assert field_value(kept, "upload_sha256") == hashlib.sha256(mine).hexdigest()

    # Keeping my change sends nothing twice: the kept upload is saved on top of theirs.
    data = {i.attrs["name"]: i.attrs.get("value", "") for i in select(kept, "input")}
    del data["csrfmiddlewaretoken"]
    response = browser.post(FILES, {**data, "resolved_version": "2"})
    assert response.status_code == 302
    assert latest(pdf).tree()["assets/fonts/Inter.ttf"].data == mine


def test_deleting_a_file_someone_changed_since_is_a_conflict(browser, pdf):
    other_user_saves(pdf, "LICENSE.txt", b"Changed.\n")
    response = change(browser, "delete", path="LICENSE.txt")
    assert response.status_code == 409
    assert "you deleted it" in one(page(response), "li", data_conflict_file="LICENSE.txt").text
    assert latest(pdf).number == 2


# -- refused changes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"action": "add", "path": "../x.md", "text": "x"}, "../x.md"),
        ({"action": "add", "path": "a\\b.md", "text": "x"}, "a\\b.md"),
        ({"action": "add", "path": "license.TXT", "text": "x"}, "license.TXT"),
        ({"action": "add", "path": "SKILL.md", "text": "x"}, "SKILL.md"),
        ({"action": "add", "path": "LICENSE.txt", "text": "x"}, "already exists"),
        ({"action": "add", "path": "/etc/passwd", "text": "x"}, "/etc/passwd"),
        ({"action": "rename", "path": "LICENSE.txt", "new_path": "scripts"}, "scripts"),
        ({"action": "rename", "path": "LICENSE.txt", "new_path": "assets/template.json"}, "exists"),
        ({"action": "delete", "path": "nope.txt"}, "no file nope.txt"),
        ({"action": "upload", "path": "assets/"}, "Choose a file"),
        ({"action": "rename", "path": "LICENSE.txt"}, "new path"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_a_bad_change_is_a_clear_form_error_and_makes_no_version(browser, pdf, fields, says):
    response = browser.post(FILES, {**fields, "base_version": "1"})

    assert response.status_code == 400
    assert says in file_errors(response)
    assert latest(pdf).number == 1


@override_settings(
    SKILLHUB_SKILL_LIMITS={"max_file_bytes": 1000, "max_total_bytes": 30_000, "max_files": 1000}
)
def test_a_file_over_the_per_file_limit_is_refused_with_the_limit(browser, pdf):
    upload = SimpleUploadedFile("big.bin", b"\x00" * 1001)
    response = change(browser, "upload", path="assets/", upload=upload)
    assert response.status_code == 400
    assert "1,001 bytes, over the limit of 1,000" in file_errors(response)
    added = change(browser, "add", path="notes.md", text="x" * 1001)
    assert added.status_code == 400
    assert "over the limit of 1,000" in file_errors(added)
    assert latest(pdf).number == 1


def test_a_base_version_that_does_not_exist_is_a_form_error(browser, pdf):
    response = change(browser, "delete", base=9, path="LICENSE.txt")
    assert response.status_code == 400
    assert "There is no v9" in file_errors(response)


def test_changing_files_needs_a_signed_in_member_and_the_csrf_token(pdf, member):
    anonymous = Browser().post(FILES, {"action": "delete", "path": "LICENSE.txt"})
    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/accounts/login/")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    forged = client.post(FILES, {"action": "delete", "path": "LICENSE.txt", "base_version": "1"})
    assert forged.status_code == 403
    assert latest(pdf).number == 1


# -- preview: links and missing files ----------------------------------------------------


def test_the_live_preview_links_the_editors_files_and_warns_of_a_missing_one(browser, pdf):
    text = pdf.latest.text + "\nSee [the missing guide](references/missing.md).\n"
    data = {"text": text, "kind": "skill", "name": "pdf", "base_version": "1"}

    html = page(browser.post("/edit/preview", data, htmx=True))

    body = one(html, data_skill_body=True)
    hrefs = [a.attrs["href"] for a in select(body.html, "a")]
    assert "/edit/skills/pdf/files/references/forms.md" in hrefs
    assert browser.get("/edit/skills/pdf/files/references/forms.md").content == FORMS_MD.encode()
    warning = one(html, "li", data_severity="warning")
    assert "references/missing.md" in warning.text
    line = text.split("\n").index("See [the missing guide](references/missing.md).") + 1
    assert f"Line {line}" in warning.text


def test_the_preview_of_a_code_file_is_highlighted(browser, pdf):
    data = {"text": "import os\n", "kind": "skill", "name": "pdf", "base_version": "1"}
    html = page(browser.post("/edit/preview", {**data, "path": "scripts/x.py"}, htmx=True))
    assert select(html, "span", class_="tok-kn")


def test_the_editor_serves_a_file_of_any_version(browser, pdf):
    save_file(browser, "references/forms.md", "# New\n")
    old = browser.get("/edit/skills/pdf/files/references/forms.md", {"version": "1"})
    new = browser.get("/edit/skills/pdf/files/references/forms.md")
    assert (old.content, new.content) == (FORMS_MD.encode(), b"# New\n")
    assert browser.get("/edit/skills/pdf/files/nope.md").status_code == 404


# -- the diff of two trees ---------------------------------------------------------------


def test_the_diff_page_lists_added_removed_renamed_mode_and_binary_changes(browser, pdf):
    tree = dict(pdf.latest.tree())
    tree["references/api.md"] = TreeFile("references/api.md", b"# API\n")
    del tree["LICENSE.txt"]
    tree["scripts/fields.py"] = TreeFile(
        "scripts/fields.py", tree.pop("scripts/check_fields.py").data, True
    )
    tree["assets/template.json"] = TreeFile(
        "assets/template.json", tree["assets/template.json"].data, True
    )
    tree["assets/fonts/Inter.ttf"] = TreeFile("assets/fonts/Inter.ttf", font_bytes(100, seed=9))
    tree["references/forms.md"] = TreeFile("references/forms.md", (FORMS_MD + "More.\n").encode())
    pdf.save_version(pdf.latest.text, None, "Many", 1, files=tree)

    html = page(browser.get(EDIT + "diff", {"from": "1", "to": "2"}))

    rows = {r.attrs["data-path"]: r for r in select(html, "tr", data_file_change=True)}
    status = {path: row.attrs["data-file-change"] for path, row in rows.items()}
    assert status == {
        "references/api.md": "added",
        "LICENSE.txt": "removed",
        "scripts/fields.py": "renamed",
        "assets/template.json": "mode",
        "assets/fonts/Inter.ttf": "modified",
        "references/forms.md": "modified",
    }
    assert "scripts/check_fields.py" in rows["scripts/fields.py"].text
    assert "644 → 755" in rows["assets/template.json"].text
    font = rows["assets/fonts/Inter.ttf"].text
    assert "4096 bytes" in font and "100 bytes" in font and "binary" in font
    diff = one(html, "section", data_file_diff="references/forms.md")
    assert "More." in diff.text
    assert select(html, "section", data_file_diff="references/api.md")


def test_the_diff_of_a_single_file_item_shows_no_file_section(browser):
    skill = make_skill()
    skill.save_version(skill.latest.text + "More.\n", None, base_number=1)
    html = page(browser.get("/edit/commands/review/diff", {"from": "1", "to": "2"}))
    assert not select(html, "table", data_file_changes=True)


def test_saving_a_file_the_version_does_not_have_is_a_form_error_on_the_skill_md_page(browser, pdf):
    response = save_file(browser, "references/gone.md", "# Gone\n")
    assert response.status_code == 400
    assert "v1 has no file references/gone.md" in file_errors(response)
    assert editor_value(page(response), "text") == pdf.latest.text


def test_a_file_diff_too_large_for_the_page_links_both_versions_instead(browser, pdf):
    tree = dict(pdf.latest.tree())
    tree["references/forms.md"] = TreeFile("references/forms.md", b"line\n" * 20_001)
    pdf.save_version(pdf.latest.text, None, "Long", 1, files=tree)

    html = page(browser.get(EDIT + "diff", {"from": "1", "to": "2"}))

    row = one(html, "tr", data_path="references/forms.md")
    links = [a.attrs["href"] for a in select(row.html, "a", download=True)]
    assert links == [
        "/edit/skills/pdf/files/references/forms.md?version=1",
        "/edit/skills/pdf/files/references/forms.md?version=2",
    ]
    assert not select(html, "section", data_file_diff="references/forms.md")
