import csv
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from catalog import bundles, skillfile
from catalog.models import Skill
from tests.factories import GOOD_COMMAND, make_skill, make_user, run_command
from tests.shared import (
    ARCHIVES_ACCEPTED_BY_POLICY,
    CORPUS,
    SHARED,
    SUITE_ENV,
    jsonl,
    make_hostile_archives,
    needs_shared,
)

pytestmark = pytest.mark.django_db


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# -- lint_skills ----------------------------------------------------------------


@needs_shared
def test_lint_json_agrees_with_every_frontmatter_case_on_the_publish_gate(tmp_path):
    cases = jsonl("frontmatter.jsonl")
    for case in cases:
        write(tmp_path, f"{case['id']}.md", case["text"].encode("utf-8", "surrogatepass"))
    code, out, err = run_command("lint_skills", str(tmp_path), "--format", "json")
    reports = {Path(r["path"]).stem: r for r in json.loads(out)}
    assert code == 1 and "Traceback" not in err
    for case in cases:
        report = reports[case["id"]]
        assert set(report) == {"path", "kind", "result", "problems"}
        assert report["kind"] == "command"
        assert (report["result"] == "error") == (case["expect"] == "error"), case["id"]
        for problem in report["problems"]:
            assert set(problem) == {"severity", "code", "message", "line", "column"}


def test_lint_exits_zero_when_no_file_has_an_error(tmp_path):
    write(tmp_path, ".claude/commands/ok.md", GOOD_COMMAND)
    code, out, _ = run_command("lint_skills", str(tmp_path))
    assert code == 0
    assert "1 files checked, 0 with errors" in out


def test_lint_takes_the_kind_from_the_path(tmp_path):
    write(tmp_path, ".claude/skills/deploy/SKILL.md", "---\nname: other\ndescription: x\n---\nGo\n")
    write(tmp_path, ".claude/agents/helper.md", "---\ndescription: x\n---\nHelp\n")
    code, out, _ = run_command("lint_skills", str(tmp_path), "--format", "json")
    kinds = {Path(r["path"]).parent.name: (r["kind"], r["result"]) for r in json.loads(out)}
    assert kinds["deploy"] == ("skill", "error")  # frontmatter name differs from the folder
    assert kinds["agents"] == ("agent", "ok")
    assert code == 1


def test_lint_reports_text_lines_with_path_line_and_code(tmp_path):
    path = write(tmp_path, "broken.md", "---\ndescription: x\nmodel: x\nmodel: y\n---\nBody\n")
    code, out, _ = run_command("lint_skills", str(path))
    assert code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+(:\d+)?: error \[[a-z0-9-]+\] ", out)


def test_lint_portable_profile_turns_unknown_skill_fields_into_errors(tmp_path):
    text = "---\nname: deploy\ndescription: Deploy it\nmodel: sonnet\n---\nGo\n"
    path = write(tmp_path, ".claude/skills/deploy/SKILL.md", text)
    assert run_command("lint_skills", str(path))[0] == 0
    assert run_command("lint_skills", str(path), "--profile", "portable")[0] == 1


def test_lint_as_a_real_process_exits_one_without_a_traceback(tmp_path):
    path = write(tmp_path, "bad.md", "---\ndescription: &a x\n---\nBody\n")
    process = subprocess.run(
        [sys.executable, "manage.py", "lint_skills", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env=SUITE_ENV,
        check=False,
    )
    assert process.returncode == 1, process.stderr
    assert "Traceback" not in process.stderr
    assert json.loads(process.stdout)[0]["result"] == "error"


# -- import_skills and export_skills ---------------------------------------------


def corpus_tree(root: Path) -> dict[str, bytes]:
    """Lay every corpus file out at a bundle path of its own; return path -> normalised bytes."""
    expected = {}
    with open(SHARED / "corpus" / "index.tsv", encoding="utf-8") as index:
        for row in csv.DictReader(index, delimiter="\t"):
            located = skillfile.locate(row["path"])
            if located is None:
                continue
            kind = located[0]
            slug = re.sub(r"[^a-z0-9]+", "-", row["file"].removesuffix(".md").lower()).strip("-")
            relative = skillfile.bundle_path(kind, slug[:64].rstrip("-"))
            data = (CORPUS / row["file"]).read_bytes()
            write(root, relative, data)
            expected[relative] = skillfile.normalise(data.decode("utf-8")).encode()
    return expected


@needs_shared
def test_import_then_export_latest_gives_back_every_corpus_file_byte_for_byte(tmp_path):
    expected = corpus_tree(tmp_path / "project")
    code, out, err = run_command("import_skills", str(tmp_path / "project"))
    assert code == 0, err
    counts = re.search(r"(\d+) created, 0 new versions, 0 unchanged, (\d+) drafts", out)
    assert int(counts[1]) + int(counts[2]) == len(expected), out
    out_zip = tmp_path / "out.zip"
    assert run_command("export_skills", str(out_zip), "--latest")[0] == 0
    with zipfile.ZipFile(out_zip) as archive:
        exported = {name: archive.read(name) for name in archive.namelist()}
    assert bundles.verify_lock(exported) == []
    lock = json.loads(exported.pop(".claude/skillhub.lock.json"))
    assert exported == expected
    assert len(lock["items"]) == len(expected)


def test_importing_twice_reports_unchanged_and_creates_nothing(tmp_path):
    write(tmp_path, ".claude/commands/git/commit.md", GOOD_COMMAND)
    write(tmp_path, "README.md", "# not a command\n")
    assert run_command("import_skills", str(tmp_path))[0] == 0
    code, out, _ = run_command("import_skills", str(tmp_path))
    assert code == 0
    assert "0 created, 0 new versions, 1 unchanged" in out
    assert list(Skill.objects.values_list("kind", "name")) == [("command", "git:commit")]


def test_dry_run_reports_and_writes_nothing(tmp_path):
    write(tmp_path, ".claude/commands/a.md", GOOD_COMMAND)
    code, out, _ = run_command("import_skills", str(tmp_path), "--dry-run")
    assert code == 0 and "Would import: 1 created" in out
    assert not Skill.objects.exists()


def test_files_with_errors_are_imported_as_drafts_even_with_publish(tmp_path):
    make_user("importer")
    write(tmp_path, ".claude/commands/good.md", GOOD_COMMAND)
    write(tmp_path, ".claude/commands/broken.md", "---\ndescription: x\ndescription: y\n---\nB\n")
    code, out, _ = run_command("import_skills", str(tmp_path), "--publish", "--user", "importer")
    assert code == 0
    assert "draft .claude/commands/broken.md" in out
    good, broken = Skill.objects.get(name="good"), Skill.objects.get(name="broken")
    assert good.published == good.latest and good.latest.author.username == "importer"
    assert broken.published is None and broken.latest.result == "error"


def test_a_new_version_is_added_when_an_imported_file_changed(tmp_path):
    skill = make_skill(name="review")
    write(tmp_path, ".claude/commands/review.md", GOOD_COMMAND + "\nAlso check tests.\n")
    code, out, _ = run_command("import_skills", str(tmp_path))
    assert code == 0 and "1 new versions" in out
    assert skill.versions.count() == 2


def test_import_prints_a_progress_line_per_hundred_files(tmp_path):
    for i in range(250):
        write(tmp_path, f".claude/commands/c{i:03}.md", GOOD_COMMAND)
    code, out, _ = run_command("import_skills", str(tmp_path))
    assert code == 0
    assert out.count("planned ") == 2
    assert "250 created" in out


def test_an_undecodable_file_refuses_the_whole_import(tmp_path):
    write(tmp_path, ".claude/commands/good.md", GOOD_COMMAND)
    write(tmp_path, ".claude/commands/latin.md", b"---\ndescription: caf\xe9\n---\nBody\n")
    code, _, err = run_command("import_skills", str(tmp_path))
    assert code == 1
    assert "refused .claude/commands/latin.md" in err
    assert not Skill.objects.exists()


def test_export_contains_only_published_versions_unless_latest(tmp_path):
    make_skill(name="public", publish=True)
    make_skill(name="draft")
    published = tmp_path / "published.tar.gz"
    everything = tmp_path / "latest.zip"
    assert run_command("export_skills", str(published))[0] == 0
    assert run_command("export_skills", str(everything), "--latest")[0] == 0
    with tarfile.open(published) as archive:
        names = sorted(archive.getnames())
    assert names == [".claude/commands/public.md", ".claude/skillhub.lock.json"]
    with zipfile.ZipFile(everything) as archive:
        assert ".claude/commands/draft.md" in archive.namelist()


def test_export_filters_by_kind_and_tag(tmp_path):
    make_skill(name="tagged", publish=True).set_tags(["git"])
    make_skill(name="untagged", publish=True)
    make_skill(kind="agent", name="helper", publish=True)
    out = tmp_path / "out.zip"
    run_command("export_skills", str(out), "--kind", "command", "--tag", "git")
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == [
            ".claude/commands/tagged.md",
            ".claude/skillhub.lock.json",
        ]


def test_export_refuses_an_unknown_kind_as_the_http_export_does(tmp_path):
    with pytest.raises(CommandError, match="Unknown kind 'commands'"):
        run_command("export_skills", str(tmp_path / "out.zip"), "--kind", "commands")


def test_export_is_reproducible_to_the_byte(tmp_path):
    make_skill(name="one", publish=True)
    make_skill(kind="agent", name="two", publish=True, text="---\ndescription: x\n---\nHi\n")
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    run_command("export_skills", str(first))
    run_command("export_skills", str(second))
    assert first.read_bytes() == second.read_bytes()


@needs_shared
def test_every_hostile_archive_is_refused_by_import_skills_and_imports_nothing(
    tmp_path, scaled_limits
):
    for case in make_hostile_archives(tmp_path):
        archive = tmp_path / case["file"]
        code, out, err = run_command("import_skills", str(archive), "--dry-run")
        assert "Traceback" not in err, case["id"]
        if case["id"] in ARCHIVES_ACCEPTED_BY_POLICY:
            continue
        assert code == 1, (case["id"], out, err)
        assert err.count("refused") >= 1, case["id"]
        code, _, _ = run_command("import_skills", str(archive))
        assert code == 1 and not Skill.objects.exists(), case["id"]
