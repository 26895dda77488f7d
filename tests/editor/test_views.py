"""The team's editor over real HTTP: CSRF checks on, tokens read the way a browser reads them."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog import bundles, rendering, skillfile
from catalog.exporting import bundle_items
from catalog.models import Event, Skill, Version
from catalog.skillfile import bundle_path
from tests.browser import Browser, Found, field_value, messages_shown, one, page, select
from tests.factories import GOOD_COMMAND, make_skill, make_user, numbered_lines
from tests.shared import jsonl, needs_shared
from tests.trees import zip_of

pytestmark = pytest.mark.django_db

BROKEN = "---\ndescription: [unclosed\n---\nBody\n"
EDIT = "/edit/commands/review/"


def counts() -> tuple[int, int, int]:
    return Skill.objects.count(), Version.objects.count(), Event.objects.count()


@pytest.fixture
def publisher_browser(publisher):
    return Browser(publisher)


# -- signing in and CSRF -------------------------------------------------------------


def test_signing_in_with_username_and_password_lands_on_the_dashboard(member):
    browser = Browser()
    login_page = browser.get("/accounts/login/", {"next": "/edit/"})
    assert login_page.status_code == 200
    response = browser.post(
        "/accounts/login/", {"username": "member", "password": "pw-member", "next": "/edit/"}
    )
    assert response.status_code == 302
    assert response.url == "/edit/"
    dashboard = browser.get("/edit/")
    assert dashboard.status_code == 200
    assert "Sign out member" in one(page(dashboard), "nav").text


def test_a_wrong_password_does_not_sign_in(member):
    browser = Browser()
    response = browser.post("/accounts/login/", {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert browser.get("/edit/").status_code == 302


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/edit/new", {"kind": "command", "name": "sneaky", "text": GOOD_COMMAND})
    assert response.status_code == 403
    assert counts() == (0, 0, 0)


# -- dashboard ---------------------------------------------------------------------


def dashboard_row(html: str, display_name: str) -> Found:
    rows = [
        row
        for row in select(html, "tr")
        if any(strong.text == display_name for strong in select(row.html, "strong"))
    ]
    assert len(rows) == 1, f"no single row for {display_name}"
    return rows[0]


def badges(row: Found) -> list[str]:
    return [badge.text for badge in select(row.html, "span", class_="badge")]


def test_dashboard_lists_every_item_with_slash_name_state_result_and_last_author(browser):
    alice, bob = make_user("alice"), make_user("bob")
    make_skill("command", "git:commit", author=alice)
    make_skill("command", "deploy", author=bob, publish=True)
    changed = make_skill("command", "review", author=bob, publish=True)
    changed.save_version(GOOD_COMMAND + "More.\n", alice, base_number=1)
    make_skill("agent", "broken", text=BROKEN, author=bob)

    html = page(browser.get("/edit/"))

    assert badges(dashboard_row(html, "/git:commit")) == ["draft", "ok"]
    assert badges(dashboard_row(html, "/deploy")) == ["published", "ok"]
    assert badges(dashboard_row(html, "/review")) == ["changed since published", "ok"]
    assert badges(dashboard_row(html, "broken")) == ["draft", "error"]
    assert "v1 · alice" in dashboard_row(html, "/git:commit").text
    assert "v2 · alice" in dashboard_row(html, "/review").text
    assert "v1 · bob" in dashboard_row(html, "broken").text


def dashboard_names(browser, **params) -> set[str]:
    html = page(browser.get("/edit/", params))
    return {strong.text for strong in select(one(html, id="items").html, "strong")}


def test_dashboard_search_matches_names_and_descriptions(browser):
    make_skill("command", "git:commit")
    make_skill("command", "deploy", text="---\ndescription: Ship it to staging\n---\nGo.\n")
    make_skill("skill", "pdf-tools")
    assert dashboard_names(browser, q="COMMIT") == {"/git:commit"}
    assert dashboard_names(browser, q="staging") == {"/deploy"}
    assert dashboard_names(browser, q="nothing-like-this") == set()


def test_dashboard_kind_filter_shows_only_that_kind(browser):
    make_skill("command", "git:commit")
    make_skill("agent", "reviewer")
    make_skill("skill", "pdf-tools")
    assert dashboard_names(browser, kind="agent") == {"reviewer"}
    assert dashboard_names(browser, kind="skill") == {"/pdf-tools"}
    assert len(dashboard_names(browser)) == 3


def test_dashboard_tag_filter_shows_only_tagged_items(browser):
    make_skill("command", "git:commit").set_tags(["git"])
    make_skill("command", "deploy").set_tags(["ops"])
    make_skill("command", "review").set_tags(["git", "review"])
    assert dashboard_names(browser, tag="git") == {"/git:commit", "/review"}
    assert dashboard_names(browser, tag="git", q="commit") == {"/git:commit"}


def test_an_htmx_dashboard_request_gets_only_the_items_fragment(browser):
    make_skill("command", "git:commit")
    response = browser.get("/edit/", {"q": "commit"}, htmx=True)
    html = page(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="items">')
    assert {s.text for s in select(html, "strong")} == {"/git:commit"}


# -- preview -----------------------------------------------------------------------


def preview(browser, text, kind="command", name="", arguments=""):
    data = {"text": text, "kind": kind, "name": name, "arguments": arguments}
    response = browser.post("/edit/preview", data, htmx=True)
    assert response.status_code == 200
    return page(response)


def test_preview_shows_body_frontmatter_problems_and_the_prompt_with_arguments(browser):
    text = (
        "---\ndescription: Fix an issue\nallowed-tools: Bash\n---\n"
        "Fix issue $0 at priority $1 with **care**.\n"
    )
    html = preview(browser, text, arguments='123 "very high"')

    assert "<html" not in html
    body = one(html, data_skill_body=True)
    assert "<strong>care</strong>" in body.html
    assert "$0" in body.text
    table = one(html, "table", class_="frontmatter")
    rows = [
        [cell.text for cell in select(row.html, ("th", "td"))] for row in select(table.html, "tr")
    ]
    assert rows == [["description", "Fix an issue"], ["allowed-tools", "Bash"]]
    [problem] = select(html, data_severity=True)
    assert problem.attrs["data-severity"] == "warning"
    assert "Line 3" in problem.text
    prompt = one(html, data_prompt=True)
    assert "Fix issue 123 at priority very high with" in prompt.text


def test_a_preview_field_that_does_not_validate_counts_as_not_sent(browser):
    text = "---\ndescription: Fix an issue\n---\nFix issue $ARGUMENTS now.\n"

    sent_nonsense = preview(browser, text, kind="no-such-kind", arguments="9" * 2001)
    sent_nothing = preview(browser, text)

    assert one(sent_nonsense, data_prompt=True).text == one(sent_nothing, data_prompt=True).text
    assert "9999" not in sent_nonsense


def test_preview_of_invalid_yaml_shows_an_error_on_its_line(browser):
    html = preview(browser, "---\nargument-hint: x\ndescription: a: b\n---\nBody\n")
    errors = select(html, data_severity="error")
    assert len(errors) == 1
    assert "Line 3" in errors[0].text
    assert "not valid YAML" in errors[0].text


@needs_shared
@pytest.mark.parametrize("case", jsonl("frontmatter.jsonl"), ids=lambda case: case["id"])
def test_preview_answers_every_hostile_frontmatter_with_its_problems(browser, case):
    html = preview(browser, case["text"])
    assert len(select(html, data_skill_body=True)) == 1
    shows_error = bool(select(html, data_severity="error"))
    assert shows_error == (case["expect"] == "error")


@needs_shared
@pytest.mark.parametrize("case", jsonl("xss.jsonl"), ids=lambda case: case["id"])
def test_preview_of_hostile_markdown_carries_no_live_markup(browser, case):
    html = preview(browser, case["markdown"], arguments="x")
    prompt = one(html, data_prompt=True)
    # The prompt pane shows the text Claude would receive, payloads included, but only as
    # escaped text: nothing in it is markup but the <pre> and its marker spans.
    for element in select(prompt.html):
        assert element.tag in ("pre", "span")
        assert set(element.attrs) <= {"class", "title"}
    # A quick fix carries the author's own text back (a description from the body's first
    # line) as an attribute value, escaped: inert like the prompt pane, so left out too.
    rendered = re.sub(r'data-fix-(text|old)="[^"]*"', "", html.replace(prompt.html, "")).lower()
    for needle in case["must_not_contain"]:
        assert needle.lower() not in rendered


# -- new ---------------------------------------------------------------------------


def test_new_item_page_shows_the_form_and_a_preview(browser):
    response = browser.get("/edit/new")
    html = page(response)
    assert response.status_code == 200
    assert field_value(html, "name") == ""
    assert field_value(html, "text").startswith("---\ndescription:")
    assert len(select(html, data_skill_body=True)) == 1


def test_creating_an_item_saves_version_one_and_opens_its_edit_page(browser, member):
    browser.get("/edit/new")
    data = {"kind": "command", "name": "git:commit", "text": GOOD_COMMAND, "message": "First"}
    response = browser.post("/edit/new", data)
    assert response.status_code == 302
    assert response.url == "/edit/commands/git:commit/"
    version = Skill.objects.get(name="git:commit").latest
    assert (version.number, version.text, version.message) == (1, GOOD_COMMAND, "First")
    assert version.author == member


def test_creating_with_an_invalid_name_is_refused_and_keeps_what_was_typed(browser):
    browser.get("/edit/new")
    text = GOOD_COMMAND + "My careful work.\n"
    response = browser.post("/edit/new", {"kind": "command", "name": "bad name!", "text": text})
    html = page(response)
    assert response.status_code == 400
    assert "a command name is" in one(html, "div", class_="form-error").text
    assert field_value(html, "text") == text
    assert field_value(html, "name") == "bad name!"
    assert counts() == (0, 0, 0)


def test_creating_a_name_that_exists_in_another_case_is_refused(browser):
    make_skill("command", "Review")
    response = browser.post("/edit/new", {"kind": "command", "name": "REVIEW", "text": "x"})
    assert response.status_code == 400
    assert "already exists" in one(page(response), "div", class_="form-error").text
    assert counts() == (1, 1, 0)


def test_the_same_name_may_be_used_by_another_kind(browser):
    make_skill("command", "review")
    response = browser.post("/edit/new", {"kind": "agent", "name": "review", "text": GOOD_COMMAND})
    assert response.status_code == 302
    assert Skill.objects.filter(name="review").count() == 2


# -- edit --------------------------------------------------------------------------


def test_edit_page_shows_the_latest_text_and_its_number_as_the_base(browser):
    skill = make_skill()
    skill.save_version(GOOD_COMMAND + "Second.\n", None, base_number=1)
    html = page(browser.get(EDIT))
    assert field_value(html, "text") == GOOD_COMMAND + "Second.\n"
    assert field_value(html, "base_version") == "2"
    assert one(html, name="base_version").attrs["type"] == "hidden"


def test_a_text_starting_with_a_blank_line_comes_back_whole_in_the_editor(browser):
    text = "\n" + GOOD_COMMAND
    make_skill(text=text)
    assert field_value(page(browser.get(EDIT)), "text") == text


def test_saving_a_change_creates_a_version_with_its_message(browser, member):
    skill = make_skill()
    browser.get(EDIT)
    data = {"text": GOOD_COMMAND + "More.\n", "message": "Say more", "base_version": "1"}
    response = browser.post(EDIT, data)
    assert response.status_code == 302
    assert response.url == EDIT
    latest = skill.versions.first()
    assert (latest.number, latest.text, latest.message) == (2, data["text"], "Say more")
    assert latest.author == member


def test_saving_identical_text_creates_no_version(browser):
    skill = make_skill()
    response = browser.post(EDIT, {"text": GOOD_COMMAND, "base_version": "1"}, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    assert skill.versions.count() == 1
    assert "No changes" in " ".join(messages_shown(response))


def test_a_stale_save_with_separate_edits_is_merged_and_says_so(browser):
    bob = make_user("bob")
    skill = make_skill(text=numbered_lines(4))
    skill.save_version(numbered_lines(4).replace("line 0", "bob 0"), bob, base_number=1)
    mine = numbered_lines(4).replace("line 3", "mine 3")

    response = browser.post(EDIT, {"text": mine, "base_version": "1"}, follow=True)

    assert response.redirect_chain == [(EDIT, 302)]
    assert "Merged with changes by bob in v2." in " ".join(messages_shown(response))
    latest = Skill.objects.get(pk=skill.pk).latest
    assert latest.number == 3
    assert "bob 0" in latest.text and "mine 3" in latest.text


def submit_edit_form(browser, html: str, button: Found | None = None):
    """Post the edit form of `html` as a browser does when `button` is clicked (None: the
    form's default button, Save, as Enter and Ctrl+S submit it)."""
    form = one(html, "form", id="edit-form").html
    data = {
        field.attrs["name"]: field.attrs.get("value") or ""
        for field in select(form, "input")
        if field.attrs.get("name") not in (None, "csrfmiddlewaretoken")
    }
    data["text"] = field_value(form, "text")
    if button is not None:
        data[button.attrs["name"]] = button.attrs["value"]
    return browser.post(EDIT, data)


def resolve_button(html: str) -> Found:
    return one(one(html, "form", id="edit-form").html, "button", name="resolved_version")


def test_a_stale_save_with_an_overlapping_edit_is_a_conflict_that_keeps_my_text_and_base(browser):
    bob = make_user("bob")
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 1", "theirs 1"), bob, base_number=1)
    mine = numbered_lines(2).replace("line 1", "mine 1")

    response = browser.post(EDIT, {"text": mine, "base_version": "1", "message": "Mine"})

    html = page(response)
    assert response.status_code == 409
    conflict = one(html, "section", class_="conflict")
    assert "overlaps v2 by bob" in conflict.text
    assert "theirs 1" in conflict.text and "mine 1" in conflict.text
    assert field_value(html, "text") == mine
    assert field_value(html, "base_version") == "1"  # still the version mine started from
    assert field_value(html, "message") == "Mine"
    assert not select(html, "input", name="resolved_version")
    resolve = resolve_button(html)
    assert resolve.attrs["value"] == "2"
    assert "save on top of v2" in resolve.text
    assert skill.versions.count() == 2


def test_save_stays_the_default_button_of_the_conflict_page(browser):
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 1", "theirs 1"), None, base_number=1)
    mine = numbered_lines(2).replace("line 1", "mine 1")
    html = page(browser.post(EDIT, {"text": mine, "base_version": "1"}))

    form = one(html, "form", id="edit-form").html
    submits = [button for button in select(form, "button") if button.attrs.get("type") == "submit"]
    # Enter and Ctrl+S (requestSubmit) use the first submit button: it must not resolve.
    assert submits[0].text == "Save" and "name" not in submits[0].attrs
    assert [b.attrs.get("name") for b in submits].count("resolved_version") == 1


def test_saving_again_from_the_conflict_page_without_resolving_conflicts_again(browser):
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 1", "theirs 1"), None, base_number=1)
    mine = numbered_lines(2).replace("line 1", "mine 1")
    conflict_page = page(browser.post(EDIT, {"text": mine, "base_version": "1"}))

    response = submit_edit_form(browser, conflict_page)

    assert response.status_code == 409
    assert field_value(page(response), "base_version") == "1"
    assert skill.versions.count() == 2


def test_taking_their_line_and_saving_again_merges_with_what_else_they_changed(browser):
    alice = make_user("alice")
    skill = make_skill(text=numbered_lines(4))
    theirs = numbered_lines(4).replace("line 1\n", "alice 1\n").replace("line 3\n", "alice 3\n")
    skill.save_version(theirs, alice, base_number=1)
    mine = numbered_lines(4).replace("line 1\n", "bob 1\n")
    conflict_page = page(browser.post(EDIT, {"text": mine, "base_version": "1"}))

    fixed = conflict_page.replace("bob 1", "alice 1")  # took theirs on the overlapping line
    response = submit_edit_form(browser, fixed)

    assert response.status_code == 302
    assert Skill.objects.get(pk=skill.pk).latest.text == theirs


def test_the_resolve_button_saves_my_side_of_the_overlap_on_top_of_theirs(browser):
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 1", "theirs 1"), None, base_number=1)
    mine = numbered_lines(2).replace("line 1", "mine 1")
    conflict_page = page(browser.post(EDIT, {"text": mine, "base_version": "1"}))

    response = submit_edit_form(browser, conflict_page, resolve_button(conflict_page))

    assert response.status_code == 302
    latest = Skill.objects.get(pk=skill.pk).latest
    assert (latest.number, latest.text, latest.base_number) == (3, mine, 2)


ALICE_AND_BOB_V1 = numbered_lines(16)
ALICE_V2 = ALICE_AND_BOB_V1.replace("line 2\n", "alice 2\n").replace("line 15\n", "alice 15\n")
BOB_FROM_V1 = ALICE_AND_BOB_V1.replace("line 2\n", "bob 2\n")


def test_bob_saving_again_after_the_conflict_never_drops_alices_other_change(browser, member):
    """Issue 10, "an edit dropped": Alice's v2 changes lines 2 and 15; Bob, from v1,
    changes line 2, gets the 409 and presses Save again without changing anything."""
    alice = make_user("alice")
    skill = make_skill(text=ALICE_AND_BOB_V1, author=member)
    bob = browser  # signed in as member
    bobs_page = page(bob.get(EDIT))
    Skill.objects.get(pk=skill.pk).save_version(ALICE_V2, alice, "Alice", base_number=1)

    first = bob.post(EDIT, {"text": BOB_FROM_V1, "base_version": "1", "message": "Bob"})
    assert first.status_code == 409
    assert field_value(bobs_page, "base_version") == field_value(page(first), "base_version")
    second = submit_edit_form(bob, page(first))

    latest = Skill.objects.get(pk=skill.pk).latest
    # The rule: conflict again or keep Alice's line 15, never drop it. The form still
    # names v1, so the save is merged again and still overlaps on line 2: a conflict.
    assert second.status_code == 409
    assert (latest.number, latest.text) == (2, ALICE_V2)


def test_bob_resolving_the_conflict_without_copying_alices_line_still_keeps_it(browser, member):
    """The resolve button answers for the overlap (line 2), not for Alice's line 15."""
    alice = make_user("alice")
    skill = make_skill(text=ALICE_AND_BOB_V1, author=member)
    Skill.objects.get(pk=skill.pk).save_version(ALICE_V2, alice, "Alice", base_number=1)
    conflict = page(browser.post(EDIT, {"text": BOB_FROM_V1, "base_version": "1"}))

    response = submit_edit_form(browser, conflict, resolve_button(conflict))

    assert response.status_code == 302
    latest = Skill.objects.get(pk=skill.pk).latest
    assert latest.text == ALICE_V2.replace("alice 2\n", "bob 2\n")


def test_a_stale_text_sent_with_the_latest_as_its_base_is_refused_instead_of_undoing(browser):
    """A page from before this rule (its 409 form said base=latest), or any client that
    names the latest as its base with stale text, cannot silently put back what the
    latest changed; saying it resolved against the latest can."""
    alice = make_user("alice")
    skill = make_skill(text=ALICE_AND_BOB_V1)
    skill.save_version(ALICE_V2, alice, "Alice", base_number=1)

    response = browser.post(EDIT, {"text": BOB_FROM_V1, "base_version": "2", "message": "Bob"})

    html = page(response)
    assert response.status_code == 409
    assert "undoes changes in v2 by alice" in one(html, "section", class_="conflict").text
    assert field_value(html, "base_version") == "2"
    assert Skill.objects.get(pk=skill.pk).latest.text == ALICE_V2

    resolved = submit_edit_form(browser, html, resolve_button(html))

    assert resolved.status_code == 302
    latest = Skill.objects.get(pk=skill.pk).latest
    assert (latest.number, latest.text, latest.base_number) == (3, BOB_FROM_V1, 2)


def test_a_resolved_version_that_does_not_exist_is_refused_on_the_page(browser):
    skill = make_skill()
    data = {"text": GOOD_COMMAND + "More.\n", "base_version": "1", "resolved_version": "7"}
    response = browser.post(EDIT, data)
    assert response.status_code == 400
    assert "There is no v7" in " ".join(e.text for e in select(page(response), class_="form-error"))
    assert skill.versions.count() == 1


def test_a_nul_byte_in_the_text_is_refused_and_nothing_is_saved(browser):
    skill = make_skill()
    response = browser.post(EDIT, {"text": GOOD_COMMAND + "a\x00b\n", "base_version": "1"})
    assert response.status_code == 400
    assert select(page(response), "div", class_="form-error")
    assert skill.versions.count() == 1


def test_editing_an_item_that_does_not_exist_is_404(browser):
    assert browser.get("/edit/commands/nothing/").status_code == 404


def test_the_edit_page_finds_an_item_by_its_name_in_any_case(browser):
    make_skill("command", "Review")
    assert browser.get(EDIT).status_code == 200


# -- the stored preview of the latest version ------------------------------------------

WARNED = "---\ndescription: Big\nallowed-tools: Bash\n---\n"  # a warning on line 3


@pytest.fixture
def no_parsing(monkeypatch):
    """Parsing or rendering a skill file from here on fails the request."""

    def refuse(*args, **kwargs):
        raise AssertionError("the page parsed or rendered a text it has stored results for")

    for module, name in [
        (skillfile, "parse"),
        (skillfile, "expand_bounded"),
        (rendering, "render_markdown"),
        (rendering, "render_prompt_bounded"),
    ]:
        monkeypatch.setattr(module, name, refuse)


def shown_problems(html: str) -> list[tuple[str, str]]:
    return [
        (item.attrs["data-severity"], one(item.html, "code", class_="problem-code").text)
        for item in select(one(html, id="preview-output").html, "li", data_severity=True)
    ]


def test_the_edit_page_of_a_1_mib_version_shows_its_stored_preview_without_parsing_it(
    browser, request
):
    text = (WARNED + "- item\n" * 150_000)[: skillfile.MAX_FILE_BYTES]
    skill = make_skill(text=text)
    version = skill.latest
    assert len(version.text.encode()) > 1_000_000 and version.problems
    request.getfixturevalue("no_parsing")

    response = browser.get(EDIT)

    html = page(response)
    assert response.status_code == 200
    assert one(html, data_skill_body=True).html == version.html  # byte for byte
    assert shown_problems(html) == [(p["severity"], p["code"]) for p in version.problems]
    result = one(one(html, id="preview-output").html, "span", class_="badge")
    assert result.text == version.result.upper()
    frontmatter = one(html, "table", class_="frontmatter")
    assert [th.text for th in select(frontmatter.html, "th")] == ["description", "allowed-tools"]
    assert field_value(html, "text") == text


def test_a_conflict_page_previews_my_text_not_the_stored_latest(browser):
    skill = make_skill(text=numbered_lines(2))
    skill.save_version(numbered_lines(2).replace("line 1", "theirs 1"), None, base_number=1)
    mine = numbered_lines(2).replace("line 1", "mine 1")
    html = page(browser.post(EDIT, {"text": mine, "base_version": "1"}))
    assert "mine 1" in one(html, data_skill_body=True).text
    assert "theirs 1" not in one(html, data_skill_body=True).text


def test_comparing_the_unchanged_text_with_the_latest_reads_its_stored_fields(
    browser, three_versions, no_parsing
):
    response = browser.post(EDIT + "diff", {"text": V3, "base_version": "3"}, htmx=True)
    assert response.status_code == 200
    assert one(page(response), "p", class_="diff-summary").text.startswith("v3 → unsaved text")


# -- history and diffs ---------------------------------------------------------------


V1 = GOOD_COMMAND
V2 = GOOD_COMMAND.replace("risky", "dangerous")
V3 = V2.replace("Bash(git diff:*)", "Bash(git diff:*), Bash(git push:*)")


@pytest.fixture
def three_versions(member, publisher):
    """v1 → v2 (published, by the publisher) → v3 (adds a tool permission)."""
    skill = make_skill(author=member)
    v2 = skill.save_version(V2, publisher, "Stronger word", base_number=1).version
    skill.publish(v2, publisher)
    skill.save_version(V3, member, "Let it push", base_number=2)
    return skill


def test_history_lists_every_version_with_author_message_result_and_published_marker(
    browser, three_versions
):
    make_skill("command", "broken", text=BROKEN).save_version(GOOD_COMMAND, None)
    html = page(browser.get(EDIT + "history"))
    rows = [row for row in select(html, "tr") if select(row.html, "td")]
    assert len(rows) == 3
    cells = [[cell.text for cell in select(row.html, "td")] for row in rows]
    assert [c[0] for c in cells] == ["v3 latest", "v2 published", "v1"]
    assert [c[1] for c in cells] == ["member", "publisher", "member"]
    assert [c[3] for c in cells] == ["Let it push", "Stronger word", "Created"]
    assert [c[4] for c in cells] == ["ok", "ok", "ok"]
    assert rows[1].attrs.get("class") == "is-published"
    broken = page(browser.get("/edit/commands/broken/history"))
    assert [b.text for b in select(broken, "span", class_="badge-error")] == ["error"]


def marks(html: str) -> list[str]:
    return [mark.text for mark in select(html, "mark")]


def test_diff_of_two_versions_marks_only_the_changed_words(browser, three_versions):
    response = browser.get(EDIT + "diff", {"from": "1", "to": "2"})
    html = page(response)
    assert response.status_code == 200
    assert one(html, "h1").text == "v1 → v2"
    assert sorted(marks(html)) == ["dangerous", "risky"]
    deleted = one(html, "tr", class_="op-delete")
    assert "Review the staged diff" in deleted.text


@pytest.mark.parametrize(
    ("params", "title"),
    [
        ({"from": "1", "to": "latest"}, "v1 → v3"),
        ({"from": "1", "to": "published"}, "v1 → v2"),
        ({"from": "published", "to": "latest"}, "v2 → v3"),
        ({}, "v2 → v3"),
    ],
)
def test_diff_accepts_latest_and_published_as_versions(browser, three_versions, params, title):
    response = browser.get(EDIT + "diff", params)
    assert response.status_code == 200
    assert one(page(response), "h1").text == title


def test_side_by_side_diff_puts_the_changed_words_on_their_own_sides(browser, three_versions):
    html = page(browser.get(EDIT + "diff", {"from": "1", "to": "2", "view": "side"}))
    table = one(html, "table", class_="side-by-side")
    changed = [row for row in select(table.html, "tr") if select(row.html, "mark")]
    assert len(changed) == 1
    left, right = (cell for cell in select(changed[0].html, "td", class_="code"))
    assert marks(left.html) == ["risky"]
    assert marks(right.html) == ["dangerous"]


def test_diff_calls_out_an_allowed_tools_change_as_a_permission_change(browser, three_versions):
    html = page(browser.get(EDIT + "diff", {"from": "2", "to": "3"}))
    table = one(html, "table", class_="frontmatter-diff")
    [row] = [row for row in select(table.html, "tr") if select(row.html, "th", scope="row")]
    assert row.attrs.get("class") == "permission-change"
    assert one(row.html, "th").text.startswith("allowed-tools")
    assert "permissions" in one(row.html, "span", class_="badge").text
    assert "Bash(git push:*)" in row.text


def test_diff_of_a_description_change_is_not_a_permission_change(browser):
    skill = make_skill()
    skill.save_version(GOOD_COMMAND.replace("staged diff\n", "diff\n"), None, base_number=1)
    html = page(browser.get(EDIT + "diff", {"from": "1", "to": "2"}))
    table = one(html, "table", class_="frontmatter-diff")
    assert "description" in table.text
    assert not select(table.html, class_="permission-change")


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9", "to": "1"},
        {"from": "1", "to": "9"},
        {"from": "0"},
        {"to": "banana"},
        {"to": "-1"},
        {"from": "published"},
    ],
)
def test_diff_with_a_version_that_does_not_exist_is_404(browser, params):
    make_skill()
    assert browser.get(EDIT + "diff", params).status_code == 404


def test_posting_unsaved_text_to_diff_over_htmx_compares_it_with_the_latest(
    browser, three_versions
):
    unsaved = V3.replace("list dangerous", "name dangerous")
    response = browser.post(EDIT + "diff", {"text": unsaved, "base_version": "3"}, htmx=True)
    html = page(response)
    assert response.status_code == 200
    assert "<html" not in html
    assert one(html, "p", class_="diff-summary").text.startswith("v3 → unsaved text")
    assert sorted(marks(html)) == ["list", "name"]
    assert three_versions.versions.count() == 3


# -- publishing ----------------------------------------------------------------------


def test_a_publisher_publishes_a_version_and_it_is_recorded(publisher_browser, publisher, settings):
    settings.SKILLHUB_REQUIRED_APPROVALS = 0  # a team that publishes without review
    skill = make_skill()
    assert select(page(publisher_browser.get(EDIT)), "form", action=EDIT + "publish")
    response = publisher_browser.post(EDIT + "publish", {"version": "1"}, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    assert "Published v1." in messages_shown(response)
    skill.refresh_from_db()
    assert skill.published.number == 1
    event = Event.objects.get()
    assert (event.action, event.actor, event.version) == ("publish", publisher, skill.latest)
    assert Browser().get("/commands/review/raw").content.decode() == GOOD_COMMAND


def test_publishing_a_version_with_errors_is_refused_with_a_message(publisher_browser):
    skill = make_skill(text=BROKEN)
    response = publisher_browser.post(EDIT + "publish", {"version": "1"}, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    assert "v1 has errors and cannot be published." in messages_shown(response)
    skill.refresh_from_db()
    assert skill.published is None
    assert not Event.objects.exists()


def test_publishing_without_a_version_is_refused_with_a_message(publisher_browser):
    skill = make_skill()
    response = publisher_browser.post(EDIT + "publish", {}, follow=True)
    assert "Say which version to publish." in messages_shown(response)
    skill.refresh_from_db()
    assert skill.published is None


def test_publishing_a_version_that_does_not_exist_is_404(publisher_browser):
    make_skill()
    assert publisher_browser.post(EDIT + "publish", {"version": "7"}).status_code == 404
    assert not Event.objects.exists()


def test_publish_returns_to_a_page_of_this_site_but_never_to_another_site(publisher_browser):
    make_skill()
    history = EDIT + "history"
    response = publisher_browser.post(EDIT + "publish", {"version": "1", "next": history})
    assert response.url == history
    response = publisher_browser.post(
        EDIT + "publish", {"version": "1", "next": "https://evil.example/"}
    )
    assert response.url == EDIT


def test_unpublishing_takes_the_item_off_the_public_site(publisher_browser, publisher):
    skill = make_skill(author=publisher, publish=True)
    response = publisher_browser.post(EDIT + "unpublish")
    assert response.status_code == 302
    skill.refresh_from_db()
    assert skill.published is None
    assert Event.objects.filter(action="unpublish", actor=publisher).count() == 1
    assert Browser().get("/commands/review/").status_code == 410  # gone, and says so


def test_restoring_an_old_version_saves_it_again_as_the_newest(publisher_browser, publisher):
    skill = make_skill()
    skill.save_version(V2, None, base_number=1)
    response = publisher_browser.post(EDIT + "restore", {"version": "1"}, follow=True)
    assert "Restored v1 as v3." in messages_shown(response)
    latest = Skill.objects.get(pk=skill.pk).latest
    assert (latest.number, latest.text, latest.author) == (3, V1, publisher)
    event = Event.objects.get()
    assert (event.action, event.version) == ("restore", latest)


# -- tags --------------------------------------------------------------------------


def test_tags_are_set_from_a_comma_separated_list(browser):
    skill = make_skill()
    response = browser.post(EDIT + "tags", {"tags": "git, Review"}, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    assert sorted(skill.tags.values_list("name", flat=True)) == ["git", "review"]
    assert field_value(page(response), "tags") == "git review"


def test_an_invalid_tag_is_not_saved_and_the_error_is_shown(browser):
    skill = make_skill()
    skill.set_tags(["git"])
    response = browser.post(EDIT + "tags", {"tags": "ops, no_underscores"}, follow=True)
    assert response.redirect_chain == [(EDIT, 302)]
    [message] = messages_shown(response)
    assert message.startswith("no_underscores: a tag is")
    assert list(skill.tags.values_list("name", flat=True)) == ["git"]


# -- import ------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def report_rows(html: str) -> list[list[str]]:
    table = one(one(html, "section", class_="import-report").html, "table")
    return [[cell.text for cell in select(row.html, "td")] for row in select(table.html, "tr")][1:]


def test_uploading_a_markdown_file_shows_a_dry_run_and_writes_nothing(browser):
    browser.get("/edit/import")
    response = browser.post("/edit/import", {"file": upload("review.md", GOOD_COMMAND.encode())})
    html = page(response)
    assert response.status_code == 200
    assert "Dry run" in one(html, "h2", id="report-title").text
    assert report_rows(html) == [["review.md", "command review", "created", ""]]
    assert select(html, "button", name="confirm")
    assert counts() == (0, 0, 0)


def confirm_token(response) -> str:
    """The value of the dry run's confirm button: it names the checked entries."""
    return one(page(response), "button", name="confirm").attrs["value"]


def test_confirming_the_dry_run_imports_the_files(browser, member):
    dry_run = browser.post("/edit/import", {"file": upload("review.md", GOOD_COMMAND.encode())})
    token = confirm_token(dry_run)
    response = browser.post("/edit/import", {"confirm": token})
    assert response.status_code == 302
    assert response.url == "/edit/"
    skill = Skill.objects.get(kind="command", name="review")
    assert skill.latest.text == GOOD_COMMAND
    assert Event.objects.get().action == "import"
    again = browser.post("/edit/import", {"confirm": token}, follow=True)
    assert "Nothing to import" in " ".join(messages_shown(again))
    assert counts() == (1, 1, 1)


def test_only_the_newest_dry_run_can_be_confirmed(browser):
    first = browser.post("/edit/import", {"file": upload("review.md", GOOD_COMMAND.encode())})
    browser.post("/edit/import", {"file": upload("other.md", GOOD_COMMAND.encode())})
    response = browser.post("/edit/import", {"confirm": confirm_token(first)}, follow=True)
    assert "Nothing to import" in " ".join(messages_shown(response))
    assert counts() == (0, 0, 0)


def test_a_zip_with_a_path_that_escapes_is_refused_naming_the_entry(browser):
    archive = zip_of(
        {".claude/commands/fine.md": GOOD_COMMAND.encode(), "../evil.md": GOOD_COMMAND.encode()}
    )
    response = browser.post("/edit/import", {"file": upload("bundle.zip", archive)})
    html = page(response)
    assert response.status_code == 400
    refusal = one(html, "section", class_="form-error")
    assert "../evil.md" in refusal.text
    assert not select(html, "button", name="confirm")
    browser.post("/edit/import", {"confirm": "1"})
    assert counts() == (0, 0, 0)


def test_a_bundle_written_by_skillhub_imports_and_exports_byte_for_byte(browser):
    texts = {
        ("command", "git:commit"): GOOD_COMMAND,
        ("skill", "pdf-tools"): "---\nname: pdf-tools\ndescription: Read PDFs\n---\nUse it.\n",
        ("agent", "reviewer"): "---\nname: reviewer\ndescription: Reviews code\n---\nBe kind.\n",
    }
    items = [
        bundles.BundleItem(
            kind=kind, name=name, path=bundle_path(kind, name), version=1, data=text.encode()
        )
        for (kind, name), text in texts.items()
    ]
    archive = bundles.write_zip(items)

    dry_run = browser.post("/edit/import", {"file": upload("team.zip", archive)})
    assert dry_run.status_code == 200
    assert [row[2] for row in report_rows(page(dry_run)) if row[2] != "skipped"] == ["created"] * 3
    assert browser.post("/edit/import", {"confirm": confirm_token(dry_run)}).status_code == 302

    stored = {(s.kind, s.name): s.latest.text for s in Skill.objects.select_related("latest")}
    assert stored == texts
    assert bundles.write_zip(bundle_items(latest=True)) == archive


# -- audit -------------------------------------------------------------------------


def test_audit_lists_events_and_filters_them_by_action(browser, publisher):
    make_skill("command", "deploy", author=publisher, publish=True)
    gone = make_skill("command", "old", author=publisher, publish=True)
    gone.unpublish(publisher)

    def rows(**params) -> list[list[str]]:
        """(who, did, item) of each event shown."""
        html = page(browser.get("/edit/audit", params))
        body = one(one(html, "table").html, "tbody")
        return [
            [cell.text for cell in select(row.html, "td")][1:4] for row in select(body.html, "tr")
        ]

    assert sorted(rows()) == sorted(
        [
            ["publisher", "published", "/deploy"],
            ["publisher", "published", "/old"],
            ["publisher", "unpublished", "/old"],
        ]
    )
    assert rows(action="unpublish") == [["publisher", "unpublished", "/old"]]
    assert sorted(rows(action="publish")) == [
        ["publisher", "published", "/deploy"],
        ["publisher", "published", "/old"],
    ]


def test_a_save_that_does_not_name_its_base_version_is_refused(browser):
    skill = make_skill()
    response = browser.post(EDIT, {"text": GOOD_COMMAND + "more\n", "message": "x"})
    assert response.status_code == 400
    assert "reload the page" in page(response)
    assert skill.versions.count() == 1


def test_a_diff_too_large_for_a_page_links_both_versions_to_download(browser, member):
    long_text = "---\ndescription: x\n---\n" + "".join(f"Line {i}.\n" for i in range(21_000))
    skill = make_skill("command", "long", long_text, author=member)
    skill.save_version("---\ndescription: x\n---\nShort now.\n", member, base_number=1)
    response = browser.get("/edit/commands/long/diff", {"from": 1, "to": 2})
    html = page(response)
    assert response.status_code == 200
    assert "too large to show on a page" in one(html, "p", class_="diff-summary").text
    assert len(response.content) < 100_000
    old = browser.get("/edit/commands/long/raw", {"version": 1})
    assert old.status_code == 200 and old.content.decode() == long_text
    assert old["Content-Disposition"] == 'attachment; filename="long.v1.md"'
    unsaved = browser.post("/edit/commands/long/diff", {"text": long_text + "More.\n"})
    assert "too large to show on a page" in unsaved.content.decode()


def test_the_editor_downloads_any_version_drafts_included(browser, member):
    skill = make_skill("command", "draft", author=member)
    assert browser.get("/edit/commands/draft/raw").content.decode() == skill.latest.text
    assert browser.get("/edit/commands/draft/raw", {"version": 7}).status_code == 404


def test_a_diff_of_a_non_ascii_digit_version_is_404_not_500(browser):
    make_skill()
    assert browser.get(EDIT + "diff", {"from": "²", "to": "1"}).status_code == 404


def test_a_version_number_of_thousands_of_digits_is_404_not_500(browser):
    make_skill(name="review")
    assert browser.get("/edit/commands/review/diff", {"from": "9" * 5000}).status_code == 404
    assert browser.get("/edit/commands/review/raw", {"version": "9" * 5000}).status_code == 404
