"""Skill folders going out whole (issue 12, items 4, 5, 8 and 9): bundles, one skill's
archive, single files, the discovery index, the API and the public pages, all over
HTTP and read back with Python's readers and the real `unzip` and `tar`."""

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog import bundles, exporting
from catalog.models import Skill, VersionDownloads
from catalog.skilltree import TreeFile
from tests.factories import make_skill
from tests.trees import expected_tree, large_skill, pdf_skill, tree_of

pytestmark = pytest.mark.django_db

PDF = ".claude/skills/pdf/"
FORMATS = ["zip", "tar.gz"]


def publish_folder(publisher, name: str, text: str, files) -> Skill:
    result = Skill.create("skill", name, text, publisher, files=files)
    skill = Skill.objects.get(pk=result.version.skill_id)
    skill.publish(result.version, publisher)
    return skill


@pytest.fixture
def pdf(publisher) -> Skill:
    text, files = pdf_skill()
    return publish_folder(publisher, "pdf", text, files)


@pytest.fixture(params=[("pdf", pdf_skill), ("big", large_skill)], ids=["pdf", "big"])
def folder_skill(request, publisher) -> tuple[str, str, dict[str, TreeFile]]:
    """A published folder skill, small and large: its name, SKILL.md text and files."""
    name, make = request.param
    text, files = make()
    publish_folder(publisher, name, text, files)
    return name, text, files


def get(url: str, **headers):
    return Client(enforce_csrf_checks=True).get(url, headers=headers)


def body(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content) if response.streaming else response.content


def archive_tree(data: bytes, fmt: str, prefix: str = "") -> dict[str, tuple[str, bool]]:
    """path (without `prefix`) -> (sha256, executable) of every file in an archive,
    read with Python's zipfile or tarfile; mode bits other than 0755/0644 fail."""
    found = {}
    if fmt == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                mode = info.external_attr >> 16 & 0o777
                assert mode in (0o644, 0o755), (info.filename, oct(mode))
                digest = hashlib.sha256(archive.read(info)).hexdigest()
                found[info.filename] = (digest, mode == 0o755)
    else:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member in archive.getmembers():
                assert member.isfile() and member.mode in (0o644, 0o755), member.name
                digest = hashlib.sha256(archive.extractfile(member).read()).hexdigest()
                found[member.name] = (digest, member.mode == 0o755)
    return {
        path.removeprefix(prefix): value
        for path, value in sorted(found.items())
        if path.startswith(prefix)
    }


def unpack_with_the_real_tool(data: bytes, fmt: str, folder: Path) -> Path:
    tool = "unzip" if fmt == "zip" else "tar"
    if shutil.which(tool) is None:
        pytest.skip(f"no {tool} on this machine")
    folder.mkdir()
    archive = folder.parent / f"download.{fmt}"
    archive.write_bytes(data)
    command = ["unzip", "-q", str(archive), "-d", str(folder)]
    if fmt == "tar.gz":
        command = ["tar", "-xzf", str(archive), "-C", str(folder)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return folder


def lock_and_files(data: bytes) -> tuple[dict, dict[str, bytes], dict[str, bool]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
        executable = {i.filename: bool(i.external_attr >> 16 & 0o100) for i in archive.infolist()}
    return json.loads(files[bundles.LOCK_PATH]), files, executable


# -- bundles ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bundle_gives_back_every_file_of_a_skill_byte_for_byte_with_its_mode(
    folder_skill, fmt, tmp_path
):
    name, text, files = folder_skill
    data = body(get(f"/export.{fmt}?item=skill/{name}"))

    assert archive_tree(data, fmt, f".claude/skills/{name}/") == expected_tree(text, files)
    unpacked = unpack_with_the_real_tool(data, fmt, tmp_path / "out")
    assert tree_of(unpacked / ".claude" / "skills" / name) == expected_tree(text, files)


@pytest.mark.parametrize("fmt", FORMATS)
def test_exporting_a_catalog_with_folders_twice_gives_identical_bytes(pdf, publisher, fmt):
    make_skill("command", "review", "---\ndescription: Review\n---\nReview.\n", publish=True)
    first, second = body(get(f"/export.{fmt}")), body(get(f"/export.{fmt}"))
    assert first == second
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_the_lock_lists_every_file_with_its_sha256_and_mode_and_the_tree_digest(pdf):
    lock, files, executable = lock_and_files(body(get("/export.zip")))

    assert bundles.verify_lock(files, executable) == []
    [item] = lock["items"]
    tree = pdf_skill()[1]
    assert item["tree_sha256"] == pdf.published.analysis.tree_sha256
    assert item["files"] == [
        {"path": PDF + path, "sha256": file.sha256, "executable": file.executable}
        for path, file in sorted(tree.items())
    ]
    assert set(files) == {bundles.LOCK_PATH, PDF + "SKILL.md"} | {PDF + p for p in tree}


def test_the_lock_digest_follows_the_documented_lines_for_folders_too(pdf):
    make_skill("command", "review", "---\ndescription: Review\n---\nReview.\n", publish=True)
    lock, _files, _executable = lock_and_files(body(get("/export.zip")))

    def line(i):  # as the bundles module docstring spells it out
        tree = f"\t{i['tree_sha256']}" if "files" in i else ""
        return f"{i['path']}\t{i['kind']}\t{i['name']}\t{i['version']}\t{i['sha256']}{tree}\n"

    lines = "".join(line(i) for i in sorted(lock["items"], key=lambda i: i["path"]))
    assert lock["digest"] == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()


def test_the_bundle_etag_changes_when_only_a_file_or_its_mode_changes(pdf, publisher):
    etags = [get("/export.zip")["ETag"]]
    text, files = pdf_skill()
    licence = files["LICENSE.txt"]
    for changed in (
        TreeFile(licence.path, b"Another licence.\n"),
        TreeFile(licence.path, b"Another licence.\n", executable=True),
    ):
        pdf.save_version(text, publisher, base_number=pdf.latest.number, files={**files,
                         licence.path: changed})  # fmt: skip
        pdf.refresh_from_db()
        pdf.publish(pdf.latest, publisher)
        etags.append(get("/export.zip")["ETag"])
    assert len(set(etags)) == 3
    assert Client().get("/export.zip", headers={"If-None-Match": etags[-1]}).status_code == 304


def test_a_lock_whose_file_lost_its_executable_bit_or_changed_is_named(pdf):
    _lock, files, executable = lock_and_files(body(get("/export.zip")))
    script = PDF + "scripts/check_fields.py"

    assert bundles.verify_lock(files, {**executable, script: False}) == [
        f"{script}: executable bit differs from the lock file"
    ]
    changed = {**files, PDF + "LICENSE.txt": b"another licence\n"}
    assert bundles.verify_lock(changed) == [f"{PDF}LICENSE.txt: sha256 differs from the lock file"]


def test_a_lock_whose_tree_digest_does_not_match_its_files_is_named(pdf):
    lock, files, _executable = lock_and_files(body(get("/export.zip")))
    lock["items"][0]["files"][0]["executable"] = True  # LICENSE.txt, not what the tree says
    files[bundles.LOCK_PATH] = json.dumps(lock).encode()

    assert f"{PDF}SKILL.md: tree_sha256 does not match the listed files" in (
        bundles.verify_lock(files)
    )


# Recorded from /export.zip, /export.tar.gz and the plugin zip of this catalog before
# skills had files (commit 4e1cafd): single-file items must keep exporting these bytes.
SINGLE_FILE_CATALOG = {
    "/export.zip": "5e91d8d653b461e5535765d905a7e2b0957ca576cf0c57f817896d8ebcfa8cbb",
    "/export.tar.gz": "0399e6d7a73d95b08f1edb2e028aaa9d43af074917ed51332b5fffaf784d5b11",
    "/export.zip?layout=plugin": (
        "dd28eebeb2722866d8c3ace11e8d082416fb3167d3105c09fd427ccd1e7307cf"
    ),
}
SINGLE_FILE_ETAG = '"478794f07b8b2b17133e2449fc1f2f83d0056b304834b28fd89cd917df8db59a'


def test_a_catalog_of_single_files_exports_the_same_bytes_as_before_skills_had_files(
    publisher,
):
    for kind, name, text in [
        ("command", "git:commit", "---\ndescription: Commit the staged changes\n---\n"
                                  "Write a commit message.\n"),
        ("skill", "changelog", "---\nname: changelog\ndescription: Keep a changelog\n---\n"
                               "Update CHANGELOG.md.\n"),
        ("agent", "reviewer", "---\nname: reviewer\ndescription: Reviews code\n---\n"
                              "You review code.\n"),
        ("output-style", "terse", "---\nname: terse\ndescription: Short answers\n---\n"
                                  "Answer in one line.\n"),
        ("command", "plain", "Just a body, no frontmatter.\n"),
    ]:  # fmt: skip
        make_skill(kind, name, text, author=publisher, publish=True)

    for url, digest in SINGLE_FILE_CATALOG.items():
        response = get(url)
        assert hashlib.sha256(body(response)).hexdigest() == digest, url
        assert response["ETag"].startswith(SINGLE_FILE_ETAG)


def test_a_pure_bundle_of_single_files_is_byte_identical_to_before():
    items = [
        bundles.BundleItem("command", "git:commit", ".claude/commands/git/commit.md", 3,
                           b"---\ndescription: x\n---\nbody\n"),
        bundles.BundleItem("skill", "changelog", ".claude/skills/changelog/SKILL.md", 1,
                           "---\nname: changelog\n---\n\u00e9\n".encode()),
        bundles.BundleItem("command", "a:" + "b" * 100, ".claude/commands/a/" + "b" * 100 + ".md",
                           2, b"long\n"),
    ]  # fmt: skip
    # Both recorded with the writer of commit 4e1cafd.
    assert hashlib.sha256(bundles.write_zip(items)).hexdigest() == (
        "00e734d74f872b03282b557cdbf9704dccc946b9b7c4c9fe6f6735a986fa53db"
    )
    assert hashlib.sha256(bundles.write_tar_gz(items)).hexdigest() == (
        "fa1bde9cbd2f9f618bbc693af97df79350e04ea3034619870d3a4fc863352e35"
    )


def test_listing_a_bundle_loads_no_text_or_blob_and_costs_the_same_for_more_folders(publisher):
    text, files = pdf_skill()

    def listing_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            items = exporting.stored_items(Skill.objects.public())
        assert all(item.files for item in items)
        return [query["sql"] for query in captured.captured_queries]

    publish_folder(publisher, "pdf-0", text.replace("name: pdf", "name: pdf-0"), files)
    one = listing_queries()
    for number in range(1, 6):
        publish_folder(publisher, f"pdf-{number}", text.replace("pdf", f"pdf-{number}"), files)
    many = listing_queries()

    assert len(many) == len(one) == 2
    for sql in many:
        selected = sql.split(" FROM ", 1)[0]
        assert '"text"' not in selected.replace('LENGTH("catalog_version"."text")', "")
        assert '"content"' not in selected


def test_a_bundle_of_many_folders_reads_blobs_in_batches_not_one_query_each(publisher):
    text, files = pdf_skill()
    for number in range(12):
        publish_folder(publisher, f"pdf-{number}", text.replace("pdf", f"pdf-{number}"), files)
    with CaptureQueriesContext(connection) as captured:
        data = body(get("/export.tar.gz"))
    blob_reads = [q for q in captured.captured_queries if '"catalog_blob"."content"' in q["sql"]]
    assert len(blob_reads) == 1  # 84 files, one batch
    assert len(archive_tree(data, "tar.gz")) == 12 * 8 + 1


# -- the plugin layout -----------------------------------------------------------------


def test_the_plugin_holds_every_file_with_its_mode_and_a_lock_that_lists_them(pdf, tmp_path):
    data = body(get("/export.zip?layout=plugin"))
    text, files = pdf_skill()

    assert archive_tree(data, "zip", "skills/pdf/") == expected_tree(text, files)
    lock = json.loads(zipfile.ZipFile(io.BytesIO(data)).read(exporting.PLUGIN_LOCK))
    [item] = lock["items"]
    assert [f["path"] for f in item["files"]] == [f"skills/pdf/{p}" for p in sorted(files)]
    assert item["tree_sha256"] == pdf.published.analysis.tree_sha256  # it has a description
    assert body(get("/export.zip?layout=plugin")) == data


def test_claude_code_validates_the_plugin_of_a_folder_skill_and_loads_it(
    pdf, claude_code, tmp_path
):
    data = body(get("/export.zip?layout=plugin&plugin=folders"))
    folder = unpack_with_the_real_tool(data, "zip", tmp_path / "folders")
    text, files = pdf_skill()
    assert tree_of(folder / "skills" / "pdf") == expected_tree(text, files)

    result = claude_code.validate(folder, strict=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    verdict = output.split("Plugin directory checks")[0]
    assert "⚠" not in verdict and "✘" not in verdict, verdict

    empty = tmp_path / "empty"
    empty.mkdir()
    record = claude_code.init(empty, plugin_dir=folder)
    assert not record.get("plugin_errors")
    assert "folders:pdf" in record["skills"]


# -- one skill's folder ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_skill_downloads_as_its_folder_with_skill_md_at_the_root(folder_skill, fmt, tmp_path):
    name, text, files = folder_skill
    response = get(f"/skills/{name}.{fmt}")
    data = body(response)

    assert response["Content-Type"] == {"zip": "application/zip", "tar.gz": "application/gzip"}[fmt]
    assert response["Content-Disposition"] == f'attachment; filename="{name}.{fmt}"'
    assert archive_tree(data, fmt) == expected_tree(text, files)
    assert tree_of(unpack_with_the_real_tool(data, fmt, tmp_path / "out")) == expected_tree(
        text, files
    )
    assert body(get(f"/skills/{name}.{fmt}")) == data


def test_a_single_file_skill_downloads_as_a_folder_of_its_skill_md(publisher):
    text = "---\nname: changelog\ndescription: Keep a changelog\n---\nUpdate it.\n"
    make_skill("skill", "changelog", text, author=publisher, publish=True)
    data = body(get("/skills/changelog.tar.gz"))
    assert archive_tree(data, "tar.gz") == expected_tree(text, {})


def test_a_folder_download_counts_like_raw_and_an_update_check_does_not(pdf):
    body(get("/skills/pdf.tar.gz", **{"X-Skills-Update-Check": "1"}))
    assert Skill.objects.get(pk=pdf.pk).downloads == 0
    body(get("/skills/pdf.zip"))
    assert Skill.objects.get(pk=pdf.pk).downloads == 1
    assert VersionDownloads.objects.get(version=pdf.published).count == 1


def test_a_folder_download_answers_304_to_its_etag_and_changes_with_the_tree(pdf, publisher):
    first = get("/skills/pdf.tar.gz")
    etag = first["ETag"]
    again = Client().get("/skills/pdf.tar.gz", headers={"If-None-Match": etag})
    assert again.status_code == 304

    text, files = pdf_skill()
    script = files["scripts/check_fields.py"]
    changed = {**files, script.path: TreeFile(script.path, script.data, executable=False)}
    pdf.save_version(text, publisher, base_number=1, files=changed)
    pdf.refresh_from_db()
    pdf.publish(pdf.latest, publisher)
    assert get("/skills/pdf.tar.gz")["ETag"] != etag


def test_a_draft_or_another_kind_has_no_folder_download(publisher):
    text, files = pdf_skill()
    Skill.create("skill", "pdf", text, publisher, files=files)
    make_skill("command", "review", publish=True)
    assert get("/skills/pdf.zip").status_code == 404
    assert get("/skills/review.tar.gz").status_code == 404
    assert Client().post("/skills/pdf.zip").status_code == 405


# -- single files ------------------------------------------------------------------------


def served_file(publisher, path: str, data: bytes):
    """The response to /skills/pdf/files/<path> once pdf is published with only that file."""
    publish_folder(publisher, "pdf", pdf_skill()[0], {path: TreeFile(path, data)})
    response = get(f"/skills/pdf/files/{path}")
    assert response.status_code == 200
    assert response.content == data
    return response


@pytest.mark.parametrize(
    "path, data",
    [
        ("scripts/run.py", b"print('hi')\n"),
        ("references/guide.md", b"# Guide\n<script>x()</script>\n"),
        ("LICENSE.txt", b"MIT\n"),
        ("Makefile", b"all:\n\techo\n"),
    ],
)  # fmt: skip
def test_a_text_file_is_served_inline_as_plain_text_with_nosniff(publisher, path, data):
    response = served_file(publisher, path, data)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Content-Disposition" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


@pytest.mark.parametrize(
    "path, data, content_type",
    [
        ("assets/fonts/Inter.ttf", b"\x00\x01\x00\x00font", "font/ttf"),
        ("assets/page.html", b"<html><script>alert(1)</script></html>", "text/html"),
        ("assets/logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        ("assets/blob", b"\x00\xff binary", "application/octet-stream"),
        ("notes.txt", b"\xff\xfe not UTF-8", "text/plain"),
    ],
)  # fmt: skip
def test_anything_but_plain_text_is_an_attachment_of_its_type_with_nosniff(
    publisher, path, data, content_type
):
    response = served_file(publisher, path, data)
    assert response["Content-Type"] == content_type
    file_name = path.rsplit("/", 1)[-1]
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{file_name}"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_file_answers_304_to_its_etag_and_a_missing_one_is_404(pdf):
    response = get("/skills/pdf/files/scripts/check_fields.py")
    etag = response["ETag"]
    assert etag == f'"{pdf_skill()[1]["scripts/check_fields.py"].sha256}"'
    assert (
        Client().get(response.request["PATH_INFO"], headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert get("/skills/pdf/files/scripts/missing.py").status_code == 404
    assert get("/skills/pdf/files/../pdf/SKILL.md").status_code == 404
    assert get("/skills/nobody/files/LICENSE.txt").status_code == 404


def test_skill_md_is_one_of_the_files_too(pdf):
    response = get("/skills/pdf/files/SKILL.md")
    assert response.content == pdf_skill()[0].encode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"


# -- the discovery index -----------------------------------------------------------------


def test_a_folder_is_an_archive_entry_whose_digest_is_the_sha256_of_its_tar_gz(pdf, publisher):
    make_skill("skill", "changelog", "---\nname: changelog\ndescription: Log\n---\nLog.\n",
               author=publisher, publish=True)  # fmt: skip
    index = get("/.well-known/agent-skills/index.json").json()
    entries = {entry["name"]: entry for entry in index["skills"]}

    archive = entries["pdf"]
    assert archive["type"] == "archive"
    assert archive["url"] == "http://testserver/skills/pdf.tar.gz"
    downloaded = body(get("/skills/pdf.tar.gz"))
    assert archive["digest"] == "sha256:" + hashlib.sha256(downloaded).hexdigest()
    assert set(archive) == {"name", "description", "type", "url", "digest"}
    assert entries["changelog"]["type"] == "skill-md"


def test_the_archive_digest_is_built_once_per_tree_then_read_from_the_cache(pdf):
    first = get("/.well-known/agent-skills/index.json").content
    with CaptureQueriesContext(connection) as captured:
        second = get("/.well-known/agent-skills/index.json").content
    assert first == second
    assert not [q for q in captured.captured_queries if "catalog_blob" in q["sql"]]
    assert not [q for q in captured.captured_queries if '"catalog_versionfile"' in q["sql"]]


def test_the_legacy_index_lists_every_file_of_a_folder(pdf):
    index = get("/.well-known/skills/index.json").json()
    [entry] = index["skills"]
    assert entry["files"] == ["SKILL.md", *sorted(pdf_skill()[1])]
    assert entry["type"] == "archive"


# -- the API and the public pages ------------------------------------------------------------


def test_the_api_lists_every_file_besides_skill_md_with_size_sha256_and_mode(pdf):
    item = get("/api/skills/skill/pdf").json()
    files = pdf_skill()[1]
    assert [
        {key: entry[key] for key in ("path", "size", "sha256", "executable")}
        for entry in item["files"]
    ] == [
        {"path": p, "size": f.size, "sha256": f.sha256, "executable": f.executable}
        for p, f in sorted(files.items())
    ]
    assert item["files"][0]["url"] == "http://testserver/skills/pdf/files/LICENSE.txt"
    assert item["text"] == pdf_skill()[0]
    assert {"kind", "name", "description", "version", "sha256", "tags", "urls"} <= item.keys()


def test_the_api_lists_no_files_for_a_single_file_item(client):
    make_skill("command", "review", publish=True)
    assert get("/api/skills/command/review").json()["files"] == []


def test_the_item_page_lists_the_files_with_links_and_marks_the_executable_ones(pdf):
    html = get("/skills/pdf/").content.decode()
    text, files = pdf_skill()
    total = len(text.encode()) + sum(f.size for f in files.values())
    assert f'data-files="8" data-size="{total}"' in html
    for path, file in files.items():
        marked = " data-executable" if file.executable else ""
        assert f'<li data-file="{path}"{marked}><a href="/skills/pdf/files/{path}">' in html
    assert 'href="/skills/pdf.zip"' in html
    assert "curl -fsSL &#x27;http://testserver/skills/pdf.tar.gz&#x27; | tar xz" in html


def test_the_catalog_shows_file_count_and_size_in_a_constant_number_of_queries(
    publisher, django_assert_max_num_queries
):
    text, files = pdf_skill()
    for number in range(8):
        publish_folder(publisher, f"pdf-{number}", text.replace("pdf", f"pdf-{number}"), files)
    with django_assert_max_num_queries(6):
        html = get("/").content.decode()
    total = len(text.replace("pdf", "pdf-0").encode()) + sum(f.size for f in files.values())
    assert html.count('data-files="8"') == 8
    assert f'data-size="{total}"' in html


def test_the_feed_lists_a_published_folder(pdf):
    feed = get("/feed.xml").content.decode()
    assert "/skills/pdf/#v1" in feed
