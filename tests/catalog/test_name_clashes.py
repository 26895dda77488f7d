"""Name clashes (issue 11, item 5): an item named after a Claude Code built-in
(`builtin-name`), and a command and a skill sharing a slash name
(`command-skill-collision`, Claude Code runs the skill), on the public item page, the
catalog and the editor's dashboard, fetched over real HTTP from a live server.
"""

from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import collisions
from catalog.models import Skill
from tests.browser import field_value, one, select
from tests.factories import make_skill, make_user

pytestmark = pytest.mark.django_db(transaction=True)

VERSION = "2.1.332"


def command(description: str = "Do it") -> str:
    return f"---\ndescription: {description}\n---\nDo the thing.\n"


def skill(name: str) -> str:
    return f"---\nname: {name}\ndescription: A skill\n---\nDo the thing.\n"


class Visitor:
    """Someone with a browser's cookies, talking HTTP to the live server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            assert response.status == 200
            return response.read().decode()

    def sign_in(self, username: str) -> None:
        token = field_value(self.get("/accounts/login/"), "csrfmiddlewaretoken")
        form = {"username": username, "password": f"pw-{username}", "csrfmiddlewaretoken": token}
        request = Request(self.base + "/accounts/login/", urlencode(form).encode(), method="POST")
        with self.opener.open(request, timeout=30) as response:  # follows the redirect
            assert "/accounts/login/" not in response.url


@pytest.fixture
def visitor(live_server):
    return Visitor(live_server.url)


@pytest.fixture
def author():
    return make_user("publisher", publisher=True)


def published(kind, name, text, author):
    return make_skill(kind, name, text, author=author, publish=True)


def clash_notes(html: str) -> dict[str, str]:
    return {found.attrs["data-clash"]: found.text for found in select(html, "li", data_clash=True)}


# -- the public item page ----------------------------------------------------------------


def test_an_item_named_after_a_builtin_warns_on_its_page_with_the_version(visitor, author):
    published("command", "debug", command(), author)
    html = visitor.get("/commands/debug/")
    note = one(html, "li", data_clash="builtin-name")
    assert note.attrs["data-severity"] == "warning"
    assert f"/debug is also a skill built into Claude Code {VERSION}" in note.text
    assert "the built-in is out of reach" in note.text
    badge = one(html, "span", data_clash="builtin-name")
    assert badge.text == "built-in name" and "runs it instead" in badge.attrs["title"]


def test_a_command_and_a_skill_of_one_name_warn_on_both_pages_and_link_each_other(visitor, author):
    published("command", "deploy", command(), author)
    published("skill", "deploy", skill("deploy"), author)

    on_command = visitor.get("/commands/deploy/")
    note = one(on_command, "li", data_clash="command-skill-collision")
    assert "Claude Code runs the skill, so this command never runs" in note.text
    assert one(note.html, "a").attrs["href"] == "/skills/deploy/"
    assert one(on_command, "span", data_clash="command-skill-collision").text == "hidden by a skill"

    on_skill = visitor.get("/skills/deploy/")
    note = one(on_skill, "li", data_clash="command-skill-collision")
    assert "Claude Code runs this skill instead of it" in note.text
    assert one(note.html, "a").attrs["href"] == "/commands/deploy/"


def test_an_item_with_no_clash_shows_none(visitor, author):
    published("command", "git:debug", command(), author)  # /git:debug is not /debug
    published("command", "Ship", command(), author)  # /Ship and /ship are two commands
    published("skill", "ship", skill("ship"), author)
    for path in ("/commands/git:debug/", "/commands/Ship/", "/skills/ship/"):
        html = visitor.get(path)
        assert clash_notes(html) == {} and not select(html, data_clash=True), path


def test_a_draft_does_not_clash_on_public_pages(visitor, author):
    published("command", "deploy", command(), author)
    make_skill("skill", "deploy", skill("deploy"), author=author)  # not published
    assert clash_notes(visitor.get("/commands/deploy/")) == {}


def test_a_published_item_can_clash_both_ways(visitor, author):
    published("skill", "code-review", skill("code-review"), author)
    published("command", "code-review", command(), author)
    notes = clash_notes(visitor.get("/skills/code-review/"))
    assert set(notes) == {"builtin-name", "command-skill-collision"}


# -- the catalog ---------------------------------------------------------------------------


def test_the_catalog_shows_a_badge_on_each_clashing_item(visitor, author):
    published("command", "deploy", command(), author)
    published("skill", "deploy", skill("deploy"), author)
    published("command", "init", command(), author)
    published("command", "release", command(), author)
    html = visitor.get("/")
    badges = {
        row.attrs["data-item"]: [b.text for b in select(row.html, "span", data_clash=True)]
        for row in select(html, "li", data_item=True)
    }
    assert badges == {
        "command/deploy": ["hidden by a skill"],
        "skill/deploy": ["hides a command"],
        "command/init": ["built-in name"],
        "command/release": [],
    }


# -- the editor's dashboard ----------------------------------------------------------------


def test_the_dashboard_warns_about_drafts_too_and_links_the_other_item(visitor, author):
    published("command", "deploy", command(), author)
    make_skill("skill", "deploy", skill("deploy"), author=author)
    make_skill("command", "review", command(), author=author)  # not a built-in in 2.1.332
    make_skill("skill", "simplify", skill("simplify"), author=author)
    visitor.sign_in("publisher")
    html = visitor.get("/edit/")
    by_code: dict[str, list] = {}
    for found in select(html, "p", data_clash=True):
        by_code.setdefault(found.attrs["data-clash"], []).append(found)
    assert len(by_code["command-skill-collision"]) == 2
    links = sorted(one(f.html, "a").attrs["href"] for f in by_code["command-skill-collision"])
    assert links == ["/edit/commands/deploy/", "/edit/skills/deploy/"]
    [builtin] = by_code["builtin-name"]
    assert f"/simplify is also a skill built into Claude Code {VERSION}" in builtin.text
    assert builtin.attrs["data-severity"] == "warning"


# -- the query ------------------------------------------------------------------------------


def test_clashes_of_a_page_take_one_query_and_none_without_commands_or_skills(author):
    for number in range(20):
        make_skill("command", f"c{number}", command(), author=author)
        make_skill("skill", f"c{number}", skill(f"c{number}"), author=author)
    make_skill("agent", "helper", "---\nname: helper\ndescription: x\n---\nHelp.\n")
    items = list(Skill.objects.all())
    with CaptureQueriesContext(connection) as captured:
        found = collisions.clashes(items, Skill.objects.active())
    assert len(captured.captured_queries) == 1
    assert sum(len(clashes) for clashes in found.values()) == 40
    agents = [item for item in items if item.kind == "agent"]
    with CaptureQueriesContext(connection) as captured:
        assert collisions.clashes(agents, Skill.objects.active()) == {agents[0].pk: []}
    assert captured.captured_queries == []
