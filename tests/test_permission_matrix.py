"""Who may do what on every URL outside /edit/: the public site, the API, sign-in and the
admin site, for anonymous, member, publisher and admin, by GET and POST with CSRF on.

/edit/ has its own matrix in tests/editor/test_permissions.py; together the two tables
cover every named route (a test below checks). Also here: drafts are 404 to the public
everywhere, and a GET writes nothing but the documented download counters.
"""

import io
import zipfile
from dataclasses import dataclass, field

import pytest
from django.db.models import Sum
from django.urls import URLPattern, URLResolver, get_resolver

from catalog.models import Event, Plugin, Release, Skill, Tag, Version, VersionDownloads
from catalog.skilltree import TreeFile
from tests.browser import Browser
from tests.editor.test_permissions import ROUTES as EDITOR_ROUTES
from tests.factories import GOOD_COMMAND, make_plugin, make_skill, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "publisher", "admin"]
SIGNED_IN = ["member", "publisher", "admin"]
STAFF_ONLY = {"anonymous": 302, "member": 302, "publisher": 302}  # to the admin's sign-in
SIGN_IN_FIRST = {"anonymous": 302}


@dataclass(frozen=True)
class Route:
    name: str  # as reverse() knows it, namespace included
    path: str
    get: int
    post: int
    by_role: dict = field(default_factory=dict)  # role -> status for both methods
    counts_a_download: bool = False  # GET counts one download of each item it serves
    redirects_to: str = ""  # a 302 that is not to the sign-in page goes here

    def expected(self, role: str, method: str) -> int:
        if role in self.by_role:
            return self.by_role[role]
        return self.get if method == "GET" else self.post


SKILL_ADMIN = "/admin/catalog/skill/"
VERSION_ADMIN = "/admin/catalog/version/"

ROUTES = [
    # the public site and its downloads
    Route("index", "/", 200, 405),
    Route("healthz", "/healthz", 200, 405),
    Route("skill", "/commands/review/", 200, 405),
    Route("raw", "/commands/review/raw", 200, 405, counts_a_download=True),
    Route("skill-file", "/skills/folder/files/scripts/run.sh", 200, 405),
    Route("skill-zip", "/skills/folder.zip", 200, 405, counts_a_download=True),
    Route("skill-tar-gz", "/skills/folder.tar.gz", 200, 405, counts_a_download=True),
    Route("export-zip", "/export.zip?item=command/review", 200, 405, counts_a_download=True),
    Route("export-tar-gz", "/export.tar.gz?item=command/review", 200, 405, counts_a_download=True),
    Route("feed", "/feed.xml", 200, 405),
    Route("agent-skills-index", "/.well-known/agent-skills/index.json", 200, 405),
    Route("skills-index", "/.well-known/skills/index.json", 200, 405),
    # plugins (team-kit 1.0.0), their git repositories and the marketplace file
    Route("plugins", "/plugins/", 200, 405),
    Route("plugin", "/plugins/team-kit/", 200, 405),
    Route("plugin-release", "/plugins/team-kit/1.0.0/", 200, 405),
    Route("plugin-release-zip", "/plugins/team-kit/1.0.0.zip", 200, 405),
    Route("plugin-release-tar-gz", "/plugins/team-kit/1.0.0.tar.gz", 200, 405),
    Route("plugin-git-root", "/plugins/team-kit.git", 302, 405, redirects_to="/plugins/team-kit/"),
    Route("plugin-git", "/plugins/team-kit.git/info/refs?service=git-upload-pack", 200, 404),
    Route("marketplace-json", "/.claude-plugin/marketplace.json", 200, 405),
    Route("marketplace-json-short", "/marketplace.json", 200, 405),
    Route("marketplace-git-root", "/marketplace.git", 302, 405, redirects_to="/plugins/"),
    Route("marketplace-git", "/marketplace.git/info/refs?service=git-upload-pack", 200, 404),
    # the API (validate is POST-only and the form body here is not JSON)
    Route("api-skills", "/api/skills", 200, 405),
    Route("api-skill", "/api/skills/command/review", 200, 405),
    Route("api-plugins", "/api/plugins", 200, 405),
    Route("api-plugin", "/api/plugins/team-kit", 200, 405),
    Route("api-validate", "/api/validate", 405, 400),
    Route("", "/api/nothing-here", 404, 404),  # the JSON 404 for the rest of /api/
    # signing in and out (Django's auth views)
    Route("login", "/accounts/login/", 200, 200),
    Route("logout", "/accounts/logout/", 405, 302),
    Route("password_change", "/accounts/password_change/", 200, 200, SIGN_IN_FIRST),
    Route("password_change_done", "/accounts/password_change/done/", 200, 405, SIGN_IN_FIRST),
    # the admin site: staff only; versions can be looked at but never changed
    Route("admin:index", "/admin/", 200, 200, STAFF_ONLY),
    Route("admin:catalog_skill_changelist", SKILL_ADMIN, 200, 200, STAFF_ONLY),
    Route("admin:catalog_version_changelist", VERSION_ADMIN, 200, 200, STAFF_ONLY),
]
CASES = [(route, role, method) for route in ROUTES for role in ROLES for method in ("GET", "POST")]


def all_named_routes(resolver=None, namespace: str | None = None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from all_named_routes(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_the_two_tables_cover_every_named_route_of_the_project():
    # The admin site has dozens of generated URLs that follow one rule (staff only);
    # the table samples its index and the catalog's model pages.
    names = {name for name in all_named_routes() if not name.startswith("admin:")}
    covered = {route.name for route in ROUTES} | {f"editor:{r.name}" for r in EDITOR_ROUTES}
    assert names - covered == set()
    assert {name for name in covered if name} - names - {r.name for r in ROUTES} == set()


# -- the people, the items and what is in the database --------------------------------


FOLDER_SKILL = "---\nname: folder\ndescription: Runs a script\n---\nRun `scripts/run.sh`.\n"


@pytest.fixture
def items():
    """review: published v1 and a newer draft v2; draft: never published; gone: unpublished;
    secret: a skill never published; old: published, then archived."""
    publisher = make_user("publisher", publisher=True)
    review = make_skill(author=publisher, publish=True)
    review.save_version(GOOD_COMMAND + "Not public yet.\n", publisher, base_number=1)
    review.set_tags(["git"])
    make_skill("command", "draft", author=publisher)
    make_skill("command", "gone", author=publisher, publish=True).unpublish(publisher)
    make_skill("skill", "secret", "---\nname: secret\ndescription: Hidden\n---\nShh.\n")
    make_skill("command", "old", author=publisher, publish=True).archive(publisher)
    folder = make_skill("skill", "folder", FOLDER_SKILL, author=publisher)
    run = TreeFile("scripts/run.sh", b"#!/bin/sh\necho ok\n", executable=True)
    folder.save_version(FOLDER_SKILL, publisher, base_number=1, files={run.path: run})
    folder.publish(folder.latest, publisher)
    make_plugin("team-kit", [review], publisher, release=True)
    return publisher


@pytest.fixture
def browsers(items):
    return {
        "anonymous": Browser(),
        "member": Browser(make_user("member")),
        "publisher": Browser(items),
        "admin": Browser(make_user("admin", is_staff=True, is_superuser=True)),
    }


def snapshot() -> dict:
    return {
        "rows": tuple(m.objects.count() for m in (Skill, Version, Event, Tag, VersionDownloads)),
        "downloads": VersionDownloads.objects.aggregate(n=Sum("count"))["n"] or 0,
        "skill downloads": Skill.objects.aggregate(n=Sum("downloads"))["n"] or 0,
        "published": tuple(Skill.objects.values_list("published_id", flat=True)),
        "plugins": (Plugin.objects.count(), Release.objects.count()),
    }


def request(browser: Browser, method: str, path: str):
    response = browser.get(path) if method == "GET" else browser.post(path, {})
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a streamed bundle counts once it is served
    return response


@pytest.mark.parametrize(
    ("route", "role", "method"),
    CASES,
    ids=[f"{route.name or route.path}-{role}-{method}" for route, role, method in CASES],
)
def test_every_url_answers_each_role_as_the_table_says_and_writes_nothing(
    browsers, route, role, method
):
    before = snapshot()
    response = request(browsers[role], method, route.path)
    status = route.expected(role, method)

    assert response.status_code == status
    if status == 302 and route.name.startswith("admin:"):
        assert response.url.startswith("/admin/login/?next=")
    elif status == 302 and route.redirects_to:
        assert response.url == route.redirects_to
    elif status == 302 and route.name != "logout":
        assert response.url.startswith("/accounts/login/?next=")
    after = snapshot()
    if method == "GET" and route.counts_a_download:
        # The one documented write on a GET: one more download of the published review,
        # whose counter row is made by its first download.
        skills, versions, events, tags, _ = before["rows"]
        before["rows"] = (skills, versions, events, tags, 1)
        before["downloads"] += 1
        before["skill downloads"] += 1
    assert after == before, "nothing else may be written here"


def test_a_download_counter_really_moves_on_a_raw_get(browsers):
    """The matrix's counter checks would pass vacuously if nothing were ever counted."""
    browsers["anonymous"].get("/commands/review/raw", REMOTE_ADDR="203.0.113.1")
    browsers["anonymous"].get("/commands/review/raw", REMOTE_ADDR="203.0.113.2")
    assert Skill.objects.get(name="review").downloads == 2


# -- drafts do not exist on the public site, for anyone ----------------------------------

HIDDEN = [("command", "draft"), ("command", "gone"), ("skill", "secret"), ("command", "old")]
HIDDEN_IDS = [f"{kind}-{name}" for kind, name in HIDDEN]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("kind", "name"), HIDDEN, ids=HIDDEN_IDS)
def test_an_unpublished_item_is_404_on_every_public_url(browsers, role, kind, name):
    # Its pages say 410 Gone where it was once published (unpublished or archived since):
    # the reader learns it was unpublished; nothing of it is served either way.
    browser = browsers[role]
    gone = 410 if name in ("gone", "old") else 404
    for url, status in (
        (f"/{kind}s/{name}/", gone),
        (f"/{kind}s/{name}/raw", gone),
        (f"/api/skills/{kind}/{name}", 404),
        (f"/export.zip?item={kind}/{name}", 404),
        (f"/export.tar.gz?item={kind}/{name}", 404),
    ):
        assert browser.get(url).status_code == status, url


@pytest.mark.parametrize("role", ROLES)
def test_no_list_of_the_public_site_mentions_an_unpublished_item(browsers, role):
    browser = browsers[role]
    pages = {
        url: browser.get(url).content.decode()
        for url in (
            "/",
            "/?q=draft",
            "/feed.xml",
            "/api/skills",
            "/.well-known/agent-skills/index.json",
            "/.well-known/skills/index.json",
        )
    }
    assert "/commands/review/" in pages["/"] and '"name": "review"' in pages["/api/skills"]
    for url, body in pages.items():
        for kind, name in HIDDEN:
            assert f"/{kind}s/{name}/" not in body, (url, name)
            assert f'"name": "{name}"' not in body, (url, name)
    assert "Not public yet" not in pages["/feed.xml"]


@pytest.mark.parametrize("role", ROLES)
def test_the_whole_catalog_bundle_holds_only_published_versions(browsers, role):
    response = browsers[role].get("/export.zip")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        names = set(archive.namelist())
        assert archive.read(".claude/commands/review.md").decode() == GOOD_COMMAND
    published = {".claude/commands/review.md", ".claude/skills/folder/SKILL.md"}
    files = {".claude/skills/folder/scripts/run.sh"}
    assert names == published | files | {".claude/skillhub.lock.json"}


def test_not_even_an_admin_can_change_or_delete_a_version_through_the_admin_site(browsers):
    version = Version.objects.get(skill__name="review", number=1)
    for action in ("change", "delete"):
        url = f"{VERSION_ADMIN}{version.pk}/{action}/"
        assert browsers["admin"].post(url, {"text": "changed", "post": "yes"}).status_code == 403
    assert Version.objects.get(pk=version.pk).text == GOOD_COMMAND
