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


@pytest.mark.parametrize(
    ("text", "code", "after"),
    [
        (  # a comment stays a comment
            "---\ndescription: d\nversion: 1.10 # release\n---\nGo.\n",
            "version-not-string",
            '---\ndescription: d\nversion: "1.10" # release\n---\nGo.\n',
        ),
        (  # a [ … ] list grows inside its brackets
            "---\ndescription: d\nallowed-tools: [Read, Grep]\n---\n!`git log -5`\n",
            "shell-not-allowed",
            "---\ndescription: d\nallowed-tools: [Read, Grep, Bash(git log:*)]\n---\n"
            "!`git log -5`\n",
        ),
        (  # the rule goes before a comment
            "---\ndescription: d\nallowed-tools: Read  # tools\n---\n!`git log -5`\n",
            "shell-not-allowed",
            "---\ndescription: d\nallowed-tools: Read, Bash(git log:*)  # tools\n---\n"
            "!`git log -5`\n",
        ),
        (  # a list at column 0
            "---\ndescription: d\nallowed-tools:\n- Read\n---\n!`npm test`\n",
            "shell-not-allowed",
            "---\ndescription: d\nallowed-tools:\n- Read\n- Bash(npm test:*)\n---\n!`npm test`\n",
        ),
        (  # an empty description is replaced, not doubled
            '---\ndescription: ""\n---\nReview the diff.\n',
            "missing-description",
            '---\ndescription: "Review the diff."\n---\nReview the diff.\n',
        ),
        (  # the description is prose: past a fence and a shell line
            "---\nargument-hint: x\n---\n```bash\nls\n```\n!`git status`\nSummarise it.\n",
            "missing-description",
            '---\ndescription: "Summarise it."\nargument-hint: x\n---\n```bash\nls\n```\n'
            "!`git status`\nSummarise it.\n",
        ),
    ],
)  # fmt: skip
def test_a_fix_keeps_comments_lists_and_fields_as_the_author_wrote_them(text, code, after):
    assert fixed(text, code) == after
    assert code not in codes(after)
    assert not {c for c in codes(after) if c.startswith("yaml-")}


@pytest.mark.parametrize(
    "text",
    [
        '---\ndescription: d\nallowed-tools: "Read"\n---\n!`git log`\n',  # quoted
        "---\ndescription: d\nallowed-tools: >\n  Read\n---\n!`git log`\n",  # block scalar
        "---\ndescription: d\n---\n!`echo a)b`\n",  # a parenthesis the rule cannot hold
    ],
)
def test_no_fix_is_offered_where_the_edit_is_not_obvious(text):
    problems = [p for p in skillfile.parse(text, kind="command", name="x").problems]
    assert all(fix_for(text, p) is None for p in problems if p.code == "shell-not-allowed")


def test_lines_are_counted_at_newlines_alone_as_the_parser_and_the_editor_count_them():
    text = "---\ndescription: a\x85b\n---\n!`git status`\n!`npm test`\n"
    problems = skillfile.parse(text, kind="command", name="x").problems
    shell = [p for p in problems if p.code == "shell-not-allowed"]
    fixes = {fix_for(text, p).rule for p in shell}
    assert fixes == {"Bash(git status:*)", "Bash(npm test:*)"}
    npm = next(p for p in shell if "npm" in p.message)
    assert applied(text, fix_for(text, npm)).startswith(
        "---\ndescription: a\x85b\nallowed-tools: Bash(npm test:*)\n---\n"
    )


def test_a_fix_says_what_the_lines_it_replaces_hold_now():
    text = "---\ndescription: Deploy: now\n---\nGo.\n"
    [problem] = skillfile.parse(text, kind="command", name="x").problems
    assert fix_for(text, problem).old == "description: Deploy: now\n"
