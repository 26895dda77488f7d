"""Who may do what: every /edit/ URL, for anonymous, a member (the author of a change
request), another member (a reviewer), an item's owner, a publisher and an admin, by GET
and POST.

The rest of the project's URLs are in tests/test_permission_matrix.py.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern

from catalog.models import (
    ChangeRequest,
    Comment,
    Event,
    Notification,
    Owner,
    Plugin,
    PluginItem,
    Release,
    Review,
    Skill,
    Tag,
    Version,
)
from catalog.models.owners import set_owners
from catalog.skilltree import TreeFile
from editor import urls as editor_urls
from tests.browser import Browser
from tests.factories import GOOD_COMMAND, make_plugin, make_skill, make_user

pytestmark = pytest.mark.django_db

SKILL_MD = "---\nname: pdf\ndescription: Fill PDF forms\n---\nRun scripts/run.sh.\n"

ITEM = "/edit/commands/review/"
SKILL = "/edit/skills/pdf/"
PLUGIN = "/edit/plugins/team-kit/"
REQUEST = "/edit/requests/{request}/"  # ids differ between databases: filled in per test
NOT_THE_AUTHOR = {"reviewer": 403, "owner": 403}  # closing: the author or a publisher


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    ok: dict  # method → status when the view does its job
    publisher_only: bool | tuple[str, ...] = False  # True: every method; else these methods
    by_role: dict = field(default_factory=dict)  # role → status of an allowed method, if not ok

    def post_data(self) -> dict:
        """A valid submission, so an allowed POST really does its job."""
        return {
            "preview": {"text": GOOD_COMMAND, "kind": "command"},
            "new": {"kind": "command", "name": "fresh", "text": GOOD_COMMAND},
            "import": {"file": SimpleUploadedFile("fresh.md", GOOD_COMMAND.encode())},
            "edit": {"text": GOOD_COMMAND + "Third.\n", "base_version": "2", "message": "m"},
            "diff": {"text": GOOD_COMMAND + "Unsaved.\n"},
            "publish": {"version": "2"},
            "restore": {"version": "1"},
            "tags": {"tags": "git"},
            "rename": {"name": "code-review"},
            "files": {"action": "mode", "path": "scripts/run.sh", "base_version": "1"},
            "plugin-new": {"name": "fresh-kit"},
            "plugin-edit": {"description": "d", "items": ["command/review"]},
            "plugin-release": {"version": "1.0.0"},
            "presence": {"base_version": "2"},
            "merge-now": {"text": GOOD_COMMAND + "Mine.\n", "base_version": "2"},
            "request-new": {"title": "Publish the pdf skill"},
            "request-comment": {"body": "Why?", "path": "SKILL.md", "side": "new", "line": "4"},
            "request-resolve": {"resolved": "1"},
            "request-review": {"verdict": "changes", "body": "Say why."},
            "owners": {"owners": "member"},
        }.get(self.name, {})


ROUTES = [
    Route("dashboard", "/edit/", {"GET": 200}),
    Route("preview", "/edit/preview", {"POST": 200}),
    Route("new", "/edit/new", {"GET": 200, "POST": 302}),
    Route("import", "/edit/import", {"GET": 200, "POST": 200}),
    Route("audit", "/edit/audit", {"GET": 200}),
    Route("edit", ITEM, {"GET": 200, "POST": 302}),
    Route("history", ITEM + "history", {"GET": 200}),
    Route("presence", ITEM + "presence", {"POST": 200}),
    Route("merge-now", ITEM + "merge-now", {"POST": 200}),
    Route("diff", ITEM + "diff", {"GET": 200, "POST": 200}),
    Route("raw", ITEM + "raw", {"GET": 200}),
    Route("publish", ITEM + "publish", {"POST": 302}, publisher_only=True),
    Route("unpublish", ITEM + "unpublish", {"POST": 302}, publisher_only=True),
    Route("restore", ITEM + "restore", {"POST": 302}, publisher_only=True),
    Route("tags", ITEM + "tags", {"POST": 302}),
    Route("rename", ITEM + "rename", {"POST": 302}, publisher_only=True),
    Route("archive", ITEM + "archive", {"POST": 302}, publisher_only=True),
    Route("files", SKILL + "files", {"POST": 302}),
    Route("file", SKILL + "files/scripts/run.sh", {"GET": 200}),
    Route("plugins", "/edit/plugins/", {"GET": 200}),
    Route("plugin-new", "/edit/plugins/new", {"GET": 200, "POST": 302}),
    Route("plugin-edit", PLUGIN, {"GET": 200, "POST": 302}),
    # Anyone signed in may see what a release would change; only publishers release.
    Route("plugin-release", PLUGIN + "release", {"GET": 200, "POST": 302}, ("POST",)),
    # Review before publish: the request on review v2 is the member's; anyone signed in
    # reads, comments and reviews; publishers (and owners) publish, the author or a
    # publisher closes. Publishing the unapproved request answers 302 with the reason.
    Route("inbox", "/edit/inbox", {"GET": 200}),
    Route("inbox-read", "/edit/inbox/read", {"POST": 302}),
    Route("requests", "/edit/requests/", {"GET": 200}),
    Route("request", REQUEST, {"GET": 200}),
    Route("request-new", SKILL + "request", {"GET": 200, "POST": 302}),
    Route("request-comment", REQUEST + "comment", {"POST": 302}),
    Route("request-resolve", REQUEST + "comments/{comment}/resolve", {"POST": 302}),
    Route("request-review", REQUEST + "review", {"POST": 302}),
    # Who may publish depends on the item (its owners), so the method is checked first.
    Route("request-publish", REQUEST + "publish", {"POST": 302}, ("POST",), {"owner": 302}),
    Route("request-close", REQUEST + "close", {"POST": 302}, by_role=NOT_THE_AUTHOR),
    Route("owners", ITEM + "owners", {"POST": 302}, publisher_only=True),
]
# member: the author of review v2 and of its change request; reviewer: another member;
# owner: a member who owns review; admin: a superuser.
ROLES = ["anonymous", "member", "reviewer", "owner", "publisher", "admin"]
MEMBERS = {"member", "reviewer", "owner"}
METHODS = ["GET", "POST"]
CASES = [(route, role, method) for route in ROUTES for role in ROLES for method in METHODS]


def expected_status(route: Route, role: str, method: str) -> int:
    if role == "anonymous":
        return 302  # to the sign-in page, before anything else is looked at
    only = route.publisher_only
    if role in MEMBERS and (only is True or method in (only or ())):
        return route.by_role.get(role, 403) if method in route.ok else 403
    if method in route.ok:
        return route.by_role.get(role, route.ok[method])
    return 405


def with_ids(path: str) -> str:
    """`path` with the fixture's change request and comment ids."""
    if "{" not in path:
        return path
    return path.format(request=ChangeRequest.objects.get().pk, comment=Comment.objects.get().pk)


def rows() -> tuple[int, ...]:
    models = (Skill, Version, Event, Tag, Plugin, PluginItem, Release)
    models += (ChangeRequest, Review, Comment, Owner, Notification)
    return tuple(model.objects.count() for model in models)


@pytest.fixture
def browsers():
    """Each role's browser, and an item with a published v1 and a newer v2."""
    member, publisher = make_user("member"), make_user("publisher", publisher=True)
    reviewer, owner = make_user("reviewer"), make_user("owner")
    admin = make_user("admin", is_staff=True, is_superuser=True)
    skill = make_skill(author=member, publish=True)
    skill.save_version(GOOD_COMMAND + "Second.\n", member, base_number=1)
    run = TreeFile("scripts/run.sh", b"#!/bin/sh\necho hi\n")
    Skill.create("skill", "pdf", SKILL_MD, member, files={run.path: run})
    make_plugin("team-kit", [skill], member)  # not released yet
    skill.refresh_from_db()
    set_owners(skill, [owner], [], publisher)
    request = ChangeRequest.open(skill, skill.latest, member, "Second line")
    request.comment(publisher, "Is this needed?", "SKILL.md", "new", 6)
    return {
        "anonymous": Browser(),
        "member": Browser(member),
        "reviewer": Browser(reviewer),
        "owner": Browser(owner),
        "publisher": Browser(publisher),
        "admin": Browser(admin),
    }


def test_the_matrix_covers_every_editor_url():
    names = {p.name for p in editor_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {route.name for route in ROUTES}


@pytest.mark.parametrize(
    ("route", "role", "method"), CASES, ids=[f"{r.name}-{role}-{m}" for r, role, m in CASES]
)
def test_access_to_editor_urls_follows_the_role(browsers, route, role, method):
    browser = browsers[role]
    path = with_ids(route.path)
    before = rows()
    response = browser.get(path) if method == "GET" else browser.post(path, route.post_data())
    status = expected_status(route, role, method)

    assert response.status_code == status
    if role == "anonymous":
        assert response.url.startswith("/accounts/login/?next=")
    does_its_job = role != "anonymous" and status == route.ok.get(method)
    if method == "GET" or not does_its_job:
        assert rows() == before, "nothing may be written here"


@pytest.mark.parametrize("role", ["member", "publisher", "admin"])
def test_allowed_posts_that_write_really_write(browsers, role):
    """The matrix's 'nothing written' checks would pass vacuously if no POST ever wrote."""
    browser = browsers[role]
    route = next(r for r in ROUTES if r.name == "edit")
    browser.post(route.path, route.post_data())
    assert Skill.objects.get(name="review").latest.number == 3


@pytest.mark.parametrize(
    ("role", "approvals", "published"),
    [
        ("member", 0, 1),
        ("publisher", 0, 2),
        ("admin", 0, 2),
        # Under the default policy an unreviewed version waits for an approved request;
        # a superuser may still publish it, as a recorded break-glass action.
        ("member", 1, 1),
        ("publisher", 1, 1),
        ("admin", 1, 2),
    ],
)
def test_only_publishers_and_admins_change_what_is_published(
    browsers, settings, role, approvals, published
):
    settings.SKILLHUB_REQUIRED_APPROVALS = approvals
    browsers[role].post(ITEM + "publish", {"version": "2"})
    assert Skill.objects.get(name="review").published.number == published


def test_anonymous_is_sent_to_sign_in_and_comes_back_afterwards(browsers):
    response = browsers["anonymous"].get(ITEM + "history")
    assert response.url == "/accounts/login/?next=/edit/commands/review/history"


# -- the public site ---------------------------------------------------------------


@pytest.fixture
def public_items():
    """review: published v1 with a newer v2; draft: never published."""
    skill = make_skill(publish=True)
    skill.save_version(GOOD_COMMAND + "Not public yet.\n", None, base_number=1)
    make_skill("command", "draft")


@pytest.mark.parametrize(
    "url", ["/", "/healthz", "/commands/review/", "/commands/review/raw", "/accounts/login/"]
)
def test_public_pages_work_without_signing_in(public_items, url):
    assert Browser().get(url).status_code == 200


def test_the_public_raw_file_is_the_published_version_not_the_newest(public_items):
    response = Browser().get("/commands/review/raw")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode() == GOOD_COMMAND


@pytest.mark.parametrize("url", ["/commands/draft/", "/commands/draft/raw"])
def test_a_draft_does_not_exist_on_the_public_site(public_items, url):
    assert Browser().get(url).status_code == 404


@pytest.mark.parametrize("url", ["/commands/draft/", "/commands/draft/raw"])
def test_a_draft_stays_hidden_from_a_signed_in_member_too(public_items, url):
    assert Browser(make_user("member")).get(url).status_code == 404
