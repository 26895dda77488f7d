"""The public plugin pages: the list, a plugin, a release and what it changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from catalog.models import Plugin, Skill
from catalog.skilltree import TreeFile
from tests.browser import Browser, one, page, select
from tests.factories import GOOD_COMMAND, make_plugin, make_skill
from tests.trees import pdf_skill

pytestmark = pytest.mark.django_db

WIDER_COMMAND = GOOD_COMMAND.replace("Bash(git diff:*)", "Bash(git diff:*) Bash(rm:*)")
AGENT = "---\nname: reviewer\ndescription: Reviews code\ntools: Read\n---\nYou review code.\n"


def publish_new_version(skill: Skill, text: str, user, files=None) -> Skill:
    result = skill.save_version(text, user, base_number=skill.latest.number, files=files)
    skill.publish(result.version, user)
    return Skill.objects.get(pk=skill.pk)


@pytest.fixture
def kit(publisher):
    """team-kit 1.0.0: the review command and the pdf skill (with files)."""
    review = make_skill(author=publisher, publish=True)
    text, files = pdf_skill()
    pdf = Skill.objects.get(
        pk=Skill.create("skill", "pdf", text, publisher, files=files).version.skill_id
    )
    pdf.publish(pdf.latest, publisher)
    plugin = make_plugin(
        "team-kit", [review, pdf], publisher, release=True, description="The team's tools"
    )
    return plugin


@pytest.fixture
def second_release(kit, publisher):
    """team-kit 2.0.0: review may now run rm, pdf has a changed script, an agent is added."""
    review = publish_new_version(Skill.objects.get(name="review"), WIDER_COMMAND, publisher)
    pdf = Skill.objects.get(name="pdf")
    files = dict(pdf.latest.tree())
    old = files["scripts/check_fields.py"]
    files[old.path] = TreeFile(old.path, old.data + b'print("done")\n', executable=True)
    pdf = publish_new_version(pdf, pdf.latest.text, publisher, files=files)
    agent = make_skill("agent", "reviewer", AGENT, author=publisher, publish=True)
    kit.set_items([review, pdf, agent], publisher)
    return kit.release(publisher, notes="Reviewer agent.\n\nreview may **delete** files now.")


def get(url: str):
    return Browser().get(url)


# -- the list ----------------------------------------------------------------------


def test_the_list_shows_each_released_plugin_with_its_version_counts_and_install_lines(kit):
    response = get("/plugins/")
    assert response.status_code == 200
    card = one(page(response), "li", data_plugin="team-kit")
    assert one(card.html, data_version=True).text == "1.0.0"
    assert "The team's tools" in card.text
    counts = {f.attrs["data-kind"]: f.text for f in select(card.html, data_kind=True)}
    assert counts == {"command": "1 command", "skill": "1 skill"}
    lines = {f.attrs["data-install"]: f.text for f in select(page(response), "pre")}
    assert lines["add"] == "claude plugin marketplace add http://testserver/marketplace.git"
    assert lines["add-json"] == (
        "claude plugin marketplace add http://testserver/.claude-plugin/marketplace.json"
    )
    assert lines["slash-add"] == "/plugin marketplace add http://testserver/marketplace.git"
    assert lines["install"] == "claude plugin install team-kit@skillhub"
    assert lines["slash-install"] == "/plugin install team-kit@skillhub"


def test_install_lines_copy_buttons_are_added_by_script_so_the_page_works_without_one(kit):
    html = page(get("/plugins/"))
    assert select(html, "pre", data_copy=True)
    assert select(html, "button") == []  # without JavaScript: plain lines to select


@override_settings(
    SKILLHUB_PUBLIC_URL="https://skills.example.com", SKILLHUB_MARKETPLACE_NAME="acme"
)
def test_install_lines_use_the_public_url_and_the_marketplace_name(kit):
    html = page(get("/plugins/"))
    lines = {f.attrs["data-install"]: f.text for f in select(html, "pre")}
    assert (
        lines["add"] == "claude plugin marketplace add https://skills.example.com/marketplace.git"
    )
    assert lines["install"] == "claude plugin install team-kit@acme"


def test_an_unreleased_plugin_is_not_listed_and_has_no_public_page(kit, publisher):
    make_plugin("secret-kit", [Skill.objects.get(name="review")], publisher)
    assert 'data-plugin="secret-kit"' not in page(get("/plugins/"))
    assert get("/plugins/secret-kit/").status_code == 404
    assert get("/plugins/secret-kit/1.0.0/").status_code == 404


def test_the_list_says_so_when_nothing_is_released():
    response = get("/plugins/")
    assert response.status_code == 200
    assert "No plugin has been released yet." in page(response)


def test_the_list_costs_the_same_queries_for_one_plugin_or_five(kit, publisher):
    review = Skill.objects.get(name="review")
    with CaptureQueriesContext(connection) as one_plugin:
        get("/plugins/")
    for number in range(4):
        make_plugin(f"kit-{number}", [review], publisher, release=True)
    with CaptureQueriesContext(connection) as five_plugins:
        response = get("/plugins/")
    assert len(select(page(response), "li", data_plugin=True)) == 5
    assert len(five_plugins) == len(one_plugin)


# -- a plugin ----------------------------------------------------------------------


def test_the_plugin_page_shows_its_details_items_and_install_lines(kit):
    response = get("/plugins/team-kit/")
    assert response.status_code == 200
    html = page(response)
    assert one(html, "header", class_="item-header").text.count("The team's tools") == 1
    rows = {r.attrs["data-item"]: r for r in select(html, "tr", data_item=True)}
    assert set(rows) == {"command/review", "skill/pdf"}
    assert one(rows["command/review"].html, "a").attrs["href"] == "/commands/review/"
    assert "v1" in rows["skill/pdf"].text
    lines = {f.attrs["data-install"]: f.text for f in select(html, "pre")}
    assert lines["install"] == "claude plugin install team-kit@skillhub"
    assert lines["git"] == "git clone http://testserver/plugins/team-kit.git"


def test_an_item_unpublished_since_the_release_is_listed_but_not_linked(kit, publisher):
    Skill.objects.get(name="review").unpublish(publisher)
    html = page(get("/plugins/team-kit/"))
    row = one(html, "tr", data_item="command/review")
    assert select(row.html, "a") == []
    assert "/review" in row.text


def test_the_plugin_page_lists_releases_newest_first_with_who_when_notes_and_downloads(
    second_release,
):
    html = page(get("/plugins/team-kit/"))
    releases = select(html, "li", data_release=True)
    assert [r.attrs["data-release"] for r in releases] == ["2.0.0", "1.0.0"]
    newest = releases[0]
    assert "by publisher" in newest.text
    assert "<strong>delete</strong>" in one(newest.html, data_release_notes=True).html
    hrefs = [a.attrs["href"] for a in select(newest.html, "a")]
    assert "/plugins/team-kit/2.0.0/" in hrefs
    assert "/plugins/team-kit/2.0.0.zip" in hrefs
    assert "/plugins/team-kit/2.0.0.tar.gz" in hrefs
    assert get("/plugins/team-kit/2.0.0.zip").status_code == 200
    assert one(html, "h1").text == "team-kit 2.0.0"


def test_items_shown_are_those_of_the_latest_release_not_the_next_one(kit, publisher):
    agent = make_skill("agent", "reviewer", AGENT, author=publisher, publish=True)
    kit.set_items([*kit.items.all(), agent], publisher)  # chosen, not released yet
    html = page(get("/plugins/team-kit/"))
    assert "agent/reviewer" not in {
        r.attrs["data-item"] for r in select(html, "tr", data_item=True)
    }


# -- a release ---------------------------------------------------------------------


def test_the_first_release_says_so_and_pins_its_items(kit):
    response = get("/plugins/team-kit/1.0.0/")
    assert response.status_code == 200
    html = page(response)
    assert one(html, "h2", id="changes-title").text == "The first release"
    assert {r.attrs["data-item"] for r in select(html, "tr", data_item=True)} == {
        "command/review",
        "skill/pdf",
    }
    assert "First release" in one(html, data_release_notes=True).text


def test_a_release_shows_items_added_and_changed_with_their_diffs(second_release):
    html = page(get("/plugins/team-kit/2.0.0/"))
    assert one(html, "h2", id="changes-title").text == "What changed since 1.0.0"
    added = one(html, "ul", data_changes="added")
    assert [li.attrs["data-item"] for li in select(added.html, "li")] == ["agent/reviewer"]
    changed = {
        s.attrs["data-changed-item"]: s for s in select(html, "section", data_changed_item=True)
    }
    assert set(changed) == {"command/review", "skill/pdf"}
    review = changed["command/review"]
    assert "v1 → v2" in review.text
    inserted = [r.text for r in select(review.html, "tr", class_="op-insert")]
    assert any("Bash(rm:*)" in line for line in inserted)
    files = one(changed["skill/pdf"].html, "tr", data_file_change="modified")
    assert files.attrs["data-path"] == "scripts/check_fields.py"
    assert 'print("done")' in one(changed["skill/pdf"].html, data_file_diff=True).text


def test_a_release_that_widens_permissions_calls_it_out_and_implied_a_major(second_release):
    html = page(get("/plugins/team-kit/2.0.0/"))
    alert = one(html, data_permission_changes=True)
    assert alert.attrs["role"] == "alert"
    item = one(alert.html, "li", data_permission_item="command/review")
    assert "Bash(rm:*)" in item.text
    assert select(item.html, data_widened=True)
    bump = one(html, "p", class_="bump")
    assert bump.attrs["data-bump"] == "major"
    assert "2.0.0" in bump.text and "may do more than before" in bump.text


def test_an_agent_whose_tool_list_is_dropped_is_called_out_as_using_every_tool(kit, publisher):
    agent = make_skill("agent", "reviewer", AGENT, author=publisher, publish=True)
    kit.set_items([*kit.items.all(), agent], publisher)
    kit.release(publisher)
    publish_new_version(agent, AGENT.replace("tools: Read\n", ""), publisher)
    kit.release(publisher)
    html = page(get("/plugins/team-kit/2.0.0/"))
    item = one(one(html, data_permission_changes=True).html, "li", data_permission_item=True)
    assert item.attrs["data-permission-item"] == "agent/reviewer"
    assert "tools removed: it may use every tool" in one(item.html, data_widened=True).text
    assert one(item.html, "a").attrs["href"] == "#" + one(html, data_changed_item=True).attrs["id"]


def test_a_release_without_permission_changes_shows_no_alert(kit, publisher):
    pdf = Skill.objects.get(name="pdf")
    publish_new_version(pdf, pdf.latest.text + "\nOne more line.\n", publisher)
    kit.release(publisher)
    html = page(get("/plugins/team-kit/1.0.1/"))
    assert select(html, data_permission_changes=True) == []
    bump = one(html, "p", class_="bump")
    assert bump.attrs["data-bump"] == "patch"
    assert "patch: an item was changed" in bump.text


def test_a_removal_is_listed_and_implied_a_major(kit, publisher):
    kit.set_items([Skill.objects.get(name="pdf")], publisher)
    kit.release(publisher)
    html = page(get("/plugins/team-kit/2.0.0/"))
    removed = one(html, "ul", data_changes="removed")
    assert [li.attrs["data-item"] for li in select(removed.html, "li")] == ["command/review"]
    assert "major: an item was removed" in one(html, "p", class_="bump").text


def test_a_version_raised_above_the_proposal_says_so(kit, publisher):
    make_skill("agent", "reviewer", AGENT, author=publisher, publish=True)
    kit.set_items([*kit.items.all(), Skill.objects.get(name="reviewer")], publisher)
    kit.release(publisher, version="3.0.0")
    bump = one(page(get("/plugins/team-kit/3.0.0/")), "p", class_="bump")
    assert "1.1.0" in bump.text and "released as 3.0.0, raised above that" in bump.text


@pytest.mark.parametrize(
    "url",
    [
        "/plugins/nothing/",
        "/plugins/nothing/1.0.0/",
        "/plugins/team-kit/9.9.9/",
        "/plugins/team-kit/1.0.0-rc.1/",
        "/plugins/Team-Kit/",
        "/plugins/team-kit/1.0/",
        "/plugins/team-kit/9.9.9.zip",
    ],
)
def test_unknown_plugins_and_versions_are_404(kit, url):
    assert get(url).status_code == 404


def test_a_version_of_another_plugin_is_404(kit, publisher):
    make_plugin("other-kit", [Skill.objects.get(name="review")], publisher, release="2.0.0")
    assert get("/plugins/team-kit/2.0.0/").status_code == 404
    assert get("/plugins/other-kit/2.0.0/").status_code == 200


# -- hostile details ---------------------------------------------------------------

HOSTILE = '<script>alert("x")</script>'


def test_hostile_details_and_notes_are_shown_as_text_on_every_page(publisher):
    review = make_skill(author=publisher, publish=True)
    plugin = Plugin.create(
        "team-kit",
        publisher,
        description=HOSTILE,
        author='<img src=x onerror="alert(1)"> <a@b.c>',
        keywords=["<b>bold</b>", "ok"],
        category="<i>tools</i>",
    )
    plugin.set_items([review], publisher)
    notes = f'{HOSTILE}\n\n<img src=x onerror="alert(2)">\n\n[link](javascript:alert(3))'
    plugin.release(publisher, notes=notes)
    for url in ("/plugins/", "/plugins/team-kit/", "/plugins/team-kit/1.0.0/"):
        html = page(get(url))
        assert "<script>alert" not in html, url
        assert "<img" not in html and "<b>bold" not in html and "<i>tools" not in html, url
        assert "javascript:" not in html, url
    html = page(get("/plugins/team-kit/"))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
