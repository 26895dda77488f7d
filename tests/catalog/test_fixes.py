"""catalog.skillfile.fixes: each quick fix makes its problem go and breaks nothing else."""

import pytest

from catalog import skillfile
from catalog.skillfile import applied, bash_rule, fix_for


def codes(text: str, kind: str = "command") -> set[str]:
    return {problem.code for problem in skillfile.parse(text, kind=kind, name="x").problems}


def fixed(text: str, code: str, kind: str = "command") -> str:
    [problem] = [p for p in skillfile.parse(text, kind=kind, name="x").problems if p.code == code]
    fix = fix_for(text, problem)
    assert fix is not None, f"no fix for {code}"
    return applied(text, fix)


@pytest.mark.parametrize(
    ("text", "code", "after"),
    [
        (
            "---\ndescription: Deploy: to prod\n---\nGo.\n",
            "yaml-syntax",
            '---\ndescription: "Deploy: to prod"\n---\nGo.\n',
        ),
        (
            "---\ndescription: d\nversion: 1.10\n---\nGo.\n",
            "version-not-string",
            '---\ndescription: d\nversion: "1.10"\n---\nGo.\n',
        ),
        (
            '---\ndescription: Say "hi": loudly\n---\nGo.\n',
            "yaml-syntax",
            '---\ndescription: "Say \\"hi\\": loudly"\n---\nGo.\n',
        ),
        (
            "---\nargument-hint: x\n---\n# Review the diff\n\nThen more.\n",
            "missing-description",
            '---\ndescription: "Review the diff"\nargument-hint: x\n---\n'
            "# Review the diff\n\nThen more.\n",
        ),
        (
            "Review the diff.\n",
            "missing-description",
            '---\ndescription: "Review the diff."\n---\nReview the diff.\n',
        ),
        (
            "---\ndescription: d\n---\nStatus: !`git status --short`\n",
            "shell-not-allowed",
            "---\ndescription: d\nallowed-tools: Bash(git status:*)\n---\n"
            "Status: !`git status --short`\n",
        ),
        (
            "---\ndescription: d\nallowed-tools: Read, Grep\n---\n!`git log -5`\n",
            "shell-not-allowed",
            "---\ndescription: d\nallowed-tools: Read, Grep, Bash(git log:*)\n---\n!`git log -5`\n",
        ),
        (
            "---\ndescription: d\nallowed-tools:\n    - Read\n---\n!`npm test`\n",
            "shell-not-allowed",
            "---\ndescription: d\nallowed-tools:\n    - Read\n    - Bash(npm test:*)\n---\n"
            "!`npm test`\n",
        ),
    ],
)  # fmt: skip
def test_a_quick_fix_makes_exactly_the_edit_that_ends_its_problem(text, code, after):
    assert fixed(text, code) == after
    assert code not in codes(after)
    assert not {c for c in codes(after) if c.startswith("yaml-")}  # and YAML still reads it


def test_a_file_without_frontmatter_gets_one_for_its_bash_rule():
    text = "Run !`npm run build` now\n"
    after = fixed(text, "shell-not-allowed")
    assert after == "---\nallowed-tools: Bash(npm run:*)\n---\nRun !`npm run build` now\n"
    assert "shell-not-allowed" not in codes(after)


def test_a_value_already_quoted_or_a_line_without_a_key_has_no_fix():
    for text in ('---\ndescription: "a" b: c\n---\nx\n', "---\n- a: b: c\n---\nx\n"):
        for problem in skillfile.parse(text, kind="command", name="x").problems:
            assert fix_for(text, problem) is None, problem


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        ("git status --short", "Bash(git status:*)"),
        ("ls -la", "Bash(ls:*)"),
        ("npm", "Bash(npm:*)"),
        ("gh pr view 12", "Bash(gh pr:*)"),
    ],
)
def test_the_bash_rule_for_a_command_is_its_first_word_and_a_sub_command(command, rule):
    assert bash_rule(command) == rule
