"""Try it = Claude Code: the prompt Skillhub shows for a file and an argument line is,
byte for byte, the prompt the pinned Claude Code CLI sends for them (issue 11, item 1).

Every case of the table is one file in one project folder (.claude/commands/<name>.md or
.claude/skills/<name>/SKILL.md) and one line `/<name> <arguments>`, run once through the
real CLI against a stub Messages API (tests/claude_code.py), all cases at once, and once
through skillfile.parse + skillfile.expand; a few also through the try-it panels over
HTTP (the public item page and the editor's preview), comparing the text they show.

Skillhub parts from Claude Code in one way only, on purpose: where Claude Code puts a
value of the machine (the project's folder, the skill's folder, the session id), the panel
shows the marker (`${CLAUDE_PROJECT_DIR}`…). So before comparing, those values in Claude
Code's prompt are turned back into their markers; nothing else is touched.
"""

import html
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalog import skillfile
from tests import claude_code as cli
from tests.factories import make_skill, make_user

F = "---\ndescription: Try it\n---\n"


def named(arguments: str) -> str:
    return f"---\ndescription: Try it\narguments: {arguments}\n---\n"


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    arguments: str
    kind: str = "command"
    http: bool = False  # also through the try-it panels
    # Skillhub stores and exports a file with LF line ends (skillfile.normalise), so Claude
    # Code gets the file as Skillhub would export it, not as typed.
    as_exported: bool = False

    @property
    def name(self) -> str:
        return f"t-{self.id}"

    @property
    def path(self) -> str:
        if self.kind == "skill":
            return f".claude/skills/{self.name}/SKILL.md"
        return f".claude/commands/{self.name}.md"

    def file_text(self) -> str:
        return skillfile.normalise(self.text) if self.as_exported else self.text


def skill(name: str, body: str, extra: str = "") -> str:
    return f"---\nname: t-{name}\ndescription: Try it\n{extra}---\n{body}"


CASES = [
    # -- $ARGUMENTS, $N, $ARGUMENTS[N]
    Case("arguments-whole", F + "Deploy $ARGUMENTS now.\n", "main production"),
    Case("positional-zero-based", F + "From $0 to $1.\n", "alpha beta"),
    Case("arguments-index", F + "[$ARGUMENTS[1]] [$ARGUMENTS[0]]\n", "a b"),
    Case("missing-index-stays", F + "$0 $3 $ARGUMENTS[2]\n", "only"),
    # A placeholder with no argument receives nothing: ARGUMENTS: is still appended.
    Case("missing-index-appends", F + "Use $5 and $ARGUMENTS[7].\n", "a"),
    Case("ten-is-one-number", F + "$10|$1|$0\n", "a b c d e f g h i j k"),
    # $1x and $1_ are no placeholders ($N must not run into a letter, digit or _), but é
    # is no letter to Claude Code's \w.
    Case("one-x-is-text", F + "$1x $1_ $12x $1é\n", "a b"),
    Case("arguments-runs-on", F + "$ARGUMENTSfoo $ARGUMENTS[x]\n", "a b"),
    # -- named arguments
    Case("named-list", named("[env, region]") + "$env/$region\n", "prod eu", http=True),
    Case("named-string", named("env region") + "$env/$region\n", "prod eu"),
    Case("named-missing", named("[env, region, zone]") + "$env/$region/$zone.\n", "prod"),
    Case(
        "named-who-whoever",
        named("[who]") + "$who and $whoever and $who_ and $who[0]\n",
        "ann bob",
    ),
    Case("named-both", named("[who, whoever]") + "$whoever/$who\n", "ann bob"),
    Case("named-digits-dropped", named("a 1 b") + "<$a><$b><$1>\n", "x y z"),
    Case("named-unused-appends", named("[x]") + "No names here.\n", "p q"),
    Case("named-longest-first", named("[a, a-b]") + "$a-b/$a\n", "x y"),
    Case("named-arguments-wins", named("[ARGUMENTS]") + "<$ARGUMENTS> <$ARGUMENTS[0]>\n", "x y"),
    # -- escapes and dollars that are no placeholders
    Case("escapes", F + "\\$0 \\$ARGUMENTS \\$ARGUMENTS[0] \\$1x but $0\n", "a b"),
    Case("escaped-name", named("[who]") + "\\$who is $who\n", "ann"),
    Case("double-backslash", F + "\\\\$0 and \\$HOME\n", "x"),
    Case("home-and-double-dollar", F + "$HOME $$ $ $(date) ${HOME} $0\n", "x"),
    # -- no placeholder: the appended line
    Case("no-placeholder", F + "Plain.\n", "a b"),
    Case("no-placeholder-no-newline", F + "Plain.", "a  b"),
    Case("no-placeholder-no-arguments", F + "Plain.\n", ""),
    # An empty line: the placeholders stay, the escapes still lose their backslash.
    Case("empty-line", F + "Use $0, $ARGUMENTS[0], \\$1; all: [$ARGUMENTS]\n", ""),
    Case("blank-line-is-empty", F + "All: [$ARGUMENTS]\n", "   "),
    # -- how the line is cut into arguments: a shell parse of the first command
    Case("double-quotes", F + "<$0> <$1> <$2>\n", 'say "hello world" now', http=True),
    Case("single-quotes", F + "<$0> <$1>\n", "'two words' x"),
    Case("escaped-quote-kept", F + "<$0> <$1>\n", '"a \\"q\\" b" c'),
    Case("backslash-space", F + "<$0> <$1>\n", "a\\ b c"),
    Case("tabs-and-runs", F + "<$0><$1><$2> [$ARGUMENTS]\n", "a\t\tb    c"),
    Case("trimmed", F + "[$ARGUMENTS] <$0>\n", "   a b \t "),
    Case("apostrophe", F + "<$0> <$1>\n", "it's fine"),
    Case("apostrophe-then-quotes", F + "<$0> <$1>\n", "it's fine and 'ok'"),
    Case("unclosed-double-quote", F + "<$0> <$1>\n", 'say "hi there'),
    Case("empty-quotes", F + "<$0><$1><$2>\n", 'a "" b'),
    Case("semicolon", F + "<$0> <$1> [$ARGUMENTS]\n", "a; b c"),
    Case("equals", F + "<$0> <$1> <$2>\n", "x=1 key=value --flag=on"),
    Case("ampersand", F + "<$0> <$1> <$2>\n", "see https://x.io/?a=1&b=2 ok"),
    Case("hash", F + "<$0> <$1>\n", "fix #123 now"),
    Case("backticks", F + "<$0> <$1> <$2> [$ARGUMENTS]\n", "run `ls` now"),
    Case("dollars", F + "<$0> <$1> <$2> [$ARGUMENTS]\n", "$HOME costs $5 each"),
    Case("values-are-not-expanded-again", F + "[$0] [$ARGUMENTS]\n", "$1 $ARGUMENTS"),
    Case("json", F + "<$0> <$1> <$2>\n", 'x {"id": 1}'),
    Case("parentheses", F + "<$0> <$1> <$2>\n", "call foo(bar) now"),
    Case("brackets", F + "<$0> <$1>\n", "[WIP] feature"),
    Case("keyword-first", F + "<$0> <$1>\n", "if it works"),
    Case("declaration", F + "<$0> <$1>\n", "export A=1 b"),
    Case("html", F + "$ARGUMENTS / <$0> <$1>\n", "<b>bold</b> & more", http=True),
    Case("unicode-blanks", F + "<$0> <$1> [$ARGUMENTS]\n", "a\u00a0b c\u3000"),
    # -- ! : Claude Code defuses it in every value, so no argument becomes a shell command
    Case("bang-start", F + "<$0> <$1> [$ARGUMENTS]\n", "!important fix", http=True),
    Case("bang-backtick", F + "<$0> <$1>\n", '!a "x !`c`"'),
    Case("bang-appended", F + "Plain.\n", "!now please"),
    # -- non-ASCII
    Case("non-ascii", F + "<$0> <$1> <$2>\n", "naïve 日本語 🙂", http=True),
    Case("non-ascii-body", F + "Résumé für $0 — ✓\n", "Zoë"),
    # -- the file around the body
    Case("blank-lines-after-fence", F + "\n\n  Body $0\n", "x"),
    Case("no-frontmatter", "Just $0 here.\n", "x"),
    # Claude Code would keep the CRs of a CRLF file in the prompt; Skillhub never exports one.
    Case(
        "crlf",
        "---\r\ndescription: Try it\r\n---\r\nLine $0\r\nNext\r\n",
        "a",
        as_exported=True,
    ),
    Case("bom", "\ufeff" + F + "BOM $0\n", "a"),
    # Claude Code ends the frontmatter at the first `---`, even inside a value.
    Case("fence-inside-a-value", "---\ndescription: uses --- inside\n---\nBody $0\n", "a"),
    Case("unsendable-characters", F + "odd \uffff\ufffe $0\n", "x\uffff"),
    Case(
        "machine-markers",
        F + "In ${CLAUDE_PROJECT_DIR}, session ${CLAUDE_SESSION_ID}, ${CLAUDE_PLUGIN_ROOT}: $0\n",
        "${CLAUDE_PROJECT_DIR}/x",
    ),
    # -- skills take arguments too; their prompt starts with the skill's folder
    Case(
        "skill-positional",
        skill("skill-positional", "Skill gets $0 and $ARGUMENTS.\n"),
        "one two",
        kind="skill",
    ),
    Case("skill-no-placeholder", skill("skill-no-placeholder", "Plain.\n"), "a b", kind="skill"),
    Case(
        "skill-named",
        skill("skill-named", "Open $file from ${CLAUDE_SKILL_DIR}.\n", "arguments: [file]\n"),
        "main.py",
        kind="skill",
        http=True,
    ),
    Case("skill-empty-line", skill("skill-empty-line", "\nRun $0.\n"), "", kind="skill"),
]
HTTP_CASES = [case for case in CASES if case.http]


def test_the_table_is_big_enough_and_its_names_are_valid():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(skillfile.is_valid_name(case.kind, case.name) for case in CASES)


# -- running Claude Code ----------------------------------------------------------------


_SESSION_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sent_prompt(claude_code: cli.ClaudeCode, project: Path, case: Case) -> str:
    """The text Claude Code sends after its `<command-name>` block, machine values as
    markers."""
    line = f"/{case.name} {case.arguments}" if case.arguments else f"/{case.name}"
    prompt = claude_code.prompt(project, line)
    prompt = prompt.replace(str(project / ".claude/skills" / case.name), "${CLAUDE_SKILL_DIR}")
    prompt = prompt.replace(str(project), "${CLAUDE_PROJECT_DIR}")
    return _SESSION_ID.sub("${CLAUDE_SESSION_ID}", prompt)


@pytest.fixture(scope="module")
def sent(claude_code) -> dict[str, str]:
    """Claude Code's prompt for every case: one project folder, one run per case, four at
    a time (a run is mostly waiting on its own start-up)."""
    with tempfile.TemporaryDirectory(prefix="skillhub-try-it-") as folder:
        project = Path(folder).resolve()
        for case in CASES:
            path = project / case.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(case.file_text().encode())
        with ThreadPoolExecutor(max_workers=4) as pool:
            prompts = pool.map(lambda case: sent_prompt(claude_code, project, case), CASES)
            return dict(zip([case.id for case in CASES], prompts, strict=True))


# -- the comparisons --------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_skillhub_expands_as_claude_code_sends(case, sent):
    parsed = skillfile.parse(case.text, kind=case.kind, name=case.name)
    assert skillfile.expand(parsed, case.arguments) == sent[case.id]


_PROMPT = re.compile(
    r'<div class="prompt-output" data-prompt>\s*<pre class="prompt">(.*?)</pre>', re.S
)


def shown_prompt(page: str) -> str:
    """The text of the try-it panel's prompt, as a reader sees it."""
    [markup] = _PROMPT.findall(page)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.django_db
@pytest.mark.parametrize("case", HTTP_CASES, ids=[case.id for case in HTTP_CASES])
def test_the_item_pages_try_it_shows_what_claude_code_sends(case, sent, client):
    publisher = make_user("publisher", publisher=True)
    make_skill(case.kind, case.name, case.text, author=publisher, publish=True)
    response = client.get(f"/{case.kind}s/{case.name}/", {"arguments": case.arguments})
    assert response.status_code == 200
    assert shown_prompt(response.content.decode()) == sent[case.id]


@pytest.mark.django_db
@pytest.mark.parametrize("case", HTTP_CASES, ids=[case.id for case in HTTP_CASES])
def test_the_editors_try_it_shows_what_claude_code_sends(case, sent, client):
    client.force_login(make_user("member"))
    data = {"text": case.text, "kind": case.kind, "name": case.name, "arguments": case.arguments}
    response = client.post("/edit/preview", data)
    assert response.status_code == 200
    [markup] = re.findall(r'<pre class="prompt">(.*?)</pre>', response.content.decode(), re.S)
    assert html.unescape(re.sub(r"<[^>]+>", "", markup)) == sent[case.id]
