"""lint_skills on skill folders: a skill is its SKILL.md plus files, not many commands."""

import json

from tests.factories import run_command
from tests.trees import pdf_skill, write_tree


def lint(path) -> tuple[int, list[dict]]:
    code, out, _ = run_command("lint_skills", str(path), "--format", "json")
    return code, json.loads(out)


def test_a_skill_folders_references_are_not_linted_as_commands(tmp_path):
    text, files = pdf_skill()
    write_tree(tmp_path / ".claude/skills/pdf", text, files)

    code, reports = lint(tmp_path)

    assert code == 0
    assert [(r["kind"], r["path"].rsplit("/", 1)[-1]) for r in reports] == [("skill", "SKILL.md")]
    found = {p["code"] for p in reports[0]["problems"]}
    assert "executable-file" in found and "missing-file" not in found


def test_a_link_to_a_missing_file_is_reported_on_its_line(tmp_path):
    text, files = pdf_skill()
    del files["references/forms.md"]
    write_tree(tmp_path / "pdf", text, files)

    _, (report,) = lint(tmp_path)

    (missing,) = [p for p in report["problems"] if p["code"] == "missing-file"]
    line = next(n for n, row in enumerate(text.split("\n"), 1) if "forms guide" in row)
    assert missing["line"] == line and "references/forms.md" in missing["message"]


def test_a_file_path_skillhub_would_refuse_is_an_error(tmp_path):
    text, files = pdf_skill()
    root = write_tree(tmp_path / "pdf", text, files)
    (root / "references" / "Forms.md").write_text("a second forms guide\n")

    code, (report,) = lint(tmp_path)

    assert code == 1 and report["result"] == "error"
    assert any(
        p["code"] == "file-refused" and "same name as" in p["message"] for p in report["problems"]
    )


def test_loose_markdown_outside_any_skill_is_still_a_command(tmp_path):
    text, files = pdf_skill()
    write_tree(tmp_path / "skills/pdf", text, files)
    (tmp_path / "notes.md").write_text("---\ndescription: x\n---\nA command.\n")

    _, reports = lint(tmp_path)

    assert sorted(r["kind"] for r in reports) == ["command", "skill"]
