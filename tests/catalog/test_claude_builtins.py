"""Claude Code's own names (catalog/claude_builtins.json) and what a clash with one does,
checked against the pinned CLI (issue 11, item 5)."""

import json
from pathlib import Path

from catalog import skillfile


def write(root: Path, relative: str, text: str) -> None:
    path = root / ".claude" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_committed_builtins_are_what_the_pinned_claude_code_reports(claude_code):
    """scripts/claude_builtins.py writes the file; run it after moving the pin."""
    init = claude_code.builtins()
    committed = json.loads(skillfile.BUILTINS_FILE.read_text(encoding="utf-8"))
    assert committed == {
        "claude_code_version": claude_code.version,
        "slash_commands": sorted(init["slash_commands"]),
        "skills": sorted(init["skills"]),
        "agents": sorted(init["agents"]),
    }
    assert skillfile.BUILTINS_FILE.read_text(encoding="utf-8").endswith("]\n}\n")


def test_the_builtins_file_lists_what_the_issue_names():
    builtins = skillfile.claude_builtins()
    assert {"claude-api", "code-review", "debug", "init"} <= set(builtins["slash_commands"])
    assert set(builtins["skills"]) <= set(builtins["slash_commands"])


def test_a_command_or_skill_named_after_a_builtin_runs_in_its_place(claude_code, tmp_path):
    """What the `builtin-name` warning says: the item takes the name, the built-in is gone."""
    command = "---\ndescription: Ours\n---\nOUR DEBUG $ARGUMENTS\n"
    skill = "---\nname: init\ndescription: Ours\n---\nOUR INIT\n"
    write(tmp_path, "commands/debug.md", command)
    write(tmp_path, "skills/init/SKILL.md", skill)
    assert claude_code.prompt(tmp_path, "/debug now") == "OUR DEBUG now\n"
    assert claude_code.prompt(tmp_path, "/init now").endswith("OUR INIT\n\n\nARGUMENTS: now")
    for text, kind, name in ((command, "command", "debug"), (skill, "skill", "init")):
        problems = skillfile.parse(text, kind=kind, name=name).problems
        assert [p.code for p in problems] == ["builtin-name"]


def test_a_skill_runs_instead_of_a_command_of_its_name_and_case_counts(claude_code, tmp_path):
    """What `command-skill-collision` says; `/Ship` and `/ship` are two commands."""
    write(tmp_path, "commands/deploy.md", "---\ndescription: C\n---\nTHE COMMAND $ARGUMENTS\n")
    write(tmp_path, "skills/deploy/SKILL.md", "---\nname: deploy\ndescription: S\n---\nSKILL\n")
    write(tmp_path, "commands/Ship.md", "---\ndescription: C\n---\nSHIP COMMAND $ARGUMENTS\n")
    write(tmp_path, "skills/ship/SKILL.md", "---\nname: ship\ndescription: S\n---\nSHIP SKILL\n")
    assert claude_code.prompt(tmp_path, "/deploy x").endswith("SKILL\n\n\nARGUMENTS: x")
    assert claude_code.prompt(tmp_path, "/Ship x") == "SHIP COMMAND x\n"
    assert claude_code.prompt(tmp_path, "/ship x").endswith("SHIP SKILL\n\n\nARGUMENTS: x")
