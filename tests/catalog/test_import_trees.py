"""Importing skill folders: every file of every skill, byte for byte, with its executable
bit, from folders on disk, zips and tar.gz archives (made by Python and by the real `zip`
and `tar` tools), in the .claude/, plugin, marketplace and bare-folder layouts; files
outside any item skipped and reported; hostile trees refused with nothing written."""

import io
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from catalog import bundles
from catalog.blobs import Blob
from catalog.importing import import_entries, read_path, read_upload
from catalog.models import Skill, Version
from catalog.skilltree import TreeFile, as_tree
from tests.browser import Browser, one, select
from tests.factories import GOOD_COMMAND, make_user, run_command
from tests.trees import expected_tree, font_bytes, large_skill, pdf_skill, write_tree, zip_of

pytestmark = pytest.mark.django_db

needs_zip = pytest.mark.skipif(shutil.which("zip") is None, reason="the zip tool is not installed")
needs_tar = pytest.mark.skipif(shutil.which("tar") is None, reason="the tar tool is not installed")


# -- helpers --------------------------------------------------------------------------------


def counts() -> tuple[int, int, int]:
    return Skill.objects.count(), Version.objects.count(), Blob.objects.count()


def stored(name: str) -> dict[str, tuple[str, bool]]:
    """What tree_of would give for the latest version of skill `name`."""
    version = Skill.objects.get(kind="skill", name=name).latest
    return expected_tree(version.text, version.tree())


def assert_stored_byte_for_byte(name: str, text: str, files: dict[str, TreeFile]) -> None:
    version = Skill.objects.get(kind="skill", name=name).latest
    assert version.text == text
    assert stored(name) == expected_tree(text, files)
    assert {p: f.data for p, f in version.tree().items()} == {p: f.data for p, f in files.items()}


def zip_folder(root: Path) -> bytes:
    """A zip of every file under `root` as Python writes one: Unix modes in the
    external attributes, as Info-ZIP does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(path.relative_to(root).as_posix())
                info.external_attr = (0o100000 | (path.stat().st_mode & 0o777)) << 16
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def tar_folder(root: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(root.iterdir()):
            archive.add(path, arcname=path.name)
    return buffer.getvalue()


def zip_tool(root: Path, out: Path) -> bytes:
    subprocess.run(["zip", "-q", "-r", "-X", str(out), "."], cwd=root, check=True)
    return out.read_bytes()


def tar_tool(root: Path, out: Path) -> bytes:
    # `tar czf x.tar.gz .` names every member "./…", as people make them.
    subprocess.run(["tar", "czf", str(out), "-C", str(root), "."], check=True)
    return out.read_bytes()


def import_upload(filename: str, data: bytes, *, dry_run: bool = False):
    entries, skipped = read_upload(filename, data)
    label = filename.split(".")[0]
    return import_entries(entries, None, dry_run=dry_run, skipped=skipped, label=label)


def line_for(report, path: str):
    [line] = [line for line in report.lines if line.path == path]
    return line


# -- every layout, every container, byte for byte ---------------------------------------------


def test_a_claude_skills_folder_imports_every_file_byte_for_byte_with_its_executable_bit(
    tmp_path,
):
    text, files = pdf_skill()
    write_tree(tmp_path / "project/.claude/skills/pdf", text, files)
    (tmp_path / "project/README.md").write_text("# A project, not a command\n")
    code, out, err = run_command("import_skills", str(tmp_path / "project"))
    assert code == 0, err
    assert "1 created" in out
    assert_stored_byte_for_byte("pdf", text, files)
    assert list(Skill.objects.values_list("kind", "name")) == [("skill", "pdf")]


@pytest.mark.parametrize(
    ("maker", "filename"),
    [
        pytest.param(lambda root, out: zip_folder(root), "pdf.zip", id="python-zip"),
        pytest.param(lambda root, out: tar_folder(root), "pdf.tar.gz", id="python-tar"),
        pytest.param(zip_tool, "pdf.zip", id="zip-tool", marks=needs_zip),
        pytest.param(tar_tool, "pdf.tar.gz", id="tar-tool", marks=needs_tar),
    ],
)
def test_an_archive_of_a_claude_tree_imports_every_file_with_its_mode(tmp_path, maker, filename):
    text, files = pdf_skill()
    write_tree(tmp_path / "tree/.claude/skills/pdf", text, files)
    data = maker(tmp_path / "tree", tmp_path / filename)
    report = import_upload(filename, data)
    assert report.applied, report.lines
    assert_stored_byte_for_byte("pdf", text, files)


@pytest.mark.parametrize(
    "folder", ["skills/pdf", "plugins/toolkit/skills/pdf", "pdf", ".claude/skills/pdf"]
)
def test_plugin_marketplace_and_bare_layouts_import_every_file(tmp_path, folder):
    text, files = pdf_skill()
    write_tree(tmp_path / "tree" / folder, text, files)
    report = import_upload("upload.zip", zip_folder(tmp_path / "tree"))
    assert report.applied, report.lines
    assert line_for(report, f"{folder}/SKILL.md").outcome == "created"
    assert_stored_byte_for_byte("pdf", text, files)


def test_a_bare_skill_folder_on_disk_imports_as_the_skill_its_frontmatter_names(tmp_path):
    text, files = pdf_skill()
    write_tree(tmp_path / "downloaded-folder", text, files)
    code, _out, err = run_command("import_skills", str(tmp_path / "downloaded-folder"))
    assert code == 0, err
    assert_stored_byte_for_byte("pdf", text, files)


def test_an_archive_with_skill_md_at_its_root_and_no_name_is_named_after_the_archive(tmp_path):
    text, files = pdf_skill()
    text = text.replace("name: pdf\n", "")
    write_tree(tmp_path / "tree", text, files)
    for filename in ("forms.zip", "forms.tar.gz"):
        maker = zip_folder if filename.endswith(".zip") else tar_folder
        archive = tmp_path / filename
        archive.write_bytes(maker(tmp_path / "tree"))
        code, _out, err = run_command("import_skills", str(archive))
        assert code == 0, err
        assert_stored_byte_for_byte("forms", text, files)
    assert Skill.objects.get(name="forms").versions.count() == 1


def test_a_readme_at_the_root_and_a_git_folder_are_skipped_and_reported_not_imported(tmp_path):
    text, files = pdf_skill()
    root = tmp_path / "repo"
    write_tree(root / "skills/pdf", text, files)
    (root / "README.md").write_text("# Our skills\n")
    (root / ".git/objects/ab").mkdir(parents=True)
    (root / ".git/objects/ab/cdef").write_bytes(b"\x78\x01blob")
    (root / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (root / "skills/pdf/scripts/__pycache__").mkdir()
    (root / "skills/pdf/scripts/__pycache__/check_fields.cpython-311.pyc").write_bytes(b"\x00")
    (root / "skills/pdf/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")

    for data in (zip_folder(root), tar_folder(root)):
        report = import_upload("repo.zip", data, dry_run=True)
        skipped = {line.path: line.detail for line in report.lines if line.outcome == "skipped"}
        assert set(skipped) == {
            "README.md",
            ".git/",
            "skills/pdf/scripts/__pycache__/",
            "skills/pdf/.DS_Store",
        }
        assert all(skipped.values())
        assert [line.outcome for line in report.lines if line.outcome != "skipped"] == ["created"]

    code, out, _err = run_command("import_skills", str(root))
    assert code == 0
    assert "skipped" in out and "README.md" in out and ".git/" in out
    assert list(Skill.objects.values_list("kind", "name")) == [("skill", "pdf")]
    assert_stored_byte_for_byte("pdf", text, files)


def test_loose_markdown_files_are_still_commands_when_nothing_else_is_laid_out():
    commands = zip_of({"review.md": GOOD_COMMAND, "README.md": "# These are our commands\n"})
    report = import_upload("commands.zip", commands)
    assert report.applied
    assert list(Skill.objects.values_list("kind", "name")) == [("command", "review")]
    assert line_for(report, "README.md").outcome == "skipped"


# -- versions, diffs and blobs ------------------------------------------------------------------


def test_importing_the_same_tree_again_creates_nothing(tmp_path):
    text, files = pdf_skill()
    write_tree(tmp_path / ".claude/skills/pdf", text, files)
    assert run_command("import_skills", str(tmp_path))[0] == 0
    before = counts()
    code, out, _ = run_command("import_skills", str(tmp_path))
    assert code == 0
    assert "0 created, 0 new versions, 1 unchanged" in out
    assert counts() == before
    report = import_upload("pdf.tar.gz", tar_folder(tmp_path))
    assert line_for(report, ".claude/skills/pdf/SKILL.md").outcome == "unchanged"
    assert counts() == before


def test_a_changed_file_makes_a_new_version_and_the_dry_run_names_each_file_change(tmp_path):
    text, files = pdf_skill()
    skill_folder = write_tree(tmp_path / ".claude/skills/pdf", text, files)
    assert run_command("import_skills", str(tmp_path))[0] == 0
    (skill_folder / "scripts/check_fields.py").write_bytes(b"#!/usr/bin/env python3\nprint(1)\n")
    (skill_folder / "references/extra.md").write_text("# More\n")
    (skill_folder / "LICENSE.txt").unlink()
    os.chmod(skill_folder / "assets/template.json", 0o755)

    entries, skipped = read_path(tmp_path)
    report = import_entries(entries, None, dry_run=True, skipped=skipped)
    line = line_for(report, ".claude/skills/pdf/SKILL.md")
    assert line.outcome == "new-version"
    assert line.detail == "v2 (1 file added, 2 changed, 1 removed, 5 unchanged)"
    by_status = {}
    for status, path in line.files:
        by_status.setdefault(status, []).append(path)
    assert by_status == {
        "added": ["references/extra.md"],
        "changed": ["assets/template.json", "scripts/check_fields.py"],
        "removed": ["LICENSE.txt"],
        "unchanged": [
            "SKILL.md",
            "assets/fonts/Inter.ttf",
            "references/forms.md",
            "references/reference.md",
            "scripts/fill/fill_form.py",
        ],
    }

    code, _out, _ = run_command("import_skills", str(tmp_path))
    assert code == 0
    skill = Skill.objects.get(name="pdf")
    assert skill.versions.count() == 2
    tree = skill.latest.tree()
    assert "LICENSE.txt" not in tree and tree["assets/template.json"].executable
    assert tree["scripts/check_fields.py"].data == b"#!/usr/bin/env python3\nprint(1)\n"


def test_a_new_version_that_changes_one_file_of_eighty_stores_exactly_one_new_blob(tmp_path):
    text, files = large_skill(files=80, total_bytes=5 * 1024 * 1024)
    folder = write_tree(tmp_path / ".claude/skills/big", text, files)
    assert run_command("import_skills", str(tmp_path))[0] == 0
    assert_stored_byte_for_byte("big", text, files)
    blobs = Blob.objects.count()
    changed = sorted(files)[40]
    (folder / changed).write_bytes(files[changed].data + b"one more line\n")
    code, out, _ = run_command("import_skills", str(tmp_path))
    assert code == 0 and "1 new versions" in out
    assert Blob.objects.count() == blobs + 1
    assert Skill.objects.get(name="big").versions.count() == 2


# -- hostile trees: refused, nothing written -----------------------------------------------------


SKILL_MD = pdf_skill()[0].encode()


def test_a_path_collision_by_case_inside_a_skill_is_refused_and_nothing_is_written(tmp_path):
    twins = {
        ".claude/skills/pdf/SKILL.md": SKILL_MD,
        ".claude/skills/pdf/Scripts/a.py": b"print(1)\n",
        ".claude/skills/pdf/scripts/a.py": b"print(2)\n",
    }
    with pytest.raises(bundles.ArchiveError) as caught:
        read_upload("pdf.zip", zip_of(twins))
    assert any("same name as" in line for line in caught.value.problems)
    # On a case-sensitive disk the two files exist side by side; the skill is refused.
    for path, data in twins.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    code, _out, err = run_command("import_skills", str(tmp_path))
    assert code == 1
    assert "refused .claude/skills/pdf/SKILL.md" in err and "scripts/a.py" in err
    assert "same name as" in err
    assert counts() == (0, 0, 0)


@override_settings(
    SKILLHUB_SKILL_LIMITS={"max_file_bytes": 1000, "max_total_bytes": 10_000, "max_files": 50}
)
def test_a_file_over_the_per_file_limit_refuses_its_skill_and_nothing_is_written():
    upload = zip_of(
        {
            ".claude/commands/fine.md": GOOD_COMMAND.encode(),
            ".claude/skills/pdf/SKILL.md": SKILL_MD,
            ".claude/skills/pdf/assets/font.ttf": font_bytes(1001),
        }
    )
    report = import_upload("pdf.zip", upload)
    line = line_for(report, ".claude/skills/pdf/SKILL.md")
    assert line.outcome == "refused"
    assert "assets/font.ttf: 1,001 bytes, over the limit of 1,000" in line.detail
    assert not report.applied
    assert counts() == (0, 0, 0)


def test_a_skill_of_1001_files_is_refused_and_nothing_is_written():
    files = {f".claude/skills/many/part-{n:04d}.txt": b"x\n" for n in range(1000)}
    text = b"---\nname: many\ndescription: Many files\n---\nMany.\n"
    report = import_upload("many.zip", zip_of({".claude/skills/many/SKILL.md": text, **files}))
    line = line_for(report, ".claude/skills/many/SKILL.md")
    assert line.outcome == "refused"
    assert "1,001 files, over the limit of 1,000" in line.detail
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("made_by", ["python", pytest.param("tar-tool", marks=needs_tar)])
def test_a_symlink_in_a_tar_is_refused_and_nothing_is_written(tmp_path, made_by):
    text, files = pdf_skill()
    folder = write_tree(tmp_path / "tree/.claude/skills/pdf", text, files)
    os.symlink("/etc/passwd", folder / "references/passwd.md")
    if made_by == "python":
        data = tar_folder(tmp_path / "tree")
    else:
        data = tar_tool(tmp_path / "tree", tmp_path / "pdf.tar.gz")
    with pytest.raises(bundles.ArchiveError) as caught:
        read_upload("pdf.tar.gz", data)
    assert [line for line in caught.value.problems if "symlink to /etc/passwd" in line]
    assert "references/passwd.md" in str(caught.value)
    archive = tmp_path / "pdf.tar.gz"
    archive.write_bytes(data)
    code, _out, err = run_command("import_skills", str(archive))
    assert code == 1 and "symlink" in err
    assert counts() == (0, 0, 0)


def test_a_symlink_in_a_folder_is_skipped_and_reported_never_followed(tmp_path):
    text, files = pdf_skill()
    folder = write_tree(tmp_path / ".claude/skills/pdf", text, files)
    os.symlink("/etc/passwd", folder / "references/passwd.md")
    code, out, _err = run_command("import_skills", str(tmp_path))
    assert code == 0
    assert "references/passwd.md: symbolic link, not followed" in out
    assert_stored_byte_for_byte("pdf", text, files)


def test_a_binary_skill_md_is_refused_with_a_clear_message_and_nothing_is_written(tmp_path):
    binary = font_bytes(512)
    upload = zip_of({".claude/skills/pdf/SKILL.md": binary, ".claude/skills/pdf/a.txt": b"a\n"})
    with pytest.raises(bundles.ArchiveError) as caught:
        read_upload("pdf.zip", upload)
    [problem] = caught.value.problems
    assert problem.startswith(".claude/skills/pdf/SKILL.md: a binary file")
    assert "must be UTF-8 text" in problem
    write_tree(tmp_path / ".claude/skills/pdf", "", {})
    (tmp_path / ".claude/skills/pdf/SKILL.md").write_bytes(binary)
    code, _out, err = run_command("import_skills", str(tmp_path))
    assert code == 1
    assert "refused .claude/skills/pdf/SKILL.md: a binary file" in err
    assert counts() == (0, 0, 0)


def test_files_of_a_skill_need_safe_paths_but_not_markdown_names():
    names = [
        "LICENSE.txt",
        "fonts/Inter-Regular.ttf",
        "ooxml/schemas/ISO-IEC29500-4_2016/dml-chart.xsd",
        "scripts/run me.sh",
    ]
    files = {f".claude/skills/docx/{name}": b"data\n" for name in names}
    entries, _skipped = read_upload(
        "docx.zip", zip_of({".claude/skills/docx/SKILL.md": SKILL_MD, **files})
    )
    assert sorted(entry.path for entry in entries) == sorted(
        [".claude/skills/docx/SKILL.md", *files]
    )
    unsafe = {".claude/skills/docx/../evil.txt": b"x", ".claude/skills/docx/con.txt": b"x"}
    with pytest.raises(bundles.ArchiveError) as caught:
        read_upload("docx.zip", zip_of({".claude/skills/docx/SKILL.md": SKILL_MD, **unsafe}))
    assert [line.split(":")[0] for line in caught.value.problems] == list(unsafe)


# -- the import page and a whole skills repository ----------------------------------------------


def test_the_import_page_dry_runs_then_confirms_a_zip_of_a_multi_file_skill(tmp_path):
    browser = Browser(make_user("member"))
    text, files = large_skill(files=80, total_bytes=5 * 1024 * 1024, name="big")
    write_tree(tmp_path / "tree/.claude/skills/big", text, files)
    upload = zip_folder(tmp_path / "tree")

    response = browser.post("/edit/import", {"file": SimpleUploadedFile("big.zip", upload)})
    assert response.status_code == 200
    html = response.content.decode()
    row = one(html, "tr", class_="outcome-created")
    assert ".claude/skills/big/SKILL.md" in row.text and "80 files" in row.text
    listed = [found.text for found in select(row.html, "li")]
    assert "added scripts/step-021.sh" in listed and len(listed) == 80
    assert Skill.objects.count() == 0 and Version.objects.count() == 0
    # The session holds digests, not the 5 MiB of the skill's files.
    [packed] = browser.client.session["pending_imports"].values()
    assert len(packed) < 20_000

    token = one(html, "button", name="confirm").attrs["value"]
    confirmed = browser.post("/edit/import", {"confirm": token})
    assert confirmed.status_code == 302
    assert_stored_byte_for_byte("big", text, files)

    again = browser.post("/edit/import", {"file": SimpleUploadedFile("big.zip", upload)})
    assert one(again.content.decode(), "tr", class_="outcome-unchanged")


def test_the_import_page_refuses_a_hostile_tree_naming_the_file(tmp_path):
    browser = Browser(make_user("member"))
    upload = zip_of({".claude/skills/pdf/SKILL.md": font_bytes(64)})
    response = browser.post("/edit/import", {"file": SimpleUploadedFile("pdf.zip", upload)})
    assert response.status_code == 400
    assert "SKILL.md: a binary file" in one(response.content.decode(), "section").text
    assert counts() == (0, 0, 0)


def repository_like_anthropics(root: Path) -> dict[str, tuple[str, dict[str, TreeFile]]]:
    """A checkout shaped like Anthropic's skills repository: skills/<name>/ folders with
    nested schemas, fonts, a PDF-like binary and executable scripts; a README, a spec
    folder, .git/ and caches around them. Gives name -> (SKILL.md, files)."""
    skills = {"pdf": pdf_skill()}
    big_text, big_files = large_skill(files=83, total_bytes=2 * 1024 * 1024, name="pptx")
    skills["pptx"] = (big_text, big_files)
    schema = b'<?xml version="1.0"?>\n<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"/>\n'
    skills["docx"] = (
        "---\nname: docx\ndescription: Edit Word documents. Use for .docx files.\n---\n"
        "Validate with `ooxml/scripts/validate.py` against the schemas in ooxml/schemas/.\n",
        as_tree(
            [
                TreeFile("ooxml/schemas/ISO-IEC29500-4_2016/dml-chart.xsd", schema),
                TreeFile("ooxml/schemas/ecma/fouth-edition/opc-core.xsd", schema),
                TreeFile("ooxml/scripts/validate.py", b"#!/usr/bin/env python3\n", True),
                TreeFile("docx-js.md", b"# docx-js\n"),
                TreeFile("LICENSE.txt", b"Proprietary.\n"),
                TreeFile("fonts/Inter-Regular.ttf", font_bytes(20_000, seed=3)),
                TreeFile("examples/sample.pdf", b"%PDF-1.7\n" + font_bytes(9_000, seed=4)),
            ]
        ),
    )
    skills["brand-guidelines"] = (
        "---\nname: brand-guidelines\ndescription: Apply the brand colours.\n---\nUse blue.\n",
        {},
    )
    for name, (text, files) in skills.items():
        write_tree(root / "skills" / name, text, files)
    (root / "README.md").write_text("# Skills\n")
    (root / "spec").mkdir()
    (root / "spec/agent-skills-spec.md").write_text("# The spec\n")
    (root / ".git").mkdir()
    (root / ".git/config").write_text("[core]\n")
    (root / "skills/pdf/scripts/__pycache__").mkdir()
    (root / "skills/pdf/scripts/__pycache__/x.cpython-311.pyc").write_bytes(b"\x00")
    return skills


def test_import_skills_takes_a_folder_shaped_like_anthropics_skills_repository(tmp_path):
    skills = repository_like_anthropics(tmp_path / "skills-repo")
    code, out, err = run_command("import_skills", str(tmp_path / "skills-repo"), "--publish")
    assert code == 0, err
    assert f"{len(skills)} created" in out
    for name, (text, files) in skills.items():
        assert_stored_byte_for_byte(name, text, files)
    assert "skipped" in out and "spec/agent-skills-spec.md" in out
    assert not Skill.objects.filter(kind="command").exists()
    # The same repository as one archive, made by the real tools, changes nothing.
    if shutil.which("tar"):
        before = counts()
        archive = tmp_path / "skills.tar.gz"
        tar_tool(tmp_path / "skills-repo", archive)
        code, out, _ = run_command("import_skills", str(archive))
        assert code == 0 and f"{len(skills)} unchanged" in out
        assert counts() == before


def test_an_upload_over_the_request_and_in_memory_limits_is_read_from_its_temporary_file(
    tmp_path, settings
):
    # File parts do not count towards DATA_UPLOAD_MAX_MEMORY_SIZE; past
    # FILE_UPLOAD_MAX_MEMORY_SIZE Django keeps the upload in a temporary file. Only the
    # archive limit (a 400 naming it) bounds what the import page takes.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000
    text, files = pdf_skill()
    write_tree(tmp_path / "tree/.claude/skills/pdf", text, files)
    upload = zip_folder(tmp_path / "tree")
    assert len(upload) > 2_000
    browser = Browser(make_user("member"))
    response = browser.post("/edit/import", {"file": SimpleUploadedFile("pdf.zip", upload)})
    assert response.status_code == 200
    assert one(response.content.decode(), "tr", class_="outcome-created")

    settings.SKILLHUB_ARCHIVE_LIMITS = {
        **settings.SKILLHUB_ARCHIVE_LIMITS,
        "max_upload_bytes": len(upload) - 1,
    }
    response = browser.post("/edit/import", {"file": SimpleUploadedFile("pdf.zip", upload)})
    assert response.status_code == 400
    assert f"over the upload limit of {len(upload) - 1:,} bytes" in response.content.decode()


def test_the_default_archive_limits_admit_a_whole_skills_repository(settings):
    limits = bundles.Limits(**settings.SKILLHUB_ARCHIVE_LIMITS)
    skill_limits = settings.SKILLHUB_SKILL_LIMITS
    assert limits.max_upload_bytes >= 64 * 1024 * 1024
    assert limits.max_total_bytes >= 4 * skill_limits["max_total_bytes"]
    assert limits.max_file_bytes == skill_limits["max_file_bytes"]
    assert limits.max_entries >= 17 * 83 and limits.max_entries > skill_limits["max_files"]
    deepest = "plugins/office/skills/docx/ooxml/schemas/ISO-IEC29500-4_2016/dml-chart.xsd"
    assert limits.max_path_depth >= deepest.count("/") + 1
