"""The Agent Skills discovery index that `npx skills add <site>` reads, seen anonymously."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Skill, VersionDownloads
from catalog.wellknown import SCHEMA, installable
from tests.factories import GOOD_COMMAND, make_skill

pytestmark = pytest.mark.django_db

INDEX = "/.well-known/agent-skills/index.json"
LEGACY_INDEX = "/.well-known/skills/index.json"


def skill_text(name: str, description: str = "Write a changelog", body: str = "Write it.\n") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}"


@pytest.fixture
def publish(publisher):
    def make(name: str, text: str | None = None, kind: str = "skill") -> Skill:
        return make_skill(kind, name, text or skill_text(name), author=publisher, publish=True)

    return make


def entries(client, path: str = INDEX) -> dict[str, dict]:
    response = client.get(path)
    assert response.status_code == 200
    return {entry["name"]: entry for entry in response.json()["skills"]}


# -- shape ---------------------------------------------------------------------------


def test_the_index_lists_a_published_skill_in_schema_0_2_0(client, publish):
    publish("changelog")
    response = client.get(INDEX)
    assert response["Content-Type"] == "application/json"
    index = response.json()
    assert set(index) == {"$schema", "skills"}
    assert (
        index["$schema"] == SCHEMA == "https://schemas.agentskills.io/discovery/0.2.0/schema.json"
    )
    [entry] = index["skills"]
    assert set(entry) == {"name", "description", "type", "url", "digest"}
    assert entry["name"] == "changelog"
    assert entry["description"] == "Write a changelog"
    assert entry["type"] == "skill-md"
    assert entry["url"] == "http://testserver/skills/changelog/raw"
    assert entry["digest"].startswith("sha256:") and len(entry["digest"]) == 7 + 64


def test_the_legacy_path_answers_the_same_entries_each_listing_its_files(client, publish):
    publish("changelog")
    publish("release-notes")
    first, second = entries(client), entries(client, LEGACY_INDEX)
    assert {name: entry.pop("files") for name, entry in second.items()} == {
        "changelog": ["SKILL.md"],
        "release-notes": ["SKILL.md"],
    }
    assert first == second


def test_an_empty_catalog_has_an_empty_list_of_skills(client):
    assert client.get(INDEX).json() == {"$schema": SCHEMA, "skills": []}


def test_skills_are_listed_by_name(client, publish):
    for name in ("zeta", "alpha", "mid-one"):
        publish(name)
    assert list(entries(client)) == ["alpha", "mid-one", "zeta"]


def test_only_get_is_allowed(client, publish):
    publish("changelog")
    assert client.post(INDEX).status_code == 405


# -- the digest is of the bytes the url serves ------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Write it.\n",
        "Ünïcödé — “quotes”, 日本語 and an emoji 🚀\n",
        "no final newline",
        "trailing spaces   \n\n\n",
    ],
)
def test_the_digest_is_the_sha256_of_the_bytes_the_url_serves(client, publish, body):
    publish("changelog", skill_text("changelog", body=body))
    entry = entries(client)["changelog"]
    raw = client.get(entry["url"].removeprefix("http://testserver"))
    assert raw.status_code == 200
    assert entry["digest"] == "sha256:" + hashlib.sha256(raw.content).hexdigest()


def test_a_text_saved_with_crlf_and_a_bom_is_digested_as_served(client, publisher):
    text = "\ufeff" + skill_text("changelog").replace("\n", "\r\n")
    make_skill("skill", "changelog", text, author=publisher, publish=True)
    entry = entries(client)["changelog"]
    raw = client.get("/skills/changelog/raw")
    assert entry["digest"] == "sha256:" + hashlib.sha256(raw.content).hexdigest()


def test_a_newly_published_version_changes_the_digest_and_a_draft_does_not(
    client, publish, publisher
):
    skill = publish("changelog")
    before = entries(client)["changelog"]["digest"]
    skill.save_version(skill_text("changelog", body="A draft.\n"), publisher)
    assert entries(client)["changelog"]["digest"] == before
    skill.publish(skill.latest, publisher)
    after = entries(client)["changelog"]["digest"]
    assert after != before
    published = b"---\nname: changelog\ndescription: Write a changelog\n---\nA draft.\n"
    assert after == "sha256:" + hashlib.sha256(published).hexdigest()


# -- what is left out ----------------------------------------------------------------


def test_drafts_unpublished_archived_items_and_other_kinds_are_absent(client, publish, publisher):
    publish("listed")
    make_skill("skill", "draft-only", skill_text("draft-only"), author=publisher)
    publish("withdrawn").unpublish(publisher)
    publish("archived").archive(publisher)
    publish("review", GOOD_COMMAND, kind="command")
    publish("reviewer", "---\nname: reviewer\ndescription: Reviews\n---\nReview.\n", kind="agent")
    publish(
        "terse",
        "---\nname: terse\ndescription: Short answers\n---\nBe terse.\n",
        kind="output-style",
    )
    assert list(entries(client)) == ["listed"]


def test_a_skill_without_a_frontmatter_name_is_absent_because_the_cli_would_drop_it(
    client, publish
):
    publish("nameless", "---\ndescription: Has no name field\n---\nBody.\n")
    publish("named")
    assert list(entries(client)) == ["named"]


def test_a_skill_without_a_description_is_absent(client, publish):
    publish("undescribed", "---\nname: undescribed\n---\nBody.\n")
    assert entries(client) == {}


def test_a_skill_whose_frontmatter_the_cli_cannot_find_is_absent(client, publish):
    # The CLI opens frontmatter only on a first line that is exactly `---`.
    publish("spaced", "--- \nname: spaced\ndescription: Opening line has a space\n---\nBody.\n")
    publish("closed-by-end", "---\nname: closed-by-end\ndescription: Ends at the fence\n---")
    assert list(entries(client)) == ["closed-by-end"]


def test_a_description_longer_than_1024_utf16_units_is_absent(client, publish):
    # 600 code points pass Skillhub's limit, but JavaScript counts 1,200 units.
    publish("rockets", skill_text("rockets", description="🚀" * 600))
    publish("plain", skill_text("plain", description="x" * 1024))
    assert list(entries(client)) == ["plain"]


@pytest.mark.parametrize(
    ("name", "description", "accepted"),
    [
        ("changelog", "Write it", True),
        ("a" * 64, "d", True),
        ("a" * 65, "d", False),
        ("Changelog", "d", False),
        ("-lead", "d", False),
        ("trail-", "d", False),
        ("double--dash", "d", False),
        ("under_score", "d", False),
        ("changelog\n", "d", False),
        ("changelog", "", False),
        ("changelog", "é" * 1024, True),
        ("changelog", "é" * 1025, False),
        ("changelog", "🚀" * 512, True),
        ("changelog", "🚀" * 513, False),
    ],
)
def test_installable_mirrors_the_cli_checks_on_an_entry(name, description, accepted):
    assert installable(name, description) is accepted


# -- HTTP ----------------------------------------------------------------------------


def test_the_index_answers_304_to_its_etag_and_200_once_it_changed(client, publish, publisher):
    skill = publish("changelog")
    etag = client.get(INDEX)["ETag"]
    not_modified = client.get(INDEX, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    skill.save_version(skill_text("changelog", body="Changed.\n"), publisher)
    skill.publish(skill.latest, publisher)
    changed = client.get(INDEX, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_etag_is_the_sha256_of_the_body(client, publish):
    publish("changelog")
    response = client.get(INDEX)
    assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'


def test_any_origin_may_read_the_index(client, publish):
    publish("changelog")
    response = client.get(INDEX, headers={"Origin": "https://elsewhere.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    etag = response["ETag"]
    cached = client.get(INDEX, headers={"If-None-Match": etag, "Origin": "https://x.example"})
    assert cached["Access-Control-Allow-Origin"] == "*"


def test_urls_follow_the_host_the_index_was_asked_on(client, publish, settings):
    settings.ALLOWED_HOSTS = ["skills.example.com"]
    publish("changelog")
    response = client.get(INDEX, headers={"Host": "skills.example.com"}, secure=True)
    [entry] = response.json()["skills"]
    assert entry["url"] == "https://skills.example.com/skills/changelog/raw"


# -- downloads and update checks ----------------------------------------------------------


def test_reading_the_index_counts_no_download(client, publish):
    skill = publish("changelog")
    client.get(INDEX)
    client.get(INDEX, headers={"X-Skills-Update-Check": "1"})
    skill.refresh_from_db()
    assert skill.downloads == 0
    assert not VersionDownloads.objects.exists()


def test_fetching_the_listed_url_counts_a_download_but_an_update_check_does_not(client, publish):
    skill = publish("changelog")
    path = entries(client)["changelog"]["url"].removeprefix("http://testserver")
    client.get(path, headers={"X-Skills-Update-Check": "1"})
    skill.refresh_from_db()
    assert skill.downloads == 0
    client.get(path)
    skill.refresh_from_db()
    assert skill.downloads == 1


# -- cost -----------------------------------------------------------------------------


def _index_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(INDEX).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_index_costs_the_same_queries_for_one_skill_or_many(client, publish):
    publish("skill-0")
    one = _index_queries(client)
    for number in range(1, 8):
        publish(f"skill-{number}")
    many = _index_queries(client)
    assert len(entries(client)) == 8
    assert len(many) == len(one)


def test_the_index_loads_no_text(client, publish):
    publish("changelog", skill_text("changelog", body="x" * 10_000))
    for sql in _index_queries(client):
        selected = sql.split(" FROM ", 1)[0]
        assert '"text"' not in selected
        assert '"html"' not in selected


# -- install lines -------------------------------------------------------------------


def test_the_catalog_offers_installing_every_skill_with_the_skills_tool(client, publish):
    publish("changelog")
    html = client.get("/").content.decode()
    line = "npx skills add http://testserver --skill &#x27;*&#x27; -a claude-code -y</code>"
    assert line in html


def test_the_catalog_offers_no_skills_tool_line_without_a_published_skill(
    client, publish, publisher
):
    publish("review", GOOD_COMMAND, kind="command")
    make_skill("skill", "draft-only", skill_text("draft-only"), author=publisher)
    assert "npx skills add" not in client.get("/").content.decode()


def test_a_skill_page_names_the_skill_for_the_skills_tool(client, publish):
    publish("changelog")
    html = client.get("/skills/changelog/").content.decode()
    assert "npx skills add http://testserver --skill changelog" in html
