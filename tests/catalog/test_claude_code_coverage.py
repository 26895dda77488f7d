"""Our errors cover Claude Code's (issue 11, item 4).

Every file of ../shared/corpus, every case of ../shared/adversarial/frontmatter.jsonl and
every probe of claude_code_probes.jsonl (ours: what Claude Code's validator checks, read
from the pinned CLI) goes into a plugin folder and through `claude plugin validate
--strict --json`. Whatever Claude Code refuses, Skillhub must refuse too:

- a Claude Code error (the runtime drops the metadata or the file) is a Skillhub error;
- a Claude Code warning (what --strict fails on but the runtime tolerates: no frontmatter,
  no description) is at least a Skillhub warning.

Skillhub may be stricter, never looser. Where it is stricter (a Skillhub error, no
Claude Code error), claude_code_stricter.json says why, and must list exactly those
cases, so that a change of either side shows up here.

Claude Code validates the file Skillhub stores and exports: the normalised text (one BOM
stripped, CRLF and lone CR turned into LF). A raw file with lone CR line ends has no
frontmatter for Claude Code, but Skillhub never hands one out (a test below shows both).

Batches: the corpus, the adversarial cases and the probes (each as a command, a skill and
an agent) are ~400 files, and one validate run takes about half a second. A run over a
plugin reports each file that has problems by its absolute path (`contents[].file`), and
the validator judges each file by its own text and kind alone, so the files go into as
few plugins as their names allow (a name once per plugin, whatever the kind): 11 runs.
The mapping is checked on every run: each reported path is one of the plugin's files, of
the kind it was laid out as, reported once, and the exit status agrees with the problems.
A plugin with an error lists no `provides`, so the files without an error are validated
again in plugins of their own, which must list every one of them and give each the same
verdict; and one file per distinct verdict is validated alone and must get the same
problems.
"""

import csv
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalog import skillfile
from tests.shared import CORPUS, SHARED, jsonl

HERE = Path(__file__).parent
PROBES = HERE / "claude_code_probes.jsonl"
STRICTER = HERE / "claude_code_stricter.json"
PLUGIN = "coverage"
MANIFEST = {
    "name": PLUGIN,
    "version": "1.0.0",
    "description": "One file per case, for the coverage test of Skillhub's validation",
    "author": {"name": "Skillhub tests"},
}
CHECKED_KINDS = ("command", "skill", "agent")  # what `claude plugin validate` reads


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    name: str
    data: str | bytes  # as given to Skillhub: a corpus file's bytes, a case's text

    @property
    def relative(self) -> str:
        if self.kind == "command":
            return f"commands/{self.name.replace(':', '/')}.md"
        if self.kind == "skill":
            return f"skills/{self.name}/SKILL.md"
        return f"agents/{self.name}.md"

    def parsed(self) -> skillfile.SkillFile:
        return skillfile.parse(self.data, kind=self.kind, name=self.name)

    @property
    def stored(self) -> bytes:
        """The file as Skillhub stores and exports it."""
        skill = self.parsed()
        assert skill.text or not self.data, f"{self.id}: Skillhub cannot read it"
        return skill.text.encode("utf-8")


@dataclass(frozen=True)
class Verdict:
    result: str  # "error" | "warning" | "ok", Claude Code's worst problem
    problems: tuple[tuple[str, str, str], ...]  # (severity, path, message)


def corpus_cases() -> list[Case]:
    index = SHARED / "corpus" / "index.tsv"
    if not index.exists():
        return []
    cases = []
    with index.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            located = skillfile.locate(row["path"])
            if row["kind"] not in CHECKED_KINDS or located is None:
                continue  # the corpus also holds a plugin.json
            kind, name = located
            assert kind == row["kind"], row
            data = (CORPUS / row["file"]).read_bytes()
            cases.append(Case(f"corpus/{row['file']}", kind, name, data))
    return cases


def text_cases(prefix: str, entries: list[dict]) -> list[Case]:
    """Each case as a command, a skill and an agent, named after its id."""
    return [
        Case(f"{prefix}/{entry['id']}/{kind}", kind, entry["id"], entry["text"])
        for entry in entries
        for kind in CHECKED_KINDS
    ]


def probe_entries() -> list[dict]:
    return [json.loads(line) for line in PROBES.read_text(encoding="utf-8").splitlines() if line]


CASES = [
    *corpus_cases(),
    *text_cases("adversarial", jsonl("frontmatter.jsonl")),
    *text_cases("probe", probe_entries()),
]


def batches(cases: list[Case]) -> list[list[Case]]:
    """As few plugins as the names allow: each name (ignoring case and kind) once a plugin."""
    plugins: list[tuple[set[str], list[Case]]] = []
    for case in cases:
        key = case.name.casefold()
        for names, members in plugins:
            if key not in names:
                names.add(key)
                members.append(case)
                break
        else:
            plugins.append(({key}, [case]))
    return [members for _, members in plugins]


def validate(
    claude_code, cases: list[Case], *, as_stored: bool = True, must_list: bool = False
) -> dict[str, Verdict]:
    """Claude Code's verdict on each case, from one `plugin validate` run over all of them:
    on the files as Skillhub stores them, or (as_stored=False) as they were given."""
    with tempfile.TemporaryDirectory(prefix="coverage-") as folder:
        root = Path(folder).resolve() / PLUGIN
        (root / ".claude-plugin").mkdir(parents=True)
        (root / ".claude-plugin" / "plugin.json").write_text(json.dumps(MANIFEST))
        by_path = {}
        for case in cases:
            path = root / case.relative
            path.parent.mkdir(parents=True, exist_ok=True)
            given = case.data if isinstance(case.data, bytes) else case.data.encode()
            path.write_bytes(case.stored if as_stored else given)
            by_path[str(path)] = case
        completed = claude_code.run("plugin", "validate", "--strict", "--json", str(root), cwd=root)
    report = json.loads(completed.stdout or "null")
    assert isinstance(report, dict), completed.stderr
    assert report["provides"] is not None or not must_list, "Claude Code listed nothing"
    return read_report(report, completed.returncode, by_path)


def read_report(report: dict, returncode: int, by_path: dict[str, Case]) -> dict[str, Verdict]:
    manifest = report["manifest"]
    assert (manifest["errors"], manifest["warnings"]) == ([], []), manifest
    cases = list(by_path.values())
    verdicts = {case.id: Verdict("ok", ()) for case in cases}
    for entry in report["contents"]:
        case = by_path.get(entry["file"])
        assert case is not None, f"Claude Code reported a file that is not a case: {entry}"
        assert entry["type"] == case.kind, (case.id, entry["type"])
        assert verdicts[case.id] == Verdict("ok", ()), f"{case.id} reported twice"
        problems = tuple(
            (severity, problem["path"], problem["message"])
            for severity, key in (("error", "errors"), ("warning", "warnings"))
            for problem in entry[key]
        )
        result = "error" if entry["errors"] else "warning" if entry["warnings"] else "ok"
        verdicts[case.id] = Verdict(result, problems)
    clean = all(verdict.result == "ok" for verdict in verdicts.values())
    assert report["success"] == clean and returncode == (0 if clean else 1), report["success"]
    if report["provides"] is None:  # Claude Code lists what a plugin provides unless it errs
        assert any(verdict.result == "error" for verdict in verdicts.values())
    else:
        assert_provides(report["provides"], cases)
    return verdicts


def assert_provides(provides: dict, cases: list[Case]) -> None:
    """Claude Code found every file: commands and skills by name, agents by count (they are
    listed by their frontmatter `name` where they have one)."""
    for kind, key in (("command", "commands"), ("skill", "skills")):
        names = sorted(f"{PLUGIN}:{case.name}" for case in cases if case.kind == kind)
        assert sorted(provides[key]) == names
    assert len(provides["agents"]) == sum(case.kind == "agent" for case in cases)


@pytest.fixture(scope="module")
def claude(claude_code) -> dict[str, Verdict]:
    """Claude Code's verdict on every case. A plugin with an error lists no `provides`, so
    the cases without an error are validated again, in batches of their own: that proves
    Claude Code found each of them, and that other files in a batch change nothing."""
    verdicts: dict[str, Verdict] = {}
    for batch in batches(CASES):
        verdicts.update(validate(claude_code, batch))
    assert set(verdicts) == {case.id for case in CASES}
    tolerated = [case for case in CASES if verdicts[case.id].result != "error"]
    for batch in batches(tolerated):
        again = validate(claude_code, batch, must_list=True)
        assert again == {case.id: verdicts[case.id] for case in batch}
    return verdicts


def shown(case: Case) -> list[str]:
    return [f"{p.severity} {p.code}: {p.message}" for p in case.parsed().problems]


# -- the rule ---------------------------------------------------------------------------


def test_the_cases_are_all_there():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(probe_entries()) >= 70
    if SHARED.is_dir():
        assert len(CASES) >= 60 + 3 * 40 + 3 * 70


def test_every_file_claude_code_rejects_skillhub_marks_as_an_error(claude):
    looser = {
        case.id: (claude[case.id].problems, shown(case))
        for case in CASES
        if claude[case.id].result == "error" and case.parsed().result != "error"
    }
    assert looser == {}


def test_every_file_claude_code_warns_about_skillhub_warns_about_too(claude):
    looser = {
        case.id: (claude[case.id].problems, shown(case))
        for case in CASES
        if claude[case.id].result == "warning" and case.parsed().result == "ok"
    }
    assert looser == {}


def test_the_cases_where_skillhub_is_stricter_are_exactly_the_recorded_ones(claude):
    recorded = json.loads(STRICTER.read_text(encoding="utf-8"))
    present = {case.id for case in CASES}
    expected = {key: value for key, value in recorded["cases"].items() if key in present}
    actual = {}
    for case in CASES:
        skill = case.parsed()
        if skill.result == "error" and claude[case.id].result != "error":
            errors = sorted({p.code for p in skill.problems if p.severity == "error"})
            actual[case.id] = {"claude_code": claude[case.id].result, "skillhub": errors}
    changed = {
        key: {"recorded": expected.get(key), "now": actual.get(key)}
        for key in expected.keys() | actual.keys()
        if expected.get(key) != actual.get(key)
    }
    assert changed == {}, (
        f"Recorded for Claude Code {recorded['claude_code_version']}; update "
        f"{STRICTER.name} if the change is intended"
    )


def test_every_recorded_stricter_code_says_why():
    recorded = json.loads(STRICTER.read_text(encoding="utf-8"))
    used = {code for case in recorded["cases"].values() for code in case["skillhub"]}
    assert set(recorded["reasons"]) == used
    assert all(len(reason) > 40 for reason in recorded["reasons"].values())


# -- the mapping from one run over many files to each file ---------------------------------


def test_batching_gives_each_file_the_problems_it_gets_alone(claude_code, claude):
    """One file per distinct verdict, validated alone in a plugin of its own."""
    sample: dict[tuple, Case] = {}
    for case in CASES:
        verdict = claude[case.id]
        key = (case.kind, verdict.result, tuple(sorted(p[:2] for p in verdict.problems)))
        sample.setdefault(key, case)
    assert len(sample) >= 15
    alone = {case.id: validate(claude_code, [case])[case.id] for case in sample.values()}
    assert alone == {case_id: claude[case_id] for case_id in alone}


def test_the_batches_hold_each_name_once_and_every_case():
    groups = batches(CASES)
    assert sorted(case.id for group in groups for case in group) == sorted(c.id for c in CASES)
    for group in groups:
        names = [case.name.casefold() for case in group]
        assert len(names) == len(set(names))


# -- what the rule rests on ----------------------------------------------------------------


def test_claude_code_ends_the_frontmatter_at_a_dash_run_inside_a_line(claude_code, tmp_path):
    """Why `dashes-in-frontmatter` exists: the rest of the frontmatter becomes prompt text."""
    text = "---\ndescription: Review --- then summarise\nmodel: sonnet\n---\nBody.\n"
    (tmp_path / ".claude" / "commands").mkdir(parents=True)
    (tmp_path / ".claude" / "commands" / "cut.md").write_text(text)
    prompt = claude_code.prompt(tmp_path, "/cut now")
    assert prompt.startswith("then summarise\nmodel: sonnet\n---\nBody.\n"), prompt
    codes = {(p.severity, p.code) for p in skillfile.parse(text).problems}
    assert ("warning", "dashes-in-frontmatter") in codes


def test_a_lone_cr_file_has_frontmatter_for_claude_code_once_skillhub_stored_it(claude_code):
    case = Case("lone-cr", "command", "lone-cr", "---\rdescription: Mac\r---\rBody.\r")
    assert case.parsed().result == "ok"
    assert validate(claude_code, [case])[case.id] == Verdict("ok", ())
    as_given = validate(claude_code, [case], as_stored=False)[case.id]
    assert as_given.result == "warning"
    assert [p[1] for p in as_given.problems] == ["frontmatter"]  # "No frontmatter block found"


def test_claude_code_checks_no_field_but_those_this_test_was_written_for(claude):
    """The fields Claude Code's validator reported on: a new check in a new version of
    Claude Code shows up here, to be read and covered."""
    fields = {path for verdict in claude.values() for _, path, _ in verdict.problems}
    assert fields == {"frontmatter", "description", "name", "allowed-tools", "metadata", "shell"}
