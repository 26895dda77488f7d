"""What an author sees beside the editor, and a reader on an item page."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.html import format_html

from catalog import rendering, skillfile, skilltree


@dataclass(frozen=True)
class ProblemRow:
    """A problem as the editor lists it, with its quick fix if it has one."""

    problem: Any  # a skillfile.Problem, or its stored dict
    fix: skillfile.Fix | None


def problem_rows(text: str, problems: list[Any]) -> list[ProblemRow]:
    known = [p if isinstance(p, skillfile.Problem) else skillfile.Problem(**p) for p in problems]
    fixes = skillfile.fixes_for(text, known)
    return [ProblemRow(problem, fix) for problem, fix in zip(problems, fixes, strict=True)]


@dataclass
class Preview:
    parsed: skillfile.SkillFile
    html: str
    prompt_html: str
    arguments: str
    # What the text says about the skill's other files (a link to a missing one).
    tree_problems: tuple = ()

    @property
    def problems(self):
        return [*self.parsed.problems, *self.tree_problems]

    @property
    def problem_rows(self) -> list[ProblemRow]:
        return problem_rows(self.parsed.text, self.problems)

    @property
    def result(self) -> str:
        severities = {problem.severity for problem in self.problems}
        if "error" in severities:
            return "error"
        return "warning" if "warning" in severities else "ok"

    @property
    def fields(self) -> list[tuple[str, str]]:
        return frontmatter_rows(self.parsed.metadata)


def build_preview(
    text: str,
    kind: str,
    name: str | None = None,
    arguments: str = "",
    files: "skilltree.Tree | None" = None,
    files_url: str = "",
) -> Preview:
    """The preview of unsaved text; for a skill, linted against `files` (the tree of the
    version it is edited on), with relative links pointing under `files_url`."""
    parsed = skillfile.parse(text, kind=kind, name=name or None)
    found = skilltree.tree_lint(parsed.body, parsed.body_line, files) if files else []
    return Preview(
        parsed=parsed,
        html=rendering.render_markdown(
            parsed.body, settings.SKILLHUB_IMAGE_HOSTS, files_url, first_line=parsed.body_line
        ),
        prompt_html=prompt_html(parsed, arguments),
        arguments=arguments,
        tree_problems=tuple(found),
    )


# Try-it shows at most PROMPT_MAX_CHARS of prompt, and at most this much HTML of it
# (each `@file` or `!` command becomes a span several times its length).
PROMPT_HTML_MAX = 2 * skillfile.PROMPT_MAX_CHARS


def prompt_html(parsed: skillfile.SkillFile, arguments: str) -> str:
    """The prompt Claude Code would send for `arguments`, with inert marks (try it),
    cut at PROMPT_MAX_CHARS characters or PROMPT_HTML_MAX of HTML, with a note."""
    prompt, cut_text = skillfile.expand_bounded(parsed, arguments)
    html, cut_html = rendering.render_prompt_bounded(prompt, PROMPT_HTML_MAX)
    if cut_text or cut_html:
        html += format_html(
            '<p class="prompt-truncated" role="note">Truncated: this prompt is longer than '
            "the {} KiB shown here.</p>",
            skillfile.PROMPT_MAX_CHARS // 1024,
        )
    return html


def frontmatter_rows(metadata: dict) -> list[tuple[str, str]]:
    """Frontmatter as (field, shown value) rows; lists joined, maps as key: value."""
    rows = []
    for key, value in metadata.items():
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            shown = "; ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = "" if value is None else str(value)
        rows.append((str(key), shown))
    return rows


def argument_hint(metadata: dict) -> str:
    hint = metadata.get("argument-hint")
    if isinstance(hint, list):  # an unquoted [hint] in YAML; show what the author meant
        return " ".join(f"[{part}]" for part in hint)
    return hint if isinstance(hint, str) else ""


@dataclass(frozen=True)
class StoredPreview:
    """A saved version's preview from what was derived once, when it was written: the
    same attributes as Preview's that the editor shows, without parsing or rendering."""

    html: str
    problems: list[dict]  # Problem.as_dict() each, as stored
    result: str
    metadata: dict
    prompt_html: str = ""  # expanding needs a parse: shown once arguments are typed
    arguments: str = ""
    text: str = ""  # for the quick fixes

    @property
    def problem_rows(self) -> list[ProblemRow]:
        return problem_rows(self.text, self.problems)

    @property
    def fields(self) -> list[tuple[str, str]]:
        return frontmatter_rows(self.metadata)


def stored_preview(version) -> StoredPreview:
    """The preview of a saved `catalog.models.Version`, from its stored fields."""
    return StoredPreview(
        html=version.html,
        problems=version.problems,
        result=version.result,
        metadata=version.metadata,
        text=version.text,
    )


@dataclass(frozen=True)
class Risk:
    """What a reader should know about before installing an item, as a badge on the
    catalog and on the item page, from the lint problems its version stored."""

    key: str
    label: str
    explanation: str
    codes: frozenset[str]


RISKS = (
    Risk(
        "shell",
        "runs shell commands",
        "Runs a shell command before the prompt is sent, without a matching Bash rule.",
        frozenset({"shell-not-allowed", "pipe-to-shell"}),
    ),
    Risk(
        "bash",
        "unrestricted Bash",
        "Allows every shell command without asking.",
        frozenset({"unrestricted-bash"}),
    ),
    Risk(
        "comment",
        "hidden HTML comments",
        "Holds HTML comments: hidden on this page, read by the model.",
        frozenset({"html-comment"}),
    ),
    Risk(
        "invisible",
        "invisible characters",
        "Holds zero-width or bidi control characters that can hide or reorder text.",
        frozenset({"invisible-character"}),
    ),
    # A skill's folder (catalog/skilltree.py's lint): what its files let Claude do.
    Risk(
        "scripts",
        "ships executable scripts",
        "Comes with executable files that Claude can run; the file list marks them.",
        frozenset({"executable-file"}),
    ),
    Risk(
        "download",
        "script downloads and runs code",
        "A script of the skill fetches something from the network and pipes it to a shell.",
        frozenset({"script-pipes-to-shell"}),
    ),
    Risk(
        "network",
        "scripts use the network",
        "A script of the skill reaches the network (curl, wget, an HTTP client or a URL).",
        frozenset({"script-uses-network"}),
    ),
    Risk(
        "binary",
        "large binary files",
        "Comes with binary files over 1 MiB, which no reviewer can read.",
        frozenset({"large-binary"}),
    ),
)


def risks_of(problems: list[dict]) -> list[Risk]:
    """The risks that lint problems (as stored: dicts with a code) point at, in a fixed order."""
    codes = {code for problem in problems if isinstance(code := problem.get("code"), str)}
    return [risk for risk in RISKS if risk.codes & codes]
