"""What Claude Code itself reads from Skillhub's downloads (issue 11, items 2 and 3).

A varied catalog (namespaced and plain commands, skills, agents, output styles, and the
real-world files of ../shared/corpus) goes in the way the product takes it in: the team's
import page and publish buttons over HTTP with CSRF checks on, and `manage.py
import_skills --publish`. Then anyone downloads it, and the pinned Claude Code CLI
(tests/claude_code.py) says what it finds:

- `/export.tar.gz` unpacked into an empty project lists exactly the slash names and
  agents Skillhub shows, beyond Claude Code's own built-ins;
- `/export.zip?layout=plugin` passes `claude plugin validate --strict`, and loaded with
  `--plugin-dir` lists every item as `<plugin>:<name>` with no plugin errors.

Where Claude Code lists an item differently from what Skillhub shows, the client wins:
the difference is spelled out below (DIFFERENCES) with its reason, and a test checks that
every one of them really shows up, so none is kept once Claude Code or Skillhub changes.
"""

import csv
import io
import json
import re
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from catalog import exporting, skillfile
from catalog.models import Skill
from tests import claude_code as cli
from tests.browser import Browser, one, page
from tests.factories import make_user
from tests.shared import CORPUS, SHARED

pytestmark = [pytest.mark.django_db]

HOSTILE = (
    "[click](https://evil.example) <img src=x onerror=alert(1)> www.evil.example "
    "admin@evil.example **bold**"
)

# Written by the team, imported through the import page: one of each thing Claude Code
# reads differently, with the files as people write them.
HANDMADE = {
    ".claude/commands/git/commit.md": (
        "---\ndescription: Commit the staged changes\nallowed-tools: Bash(git commit:*)\n"
        "argument-hint: [message]\n---\nCommit with the message $ARGUMENTS.\n"
    ),
    ".claude/commands/frontend/component/new.md": (
        "---\ndescription: Scaffold a component\n---\nCreate the component $0 in src/.\n"
    ),
    ".claude/commands/deploy.md": "---\ndescription: Deploy to an environment\n---\nDeploy $1.\n",
    ".claude/commands/hello.md": "Say hello to the team, briefly.\n",  # no frontmatter
    ".claude/commands/release_notes.md": (
        "---\nallowed-tools: Bash(git log:*)\n---\nSummarise the changes since the last tag.\n"
    ),
    ".claude/commands/ops/Restart.md": "---\ndescription: Restart a service\n---\nRestart $0.\n",
    ".claude/commands/hostile.md": f"---\ndescription: {json.dumps(HOSTILE)}\n---\nDo it.\n",
    ".claude/commands/changelog.md": "---\ndescription: Write the changelog\n---\nWrite it.\n",
    ".claude/skills/changelog/SKILL.md": (
        "---\nname: changelog\ndescription: Keep CHANGELOG.md current\n---\nUpdate it.\n"
    ),
    ".claude/skills/house-style/SKILL.md": (
        "---\nname: house-style\ndescription: How we write code here\n"
        "user-invocable: false\n---\nFollow the house style.\n"
    ),
    ".claude/skills/manual-deploy/SKILL.md": (
        "---\nname: manual-deploy\ndescription: Deploy by hand\n"
        "disable-model-invocation: true\n---\nDeploy step by step.\n"
    ),
    ".claude/skills/scratchpad/SKILL.md": "Keep notes in NOTES.md as you go.\n",
    ".claude/agents/reviewer.md": (
        "---\nname: reviewer\ndescription: Reviews code\ntools: Read, Grep\n---\nReview.\n"
    ),
    ".claude/agents/helper.md": "---\ndescription: Helps with chores\n---\nYou help.\n",
    ".claude/agents/tester.md": "---\nname: tester\n---\nYou write tests.\n",
    ".claude/agents/docs-writer.md": (
        "---\nname: technical-writer\ndescription: Writes the docs\n---\nYou write docs.\n"
    ),
    ".claude/output-styles/terse.md": (
        "---\nname: terse\ndescription: Short answers\n---\nAnswer in one line.\n"
    ),
    ".claude/output-styles/teacher.md": "---\ndescription: Explains as it goes\n---\nTeach.\n",
}
BACKEND = ["command/deploy", "command/ops:Restart", "skill/manual-deploy", "agent/reviewer"]


def meta(skill: Skill) -> dict:
    return skill.published.metadata or {}


def _user_invocable(skill: Skill) -> bool:
    return meta(skill).get("user-invocable") is not False


def _field(skill: Skill, key: str) -> str:
    value = meta(skill).get(key)
    return value if isinstance(value, str) and value.strip() else ""


# Every way Claude Code 2.1.332 lists a published item differently from what Skillhub
# shows for it, as (reason, test of the item). The expectations below apply them, and
# test_every_documented_difference_shows_up_in_the_catalog keeps the list honest.
DIFFERENCES = {
    "user-invocable: false": (
        "Claude Code lists a skill with `user-invocable: false` neither in slash_commands "
        "nor in skills, and refuses `/name` ('can only be invoked by Claude'); Skillhub "
        "still shows its slash name",
        lambda s, shadowed: s.kind == "skill" and not _user_invocable(s),
    ),
    "agent without name or description": (
        "in a project (.claude/agents) Claude Code loads no agent whose frontmatter lacks "
        "`name` or `description`; Skillhub publishes it (ok, or a missing-description "
        "warning). In a plugin Claude Code loads it, by its file name",
        lambda s, shadowed: (
            s.kind == "agent" and not (_field(s, "name") and _field(s, "description"))
        ),
    ),
    "agent named in its frontmatter": (
        "Claude Code lists an agent by its frontmatter `name`, Skillhub by its file name "
        "(and warns: name-mismatch)",
        lambda s, shadowed: s.kind == "agent" and _field(s, "name") not in ("", s.name),
    ),
    "output style": (
        "the init record lists no output styles (its output_style field only echoes the "
        "outputStyle setting, found or not), so a project's cannot be checked there; in a "
        "plugin, `claude plugin validate` lists them under Provides",
        lambda s, shadowed: s.kind == "output-style",
    ),
    "command shadowed by a skill": (
        "when a command and a skill share a slash name, Claude Code lists the name once and "
        "runs the skill; Skillhub shows both (and warns about the pair)",
        lambda s, shadowed: s.kind == "command" and s.name.casefold() in shadowed,
    ),
    "skill without frontmatter": (
        "Claude Code offers a skill whose SKILL.md has no frontmatter as a slash command "
        "but leaves it out of the init record's skills",
        lambda s, shadowed: s.kind == "skill" and not s.published.text.startswith("---"),
    ),
}


def shadowed_commands(published: list[Skill]) -> set[str]:
    pairs = skillfile.find_collisions((skill.kind, skill.name) for skill in published)
    return {command.casefold() for command, _skill in pairs}


def differences_of(skill: Skill, shadowed: set[str]) -> set[str]:
    return {key for key, (_reason, applies) in DIFFERENCES.items() if applies(skill, shadowed)}


# -- the catalog, taken in as the product takes it ------------------------------------


def corpus_tree(root: Path) -> int:
    """Lay the corpus out as a `.claude/` tree: each file at its own path where that name
    is free, else under a name made from its source; return how many files."""
    taken: set[tuple[str, str]] = {
        skillfile.locate(path)[0:2] for path in HANDMADE if skillfile.locate(path)
    }
    taken = {(kind, name.casefold()) for kind, name in taken}
    count = 0
    with open(SHARED / "corpus" / "index.tsv", encoding="utf-8", newline="") as index:
        for row in csv.DictReader(index, delimiter="\t"):
            located = skillfile.locate(row["path"])
            if located is None:
                continue
            kind, name = located
            if (
                not name
                or not skillfile.is_valid_name(kind, name)
                or ((kind, name.casefold()) in taken)
            ):
                slug = re.sub(r"[^a-z0-9]+", "-", row["file"].removesuffix(".md").lower())
                name = slug.strip("-")[:64].rstrip("-")
            taken.add((kind, name.casefold()))
            target = root / skillfile.bundle_path(kind, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((CORPUS / row["file"]).read_bytes())
            count += 1
    return count


def tar_gz(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture
def catalog(tmp_path, publisher, settings):
    """HANDMADE through the import page and the publish buttons (a team that publishes
    without review), the corpus through `manage.py import_skills --publish`; a few items
    tagged `backend`."""
    settings.SKILLHUB_REQUIRED_APPROVALS = 0
    member = Browser(make_user("writer"))
    member.get("/edit/import")
    upload = SimpleUploadedFile("team.tar.gz", tar_gz(HANDMADE))
    dry_run = member.post("/edit/import", {"file": upload})
    assert dry_run.status_code == 200, page(dry_run)
    token = one(page(dry_run), "button", name="confirm").attrs["value"]
    assert member.post("/edit/import", {"confirm": token}).status_code == 302

    boss = Browser(publisher)
    for skill in Skill.objects.all():
        assert skill.latest.result != "error", (skill, skill.latest.problems)
        url = f"/edit/{skill.kind}s/{skill.name}/"
        response = boss.post(url + "publish", {"version": skill.latest.number})
        assert response.status_code == 302, response
    for item in BACKEND:
        kind, name = item.split("/")
        assert boss.post(f"/edit/{kind}s/{name}/tags", {"tags": "backend"}).status_code == 302
    assert Skill.objects.public().count() == len(HANDMADE)

    if CORPUS.is_dir():
        assert corpus_tree(tmp_path / "corpus") > 40
        call_command("import_skills", str(tmp_path / "corpus"), "--publish", "--user",
                     publisher.username, stdout=io.StringIO())  # fmt: skip
        assert Skill.objects.public().count() > len(HANDMADE) + 30
    return list(Skill.objects.public().select_related("published"))


def download(url: str, params=None) -> bytes:
    response = Client(enforce_csrf_checks=True).get(url, params)
    assert response.status_code == 200, response.content[:500]
    return b"".join(response.streaming_content)


def assert_lists(listed: list[str], expected: list[str]) -> None:
    """Equal as multisets, or a failure that names what is missing and what is extra."""
    missing = sorted((Counter(expected) - Counter(listed)).elements())
    extra = sorted((Counter(listed) - Counter(expected)).elements())
    assert (missing, extra) == ([], []), f"missing {missing}, extra {extra}"


def added(record: dict, builtins: dict, key: str) -> list[str]:
    """What a run lists under `key` beyond Claude Code's own built-ins, sorted, repeats kept."""
    own = set(builtins.get(key) or [])
    return sorted(entry for entry in record.get(key) or [] if entry not in own)


# -- item 2: bundles read as listed ---------------------------------------------------


def project_listing(published: list[Skill]) -> dict[str, list[str]]:
    """What Claude Code should list for a project holding `published`: Skillhub's slash
    names (without the slash) and agent names, with DIFFERENCES applied."""
    listing: dict[str, list[str]] = {"slash_commands": [], "skills": [], "agents": []}
    shadowed = shadowed_commands(published)
    for skill in published:
        differs = differences_of(skill, shadowed)
        if skill.kind == "command" and "command shadowed by a skill" not in differs:
            listing["slash_commands"].append(skill.slash_name.removeprefix("/"))
        elif skill.kind == "skill" and "user-invocable: false" not in differs:
            listing["slash_commands"].append(skill.slash_name.removeprefix("/"))
            if "skill without frontmatter" not in differs:
                listing["skills"].append(skill.slash_name.removeprefix("/"))
        elif skill.kind == "agent" and "agent without name or description" not in differs:
            listing["agents"].append(_field(skill, "name"))
    return {key: sorted(names) for key, names in listing.items()}


def test_an_unpacked_bundle_lists_exactly_what_skillhub_shows(catalog, claude_code, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    with tarfile.open(fileobj=io.BytesIO(download("/export.tar.gz")), mode="r:gz") as archive:
        archive.extractall(project, filter="data")
    assert (project / ".claude" / "skillhub.lock.json").is_file()

    record = claude_code.init(project)
    builtins = claude_code.builtins()
    expected = project_listing(catalog)
    for key in ("slash_commands", "skills", "agents"):
        assert_lists(added(record, builtins, key), expected[key])
    assert not record.get("plugin_errors")
    # Nothing extra includes the corpus files Skillhub holds back as drafts (errors).
    assert Skill.objects.filter(published__isnull=True).exists() or not CORPUS.is_dir()


def test_each_slash_name_skillhub_shows_is_the_path_claude_code_names_it_by(catalog):
    for skill in catalog:
        if skill.kind == "command":
            path = skill.bundle_path.removeprefix(".claude/commands/").removesuffix(".md")
            assert skill.slash_name == "/" + path.replace("/", ":")
        elif skill.kind == "skill":
            assert skill.slash_name == "/" + skill.bundle_path.split("/")[2]


def test_every_documented_difference_shows_up_in_the_catalog(catalog):
    shadowed = shadowed_commands(catalog)
    seen = set().union(*(differences_of(skill, shadowed) for skill in catalog))
    assert seen == set(DIFFERENCES)


# -- item 3: plugins that Claude Code accepts -----------------------------------------


def unzip(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(folder)
    return folder


def validated(claude_code, folder: Path) -> str:
    """`claude plugin validate --strict` output, after asserting it passed with nothing
    to say: no error, no warning (the plugin directory's own submission checks, printed
    after, do not count towards the result)."""
    result = claude_code.validate(folder, strict=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    verdict = output.split("Plugin directory checks")[0]
    assert "⚠" not in verdict and "✘" not in verdict, verdict
    return output


def provided(output: str) -> list[str]:
    """The `Provides:` lines of a validation: `<kind>: <plugin>:<name>`."""
    section = output.split("Provides:")[1].split("\n\n")[1]
    return sorted(
        line.strip().removeprefix("\u276f ") for line in section.splitlines() if line.strip()
    )


def plugin_listing(plugin: str, published: list[Skill]) -> dict[str, list[str]]:
    """What Claude Code should list with the plugin loaded: every item as <plugin>:<name>
    (agents and output styles by their frontmatter name, as Claude Code names them)."""
    slash, agents, provides = [], [], []
    shadowed = shadowed_commands(published)
    for skill in published:
        differs = differences_of(skill, shadowed)
        name = skill.name
        if skill.kind in ("agent", "output-style"):
            name = _field(skill, "name") or skill.name
        listed = f"{plugin}:{name}"
        kind = {"output-style": "outputStyles"}.get(skill.kind, skill.kind + "s")
        provides.append(f"{kind}: {listed}")
        if (skill.kind == "command" and "command shadowed by a skill" not in differs) or (
            skill.kind == "skill" and "user-invocable: false" not in differs
        ):
            slash.append(listed)
        elif skill.kind == "agent":
            agents.append(listed)
    return {"slash_commands": sorted(slash), "agents": sorted(agents), "provides": sorted(provides)}


@override_settings(SKILLHUB_PLUGIN_LICENSE="MIT", SKILLHUB_PLUGIN_AUTHOR="Team <team@example.com>")
def test_the_plugin_passes_strict_validation_and_loads_every_item(catalog, claude_code, tmp_path):
    data = download("/export.zip", {"layout": "plugin", "plugin": "team-kit"})
    folder = unzip(data, tmp_path / "team-kit")
    manifest = json.loads((folder / ".claude-plugin" / "plugin.json").read_text())
    assert manifest["name"] == "team-kit"
    assert manifest["author"] == {"name": "Team", "email": "team@example.com"}
    assert manifest["license"] == "MIT"
    assert {"version", "description"} <= manifest.keys()

    expected = plugin_listing("team-kit", catalog)
    assert provided(validated(claude_code, folder)) == expected["provides"]

    empty = tmp_path / "empty"
    empty.mkdir()
    record = claude_code.init(empty, plugin_dir=folder)
    builtins = claude_code.builtins()
    assert not record.get("plugin_errors")
    mine = [p for p in record["plugins"] if p.get("path") == str(folder)]
    assert [(p["name"], p.get("version")) for p in mine] == [("team-kit", manifest["version"])]
    assert_lists(added(record, builtins, "slash_commands"), expected["slash_commands"])
    assert_lists(added(record, builtins, "agents"), expected["agents"])


def test_a_filtered_plugin_is_named_by_the_request_and_holds_only_the_filter(
    catalog, claude_code, tmp_path
):
    data = download("/export.zip", {"layout": "plugin", "plugin": "backend-kit", "tag": "backend"})
    folder = unzip(data, tmp_path / "backend-kit")
    assert provided(validated(claude_code, folder)) == [
        "agents: backend-kit:reviewer",
        "commands: backend-kit:deploy",
        "commands: backend-kit:ops:Restart",
        "skills: backend-kit:manual-deploy",
    ]
    record = claude_code.init(tmp_path, plugin_dir=folder)
    assert not record.get("plugin_errors")
    assert added(record, claude_code.builtins(), "slash_commands") == [
        "backend-kit:deploy",
        "backend-kit:manual-deploy",
        "backend-kit:ops:Restart",
    ]


def test_the_default_plugin_passes_without_any_plugin_setting(catalog, claude_code, tmp_path):
    folder = unzip(download("/export.zip", {"layout": "plugin"}), tmp_path / "skillhub")
    assert json.loads((folder / ".claude-plugin" / "plugin.json").read_text())["author"] == {
        "name": "testserver"
    }
    validated(claude_code, folder)


def test_the_readme_install_lines_install_the_plugin_for_good(catalog, claude_code, tmp_path):
    """The README's marketplace recipe, run as written, in one HOME of its own."""
    data = download("/export.zip", {"layout": "plugin", "plugin": "backend-kit", "tag": "backend"})
    readme = zipfile.ZipFile(io.BytesIO(data)).read("README.md").decode()
    marketplace = tmp_path / "my-plugins"
    unzip(data, marketplace / "backend-kit")
    [snippet] = re.findall(r"```json\n(.*?)```", readme, re.S)
    (marketplace / ".claude-plugin").mkdir()
    (marketplace / ".claude-plugin" / "marketplace.json").write_text(snippet)
    [commands] = [block for block in re.findall(r"```sh\n(.*?)```", readme, re.S)
                  if "marketplace add" in block]  # fmt: skip
    home = tmp_path / "home"  # one HOME for the whole recipe, as a user has
    home.mkdir()
    for line in commands.strip().splitlines():
        program, *args = line.split()
        assert program == "claude"
        done = claude_code.run(*args, cwd=tmp_path, env={"HOME": str(home)})
        assert done.returncode == 0, done.stdout + done.stderr
    project = tmp_path / "project"
    project.mkdir()
    done = claude_code.run("-p", "--output-format", "stream-json", "--verbose", "x",
                           cwd=project, env={"HOME": str(home)})  # fmt: skip
    [record] = [
        json.loads(line)
        for line in done.stdout.splitlines()
        if line.startswith("{") and json.loads(line).get("subtype") == "init"
    ]
    assert "backend-kit:deploy" in record["slash_commands"]
    assert "backend-kit:reviewer" in record["agents"]
    assert not record.get("plugin_errors")


# -- the description the plugin adds changes nothing Claude Code does -----------------

UNDESCRIBED = {
    "commands/bare.md": "# Tidy up\n\nRemove dead code in $ARGUMENTS.\n",
    "commands/tools-only.md": "---\nallowed-tools: Bash(ls:*)\n---\nList $0.\n",
    "commands/empty-front.md": "---\n---\nFirst line counts.\n",
    "skills/notes/SKILL.md": "Keep notes.\nMore notes.\n",
    "skills/nameonly/SKILL.md": "---\nname: nameonly\n---\n## Heading line\nBody.\n",
}


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in _strings(item)] if isinstance(value, list) else []


def claude_code_sees(claude_code, project: Path) -> tuple[list[str], dict[str, str]]:
    """The skill listing Claude Code sends the model (its `- name: description` lines for
    UNDESCRIBED), and the prompt it builds for each of those commands with `a b`."""
    with cli.stub_messages_api() as api:
        claude_code.run("-p", "hello", cwd=project, env=api.env)
        requests = api.requests
    names = "|".join(re.escape(Path(path).stem) if path.startswith("commands/")
                     else re.escape(path.split("/")[1]) for path in UNDESCRIBED)  # fmt: skip
    wanted = re.compile(rf"- (?:{names}): ")
    lines = (line for text in _strings(requests) for line in text.splitlines())
    listing = sorted({line for line in lines if wanted.match(line)})
    prompts = {
        Path(path).stem: claude_code.prompt(project, f"/{Path(path).stem} a b")
        for path in UNDESCRIBED
        if path.startswith("commands/")
    }
    return listing, prompts


def test_the_added_empty_description_changes_nothing_claude_code_does(claude_code, tmp_path):
    stored, written = tmp_path / "stored", tmp_path / "plugin"
    for relative, text in UNDESCRIBED.items():
        kind = "skill" if relative.startswith("skills/") else "command"
        for root, data in ((stored, text.encode()), (written, None)):
            if data is None:
                data = exporting.plugin_file(kind, text.encode(), described=False)
                assert data != text.encode()
            path = root / ".claude" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    before, after = claude_code_sees(claude_code, stored), claude_code_sees(claude_code, written)
    assert len(before[0]) == len(UNDESCRIBED), before[0]
    assert after == before
