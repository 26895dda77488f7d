"""`/export.zip` and `/export.tar.gz`: reproducible `.claude/` bundles of published items."""

import io
import json
import tarfile
import zipfile
from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import bundles, exporting
from catalog.immutability import allow_version_deletes
from catalog.importing import import_entries, read_upload
from catalog.models import Skill, Version, VersionDownloads
from tests.factories import make_skill, run_command

pytestmark = pytest.mark.django_db

COMMAND = "---\ndescription: Commit the staged changes\n---\nWrite a commit message.\n"
SKILL = "---\nname: changelog\ndescription: Keep a changelog\n---\nUpdate CHANGELOG.md.\n"
AGENT = "---\nname: reviewer\ndescription: Reviews code\n---\nYou review code.\n"
STYLE = "---\nname: terse\ndescription: Short answers\n---\nAnswer in one line.\n"


@pytest.fixture
def catalog(publisher):
    """One published item of each kind, two tagged, and a draft."""

    def publish(kind, name, text, tags=()):
        skill = make_skill(kind, name, text, author=publisher, publish=True)
        skill.set_tags(list(tags))
        return skill

    publish("command", "git:commit", COMMAND, tags=["git"])
    publish("skill", "changelog", SKILL, tags=["git", "docs"])
    publish("agent", "reviewer", AGENT)
    publish("output-style", "terse", STYLE)
    make_skill("command", "draft", "---\ndescription: Not yet\n---\nSecret draft.\n")


def body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def tar_files(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()}


def lock_of(files: dict[str, bytes]) -> dict:
    return json.loads(files[bundles.LOCK_PATH])


ALL_PATHS = [
    ".claude/agents/reviewer.md",
    ".claude/commands/git/commit.md",
    ".claude/output-styles/terse.md",
    ".claude/skillhub.lock.json",
    ".claude/skills/changelog/SKILL.md",
]


def test_zip_bundle_holds_every_published_item_under_claude_and_a_valid_lock(client, catalog):
    response = client.get("/export.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="skillhub.zip"'
    files = zip_files(body(response))
    assert sorted(files) == ALL_PATHS
    assert files[".claude/commands/git/commit.md"] == COMMAND.encode()
    assert bundles.verify_lock(files) == []
    assert b"Secret draft" not in b"".join(files.values())


def test_tar_gz_bundle_holds_the_same_files(client, catalog):
    response = client.get("/export.tar.gz")
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == 'attachment; filename="skillhub.tar.gz"'
    tar = tar_files(body(response))
    assert tar == zip_files(body(client.get("/export.zip")))
    assert bundles.verify_lock(tar) == []


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
@pytest.mark.parametrize(
    "filters",
    ["", "kind=command", "tag=git", "tag=git&tag=docs", "kind=command&kind=skill&tag=git",
     "tag=+git+&tag=git", "kind=agent&tag=git"],
)  # fmt: skip
def test_export_skills_writes_the_bytes_get_export_sends_for_the_same_filters(
    client, catalog, tmp_path, fmt, filters
):
    out = tmp_path / f"out.{fmt}"
    options = [arg for name, value in parse_qsl(filters) for arg in (f"--{name}", value)]

    assert run_command("export_skills", str(out), *options)[0] == 0
    assert out.read_bytes() == body(client.get(f"/export.{fmt}?{filters}"))


def test_two_requests_give_identical_bytes(client, catalog):
    for url in ("/export.zip", "/export.tar.gz", "/export.zip?layout=plugin"):
        assert body(client.get(url)) == body(client.get(url))


def test_the_streamed_bundle_is_what_the_bundle_writer_makes(client, catalog):
    items = [
        bundles.BundleItem(s.kind, s.name, s.bundle_path, s.published.number, s.published.data)
        for s in Skill.objects.public().select_related("published")
    ]
    assert body(client.get("/export.zip")) == bundles.write_zip(items)
    assert body(client.get("/export.tar.gz")) == bundles.write_tar_gz(items)


def test_etag_is_the_lock_digest_and_a_match_gets_304(client, catalog):
    response = client.get("/export.zip")
    digest = lock_of(zip_files(body(response)))["digest"].removeprefix("sha256:")
    assert response["ETag"] == f'"{digest}"'
    again = client.get("/export.zip", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]
    stale = client.get("/export.zip", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_publishing_a_new_version_changes_the_etag(client, catalog, publisher):
    before = client.get("/export.zip")["ETag"]
    skill = Skill.objects.get(name="git:commit")
    skill.save_version(COMMAND + "More.\n", publisher)
    assert client.get("/export.zip")["ETag"] == before  # a draft changes nothing public
    skill.publish(skill.latest, publisher)
    assert client.get("/export.zip")["ETag"] != before


def test_item_parameters_select_items_case_insensitively(client, catalog):
    response = client.get("/export.zip", {"item": ["command/Git:Commit", "agent/reviewer"]})
    files = zip_files(body(response))
    assert sorted(files) == [
        ".claude/agents/reviewer.md",
        ".claude/commands/git/commit.md",
        ".claude/skillhub.lock.json",
    ]
    assert bundles.verify_lock(files) == []


def test_asking_for_an_unpublished_item_is_not_found(client, catalog):
    response = client.get("/export.zip", {"item": ["agent/reviewer", "command/draft"]})
    assert response.status_code == 404
    assert b"command/draft" in response.content
    assert b"Secret" not in response.content


def test_a_malformed_item_or_layout_is_a_bad_request(client, catalog):
    for params in ({"item": "reviewer"}, {"item": "plugin/x"}, {"item": "agent/Bad_Name"}):
        assert client.get("/export.zip", params).status_code == 400
    assert client.get("/export.tar.gz", {"layout": "plugin"}).status_code == 400
    assert client.get("/export.zip", {"layout": "flat"}).status_code == 400


def test_kind_tag_and_search_filters_apply_to_bundles(client, catalog):
    def paths(params):
        files = zip_files(body(client.get("/export.zip", params)))
        return sorted(path for path in files if path != bundles.LOCK_PATH)

    assert paths({"kind": "agent"}) == [".claude/agents/reviewer.md"]
    assert paths({"tag": "git"}) == [
        ".claude/commands/git/commit.md",
        ".claude/skills/changelog/SKILL.md",
    ]
    assert paths({"tag": ["git", "docs"]}) == [".claude/skills/changelog/SKILL.md"]
    assert paths({"q": "changelog"}) == [".claude/skills/changelog/SKILL.md"]
    assert paths({"q": "nothing-matches"}) == []


def test_a_bundle_counts_one_download_for_each_item_in_it(client, catalog):
    client.get("/export.zip", {"kind": "agent"})
    client.get("/export.tar.gz", {"tag": "git"})
    client.get("/export.zip", {"kind": "agent"})  # the same client again: not counted
    etag = client.get("/export.zip", {"kind": "agent"}, REMOTE_ADDR="203.0.113.2")["ETag"]
    client.get("/export.zip", {"kind": "agent"}, headers={"If-None-Match": etag})
    client.get("/export.zip", headers={"X-Skills-Update-Check": "1"})
    downloads = dict(Skill.objects.values_list("name", "downloads"))
    assert downloads == {
        "reviewer": 2,
        "git:commit": 1,
        "changelog": 1,
        "terse": 0,
        "draft": 0,
    }
    per_version = dict(VersionDownloads.objects.values_list("version__skill__name", "count"))
    assert per_version == {"reviewer": 2, "git:commit": 1, "changelog": 1}


def test_export_round_trips_through_an_import_into_an_empty_database(client, catalog, publisher):
    first = body(client.get("/export.zip"))
    Skill.objects.all().update(published=None, latest=None)  # free the versions...
    # ...and empty the catalog, which no code path does (the database guards versions)
    with allow_version_deletes(), connection.cursor() as cursor:
        tables = ("event", "versiondownloads", "analysis", "versionfile", "version", "blob")
        for table in (*tables, "skill_tags", "skill"):
            cursor.execute(f"DELETE FROM catalog_{table}")
    assert not Version.objects.exists()

    entries, skipped = read_upload("skillhub.zip", first)
    report = import_entries(entries, publisher, publish=True, skipped=skipped)
    assert report.applied, report.summary()
    second = body(client.get("/export.zip"))
    assert second == first


def test_bundle_listing_reads_no_texts_and_the_writer_reads_them_in_batches(publisher):
    for number in range(7):
        make_skill("command", f"c{number}", COMMAND, author=publisher, publish=True)
    with CaptureQueriesContext(connection) as listing:
        items = exporting.stored_items(Skill.objects.public())
    assert len(listing.captured_queries) == 1
    columns = listing.captured_queries[0]["sql"].split(" FROM ")[0]
    assert '"catalog_version"."text"' not in columns.replace('LENGTH("catalog_version"."text")', "")
    with CaptureQueriesContext(connection) as writing:
        data = b"".join(exporting.iter_bundle(items, "tar.gz"))
    assert len(writing.captured_queries) == 1  # 7 texts, one batch
    assert bundles.verify_lock(tar_files(data)) == []


# -- the plugin layout ------------------------------------------------------------------


def test_plugin_layout_is_a_claude_code_plugin(client, catalog):
    response = client.get("/export.zip", {"layout": "plugin"})
    assert response["Content-Disposition"] == 'attachment; filename="skillhub-plugin.zip"'
    files = zip_files(body(response))
    assert sorted(files) == [
        ".claude-plugin/plugin.json",
        "README.md",
        "agents/reviewer.md",
        "commands/git/commit.md",
        "output-styles/terse.md",
        "skillhub.lock.json",
        "skills/changelog/SKILL.md",
    ]
    manifest = json.loads(files[".claude-plugin/plugin.json"])
    assert manifest["name"] == "skillhub"
    assert manifest["description"] == "4 items published on Skillhub at testserver"
    assert manifest["version"].startswith("1.0.0+")
    assert manifest["author"] == {"name": "testserver"}
    assert manifest["homepage"] == "http://testserver/"
    assert "license" not in manifest
    assert files["skills/changelog/SKILL.md"] == SKILL.encode()


def test_plugin_lock_file_verifies_and_its_version_follows_the_content(client, catalog, publisher):
    def plugin():
        return zip_files(body(client.get("/export.zip", {"layout": "plugin"})))

    files = plugin()
    lock = files.pop("skillhub.lock.json")
    version = json.loads(files.pop(".claude-plugin/plugin.json"))["version"]
    files.pop("README.md")  # not an item: the lock lists the items
    assert bundles.verify_lock({bundles.LOCK_PATH: lock, **files}) == []
    assert version == "1.0.0+" + json.loads(lock)["digest"].removeprefix("sha256:")[:12]

    skill = Skill.objects.get(name="terse")
    skill.save_version(STYLE + "Really.\n", publisher)
    skill.publish(skill.latest, publisher)
    assert json.loads(plugin()[".claude-plugin/plugin.json"])["version"] != version


def test_plugin_entries_have_fixed_times_and_modes(client, catalog):
    data = body(client.get("/export.zip", {"layout": "plugin"}))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_plugin_etag_differs_from_the_claude_bundle(client, catalog):
    assert client.get("/export.zip")["ETag"] != client.get("/export.zip?layout=plugin")["ETag"]
