"""Plugin management in the editor: list, create, choose items, release.

Every form is posted through Browser (CSRF checks on), as a real browser would.
"""

import pytest

from catalog.models import Event, Plugin, Release, Skill
from tests.browser import Browser, field_value, messages_shown, one, page, select
from tests.factories import GOOD_COMMAND, make_plugin, make_skill, make_user

pytestmark = pytest.mark.django_db

AGENT = "---\nname: reviewer\ndescription: Reviews code\ntools: Read\n---\nYou review code.\n"
BROKEN = "---\ndescription: [unclosed\n---\nBody.\n"


@pytest.fixture
def items(publisher):
    """review: a published command; reviewer: a published agent; draft: never published."""
    make_skill(author=publisher, publish=True)
    make_skill("agent", "reviewer", AGENT, author=publisher, publish=True)
    make_skill("command", "draft", GOOD_COMMAND, author=publisher)


@pytest.fixture
def kit(items, publisher):
    """team-kit holding review, not released yet."""
    return make_plugin("team-kit", [Skill.objects.get(name="review")], publisher)


@pytest.fixture
def publisher_browser(publisher):
    return Browser(publisher)


def released_versions(name="team-kit") -> list[str]:
    return list(Release.objects.filter(plugin__name=name).values_list("version", flat=True))


# -- who may do what ---------------------------------------------------------------

URLS = [
    "/edit/plugins/",
    "/edit/plugins/new",
    "/edit/plugins/team-kit/",
    "/edit/plugins/team-kit/release",
]


@pytest.mark.parametrize("url", URLS)
def test_anonymous_visitors_are_sent_to_sign_in(kit, url):
    response = Browser().get(url)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", URLS)
def test_anonymous_posts_change_nothing_and_are_sent_to_sign_in(kit, url):
    response = Browser().post(url, {"name": "fresh-kit", "version": "1.0.0"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Plugin.objects.count() == 1 and released_versions() == []


def test_a_member_creates_and_edits_a_plugin_but_may_not_release_it(kit, browser):
    assert browser.post("/edit/plugins/new", {"name": "fresh-kit"}).status_code == 302
    data = {"description": "Fresh", "items": ["command/review"]}
    assert browser.post("/edit/plugins/fresh-kit/", data).status_code == 302
    response = browser.post("/edit/plugins/fresh-kit/release", {"version": "1.0.0"})
    assert response.status_code == 403
    assert released_versions("fresh-kit") == []
    assert not Event.objects.filter(action=Event.Action.RELEASE).exists()


def test_a_member_sees_the_release_preview_without_a_working_release_button(kit, browser):
    response = browser.get("/edit/plugins/team-kit/release")
    assert response.status_code == 200
    html = page(response)
    assert select(html, data_needs_permission=True)
    form = one(html, "form", class_="release-form")
    assert "disabled" in one(form.html, "button", type="submit").attrs


def test_a_publisher_releases_and_lands_on_the_public_release_page(kit, publisher_browser):
    data = {"version": "1.0.0", "notes": "First cut."}
    response = publisher_browser.post("/edit/plugins/team-kit/release", data)
    assert response.status_code == 302
    assert response.url == "/plugins/team-kit/1.0.0/"
    release = Release.objects.get(plugin__name="team-kit")
    assert (release.version, release.notes, release.released_by.username) == (
        "1.0.0",
        "First cut.",
        "publisher",
    )
    assert messages_shown(publisher_browser.get(response.url)) == ["Released team-kit 1.0.0."]


def test_a_release_without_the_csrf_token_is_refused(kit, publisher):
    browser = Browser(publisher)
    response = browser.client.post("/edit/plugins/team-kit/release", {"version": "1.0.0"})
    assert response.status_code == 403
    assert released_versions() == []


def test_creating_a_plugin_without_the_csrf_token_is_refused(items, member):
    response = Browser(member).client.post("/edit/plugins/new", {"name": "fresh-kit"})
    assert response.status_code == 403
    assert not Plugin.objects.exists()


# -- the list ----------------------------------------------------------------------


def test_the_list_shows_every_plugin_released_or_not(kit, publisher, browser):
    make_plugin("shipped-kit", [Skill.objects.get(name="review")], publisher, release="1.2.0")
    html = page(browser.get("/edit/plugins/"))
    rows = {r.attrs["data-plugin"]: r.text for r in select(html, "tr", data_plugin=True)}
    assert set(rows) == {"team-kit", "shipped-kit"}
    assert "not released" in rows["team-kit"]
    assert "1.2.0" in rows["shipped-kit"]


def test_the_dashboard_links_to_plugin_management(items, browser):
    html = page(browser.get("/edit/"))
    assert "/edit/plugins/" in [a.attrs.get("href") for a in select(html, "a")]


# -- creating ----------------------------------------------------------------------


def test_creating_a_plugin_stores_its_details_and_opens_its_page(items, browser):
    data = {
        "name": "backend-kit",
        "description": "For the backend",
        "author": "Ada <ada@example.com>",
        "homepage": "https://example.com/kit",
        "license": "MIT",
        "keywords": "Go, grpc , go,",
        "category": "development",
    }
    response = browser.post("/edit/plugins/new", data)
    assert response.status_code == 302
    assert response.url == "/edit/plugins/backend-kit/"
    plugin = Plugin.objects.get(name="backend-kit")
    assert plugin.keywords == ["go", "grpc"]
    assert (plugin.author, plugin.license, plugin.created_by.username) == (
        "Ada <ada@example.com>",
        "MIT",
        "member",
    )
    html = page(browser.get(response.url))
    assert field_value(html, "keywords") == "go, grpc"
    assert field_value(html, "description") == "For the backend"


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ({"name": "Backend Kit"}, "name", "kebab-case"),
        ({"name": "builtin"}, "name", "reserved"),
        ({"name": "team-kit"}, "name", "exists already"),
        ({"name": "new-kit", "homepage": "javascript:alert(1)"}, "homepage", "URL"),
        ({"name": "new-kit", "keywords": ",".join(f"k{i}" for i in range(21))}, "keywords", "20"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_a_refused_plugin_keeps_the_form_and_says_why(kit, browser, data, field, says):
    data = {"description": "Kept", **data}
    response = browser.post("/edit/plugins/new", data)
    assert response.status_code == 400
    html = page(response)
    assert says in one(html, data_field_error=field).text
    assert field_value(html, "description") == "Kept"
    assert Plugin.objects.count() == 1


# -- editing -----------------------------------------------------------------------


def test_the_edit_page_offers_every_active_item_by_kind_and_says_which_are_published(
    kit, publisher, browser
):
    make_skill("command", "gone", GOOD_COMMAND, author=publisher).archive(publisher)
    html = page(browser.get("/edit/plugins/team-kit/"))
    boxes = {b.attrs["value"]: "checked" in b.attrs for b in select(html, "input", name="items")}
    assert boxes == {"command/review": True, "command/draft": False, "agent/reviewer": False}
    assert select(one(html, "li", data_item="command/draft").html, data_unpublished=True)
    published = one(one(html, "li", data_item="agent/reviewer").html, data_published=True)
    assert published.text == "published v1"
    assert [h.text for h in select(html, "h2", class_="items-kind")] == ["Command", "Agent"]


def test_saving_the_edit_page_stores_details_and_items(kit, browser):
    data = {"description": "Now with an agent", "items": ["command/review", "agent/reviewer"]}
    response = browser.post("/edit/plugins/team-kit/", data)
    assert response.status_code == 302
    plugin = Plugin.objects.get(name="team-kit")
    assert plugin.description == "Now with an agent"
    assert sorted(s.name for s in plugin.items.all()) == ["review", "reviewer"]
    assert messages_shown(browser.get(response.url)) == ["Saved team-kit."]


def test_an_edit_with_a_bad_detail_saves_neither_details_nor_items(kit, browser):
    data = {"description": "Changed", "homepage": "not a url", "items": ["agent/reviewer"]}
    response = browser.post("/edit/plugins/team-kit/", data)
    assert response.status_code == 400
    assert "URL" in one(page(response), data_field_error="homepage").text
    boxes = {
        b.attrs["value"]: "checked" in b.attrs
        for b in select(page(response), "input", name="items")
    }
    assert boxes["agent/reviewer"] and not boxes["command/review"]  # what was sent, kept
    plugin = Plugin.objects.get(name="team-kit")
    assert plugin.description == "" and [s.name for s in plugin.items.all()] == ["review"]


def test_choosing_an_item_that_is_not_active_is_refused(kit, browser):
    response = browser.post("/edit/plugins/team-kit/", {"items": ["command/nothing"]})
    assert response.status_code == 400
    assert (
        "command/nothing is not an active item"
        in one(page(response), data_field_error="items").text
    )


def test_an_unknown_plugin_is_404_in_the_editor(items, browser):
    assert browser.get("/edit/plugins/nothing/").status_code == 404
    assert browser.get("/edit/plugins/nothing/release").status_code == 404


# -- the release preview -----------------------------------------------------------


def test_the_preview_of_a_first_release_proposes_1_0_0(kit, publisher_browser):
    html = page(publisher_browser.get("/edit/plugins/team-kit/release"))
    assert field_value(html, "version") == "1.0.0"
    assert one(html, data_proposed=True).text == "1.0.0"
    assert one(html, "h2", id="changes-title").text == "The first release"
    assert [r.attrs["data-item"] for r in select(html, "tr", data_item=True)] == ["command/review"]


def test_the_preview_shows_changes_permission_widening_and_why_it_proposes_a_major(
    kit, publisher, publisher_browser
):
    kit.release(publisher)
    review = Skill.objects.get(name="review")
    wider = GOOD_COMMAND.replace("Bash(git diff:*)", "Bash(git diff:*) Bash(curl:*)")
    review.publish(review.save_version(wider, publisher, base_number=1).version, publisher)
    html = page(publisher_browser.get("/edit/plugins/team-kit/release"))
    assert field_value(html, "version") == "2.0.0"
    assert "major: an item may do more than before" in one(html, id="version-help").text
    alert = one(html, data_permission_changes=True)
    assert "Bash(curl:*)" in alert.text
    changed = one(html, "section", data_changed_item="command/review")
    assert any("Bash(curl:*)" in r.text for r in select(changed.html, "tr", class_="op-insert"))


def test_the_preview_says_why_a_plugin_cannot_be_released_yet(kit, publisher, publisher_browser):
    kit.set_items([Skill.objects.get(name="review"), Skill.objects.get(name="draft")], publisher)
    response = publisher_browser.get("/edit/plugins/team-kit/release")
    assert response.status_code == 200
    problems = one(page(response), data_release_problems=True)
    assert "/draft is not published" in problems.text


def test_the_preview_says_when_nothing_changed_and_offers_no_release(
    kit, publisher, publisher_browser
):
    kit.release(publisher)
    html = page(publisher_browser.get("/edit/plugins/team-kit/release"))
    assert "Nothing changed since 1.0.0" in one(html, data_nothing_changed=True).text
    assert field_value(html, "version") == ""
    form = one(html, "form", class_="release-form")
    assert "disabled" in one(form.html, "button", type="submit").attrs


# -- refused releases keep the form ------------------------------------------------


def test_a_version_lower_than_the_proposal_is_refused_and_the_form_kept(
    kit, publisher, publisher_browser
):
    kit.release(publisher)
    kit.set_items([*kit.items.all(), Skill.objects.get(name="reviewer")], publisher)
    data = {"version": "1.0.1", "notes": "My careful notes"}
    response = publisher_browser.post("/edit/plugins/team-kit/release", data)
    assert response.status_code == 400
    html = page(response)
    error = one(html, data_field_error="version").text
    assert "1.0.1 is lower than 1.1.0" in error and "never lowered" in error
    assert field_value(html, "version") == "1.0.1"
    assert field_value(html, "notes") == "My careful notes"
    assert one(html, data_proposed=True).text == "1.1.0"
    assert released_versions() == ["1.0.0"]


def test_a_version_that_is_not_semver_is_refused(kit, publisher_browser):
    response = publisher_browser.post("/edit/plugins/team-kit/release", {"version": "v2"})
    assert response.status_code == 400
    assert "is not a version" in one(page(response), data_field_error="version").text
    assert released_versions() == []


def test_a_raised_version_is_released_as_asked(kit, publisher_browser):
    response = publisher_browser.post("/edit/plugins/team-kit/release", {"version": "2.5.0"})
    assert response.url == "/plugins/team-kit/2.5.0/"
    assert released_versions() == ["2.5.0"]


def test_an_empty_version_releases_the_proposal(kit, publisher_browser):
    response = publisher_browser.post("/edit/plugins/team-kit/release", {"version": ""})
    assert response.url == "/plugins/team-kit/1.0.0/"


def test_releasing_when_nothing_changed_is_a_conflict_and_keeps_the_notes(
    kit, publisher, publisher_browser
):
    kit.release(publisher)
    data = {"version": "1.0.1", "notes": "Nothing, really"}
    response = publisher_browser.post("/edit/plugins/team-kit/release", data)
    assert response.status_code == 409
    html = page(response)
    assert "Nothing changed since 1.0.0" in one(html, "div", class_="form-error").text
    assert field_value(html, "notes") == "Nothing, really"
    assert released_versions() == ["1.0.0"]


def test_releasing_an_unpublished_item_is_a_conflict_that_names_it(
    kit, publisher, publisher_browser
):
    kit.set_items([Skill.objects.get(name="review"), Skill.objects.get(name="draft")], publisher)
    data = {"version": "1.0.0", "notes": "Kept"}
    response = publisher_browser.post("/edit/plugins/team-kit/release", data)
    assert response.status_code == 409
    html = page(response)
    assert (
        "/draft is not published: publish a version first."
        in one(html, "div", class_="form-error").text
    )
    assert field_value(html, "notes") == "Kept"
    assert released_versions() == []


def test_releasing_an_item_whose_published_version_has_errors_is_refused(
    kit, publisher, publisher_browser
):
    broken = make_skill("command", "broken", BROKEN, author=publisher)
    assert broken.latest.result == "error"
    Skill.objects.filter(pk=broken.pk).update(
        published=broken.latest
    )  # published before a rule changed
    kit.set_items([Skill.objects.get(name="review"), broken], publisher)
    response = publisher_browser.post("/edit/plugins/team-kit/release", {"version": "1.0.0"})
    assert response.status_code == 409
    assert "/broken v1 has errors" in one(page(response), "div", class_="form-error").text
    assert released_versions() == []


def test_a_release_made_meanwhile_is_a_conflict(kit, publisher, publisher_browser):
    """Another publisher released while this one wrote notes: the proposal moved on."""
    preview = page(publisher_browser.get("/edit/plugins/team-kit/release"))
    assert field_value(preview, "version") == "1.0.0"
    kit.release(make_user("other", publisher=True), version="1.0.0")
    response = publisher_browser.post(
        "/edit/plugins/team-kit/release", {"version": "1.0.0", "notes": "Mine"}
    )
    assert response.status_code == 409
    assert field_value(page(response), "notes") == "Mine"
    assert released_versions() == ["1.0.0"]


# -- the audit page ----------------------------------------------------------------


def test_the_audit_page_lists_a_release_linked_to_its_page(kit, publisher, browser):
    kit.release(publisher)
    html = page(browser.get("/edit/audit"))
    cell = one(html, "td", data_release=True)
    assert cell.text == "plugin team-kit 1.0.0"
    assert one(cell.html, "a").attrs["href"] == "/plugins/team-kit/1.0.0/"
    filtered = page(browser.get("/edit/audit", {"q": "team-kit"}))
    assert len(select(filtered, "td", data_release=True)) == 1


# -- hostile details in the editor -------------------------------------------------


def test_hostile_details_are_escaped_in_the_editor(items, browser):
    hostile = '<script>alert("x")</script>'
    browser.post(
        "/edit/plugins/new", {"name": "bad-kit", "description": hostile, "category": hostile}
    )
    for url in ("/edit/plugins/", "/edit/plugins/bad-kit/", "/edit/plugins/bad-kit/release"):
        html = page(browser.get(url))
        assert "<script>alert" not in html, url
    assert field_value(page(browser.get("/edit/plugins/bad-kit/")), "description") == hostile
