"""What the scenarios work on: real skill files, a 15 KB file built from them, and a
catalog of generated published items.

Real files come from ../shared/corpus/files (SKILLHUB_SHARED moves ../shared); without
them, generated markdown with the same ingredients (headings, lists, tables, fenced
code, `!` lines) stands in, and the results say so.
"""

import hashlib
import os
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SKILLHUB_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus" / "files"

FIFTEEN_KB = 15 * 1024
# Inserted into one template in eight, so that a search for it matches about 1/8 of a catalog.
SEARCH_WORD = "lighthouse"
KINDS = ("command", "skill", "agent", "output-style")
TAGS = (
    "git", "review", "testing", "docs", "release", "frontend",
    "backend", "security", "python", "deploy", "refactor", "planning",
)  # fmt: skip
BATCH = 500


def corpus_texts() -> tuple[list[str], str]:
    """The texts of the real-world files, and where they came from."""
    if CORPUS.is_dir():
        texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md"))]
        if texts:
            return texts, f"{len(texts)} corpus files from {CORPUS}"
    return [_generated_text(number) for number in range(40)], "generated markdown (no corpus)"


def _generated_text(number: int) -> str:
    rng = random.Random(number)
    words = ["review", "the", "staged", "diff", "for", "risky", "changes", "before", "release"]

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(6, 16))).capitalize() + "."

    parts = [f"---\ndescription: {sentence()}\nallowed-tools: Bash(git diff:*)\n---\n"]
    parts.append(f"# Task {number}\n\n{sentence()} {sentence()}\n")
    parts.append("".join(f"- {sentence()}\n" for _ in range(rng.randint(3, 6))))
    parts.append("| step | what |\n|---|---|\n| 1 | `git diff --staged` |\n| 2 | read it |\n")
    parts.append("```python\ndef main():\n    return sorted(set(open('x').read().split()))\n```\n")
    parts.append("!`git status --short`\n\n$ARGUMENTS\n")
    return "\n".join(parts)


def fifteen_kb_file(texts: list[str]) -> str:
    """A ~15 KB command file: one frontmatter, then the bodies of real files in turn,
    the last one cut at a line end."""
    from catalog import skillfile

    head = (
        "---\n"
        "description: Everything a long command does, for the benchmark\n"
        "argument-hint: <target> [mode]\n"
        "allowed-tools: Bash(git diff:*), Bash(git status:*), Read, Grep\n"
        "---\n"
    )
    out = head
    for text in _cycle(texts):
        for line in skillfile.parse(text).body.splitlines(keepends=True):
            if len((out + line).encode("utf-8")) > FIFTEEN_KB:
                return out
            out += line
        out += "\n"
    raise AssertionError("unreachable")


def _cycle(items: list[str]):
    while True:
        yield from items


def edited(text: str, *, every: int, seed: int) -> str:
    """`text` with one word changed in every `every`-th line that has words, a paragraph
    inserted and a few lines dropped when `every` > 1: a realistic next version."""
    rng = random.Random(seed)
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines):
        words = line.split(" ")
        if number % every == 0 and len(words) > 2:
            words[rng.randrange(len(words))] = rng.choice(["quickly", "carefully", "twice"])
            line = " ".join(words)
        if every > 1 and number % (every * 7) == 3:
            continue  # dropped
        out.append(line)
        if every > 1 and number % (every * 11) == 5:
            out += ["", "A paragraph added in the new version, with a few words.", ""]
    return "\n".join(out)


# -- a generated catalog -----------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One text and what Version.build would derive from it, computed once."""

    text: str
    sha256: str
    description: str
    metadata: dict
    problems: list
    result: str
    html: str


def _templates(texts: list[str], kind: str, count: int = 16) -> list[Template]:
    from catalog import rendering, skillfile

    templates = []
    for number, text in enumerate(texts):
        if number % 8 == 0:
            text += f"\nRun a {SEARCH_WORD} audit of the pages this touches.\n"
        parsed = skillfile.parse(text, kind=kind)
        if parsed.result == "error":
            continue  # published items never have errors
        templates.append(
            Template(
                text=parsed.text,
                sha256=hashlib.sha256(parsed.text.encode("utf-8")).hexdigest(),
                description=parsed.description,
                metadata=parsed.metadata,
                problems=[p.as_dict() for p in parsed.problems],
                result=parsed.result,
                html=rendering.render_markdown(parsed.body),
            )
        )
        if len(templates) == count:
            break
    return templates


class Catalog:
    """Published items named bench-00000, bench-00001…, grown on demand.

    Rows are written with bulk_create from templates whose derived fields were computed
    once: the full save path (parse, render, lock, three writes) 20,000 times would
    take minutes and measure nothing the other scenarios do not.
    """

    def __init__(self, texts: list[str]):
        self._texts = texts
        self._templates: dict[str, list[Template]] = {}
        self.count = 0

    def templates(self, kind: str) -> list[Template]:
        if kind not in self._templates:
            self._templates[kind] = _templates(self._texts, kind)
        return self._templates[kind]

    def ensure(self, count: int) -> None:
        """At least `count` published bench items exist."""
        if self.count < count:
            self._create(self.count, count)
            self.count = count

    def _create(self, start: int, stop: int) -> None:
        from django.db import transaction
        from django.utils import timezone

        from catalog.analysis import Analysis
        from catalog.models import Skill, Tag, Version

        now = timezone.now()
        with transaction.atomic():
            tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
            skills = [
                Skill(
                    kind=KINDS[number % len(KINDS)],
                    name=f"bench-{number:05d}",
                    created_at=now,
                    updated_at=now,
                    downloads=(number * 37) % 101,
                )
                for number in range(start, stop)
            ]
            Skill.objects.bulk_create(skills, batch_size=BATCH)
            versions = [
                self._version(skill, number, now)
                for number, skill in zip(range(start, stop), skills, strict=True)
            ]
            Version.objects.bulk_create(versions, batch_size=BATCH)
            Analysis.objects.bulk_create(
                [self._analysis(version) for version in versions], batch_size=BATCH
            )
            for number, (skill, version) in enumerate(zip(skills, versions, strict=True), start):
                skill.latest = skill.published = version
                skill.published_at = now - timedelta(minutes=number)
            Skill.objects.bulk_update(
                skills, ["latest", "published", "published_at"], batch_size=BATCH
            )
            through = Skill.tags.through
            links = [
                through(skill_id=skill.pk, tag_id=tags[(number * k) % len(tags)].pk)
                for number, skill in enumerate(skills, start)
                for k in (1, 7)
            ]
            through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)

    def _version(self, skill, number: int, now):
        from catalog.models import Version

        templates = self.templates(skill.kind)
        template = templates[number % len(templates)]
        version = Version(
            skill=skill,
            number=1,
            text=template.text,
            sha256=template.sha256,
            message="Generated for the benchmark",
            created_at=now,
            description=template.description,
        )
        version.template = template  # for _analysis, right after
        return version

    def _analysis(self, version):
        from catalog.analysis import Analysis

        template = version.template
        return Analysis(
            version=version,
            metadata=template.metadata,
            problems=template.problems,
            result=template.result,
            html=template.html,
            total_size=len(template.text.encode("utf-8")),
        )
