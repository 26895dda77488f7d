"""Names that clash in Claude Code, for the item page, the catalog and the dashboard.

Two kinds, each with a stable code:

- `builtin-name`: a command or skill takes the slash name of one of Claude Code's own
  (catalog/claude_builtins.json, via skillfile.builtin_name). Where the item is installed,
  the name runs the item and the built-in is out of reach. skillfile.parse reports it too.
- `command-skill-collision`: a command and a skill share a slash name
  (skillfile.find_collisions). Claude Code runs the skill, so the command never runs.
  Claude Code compares names exactly (`/Ship` and `/ship` are two), so only exact pairs count.

The second depends on the catalog, not on one file, so it is found here, with one query
for a whole page of items.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Lower

from catalog import skillfile
from catalog.models import Kind, Skill

INVOKED = (Kind.COMMAND, Kind.SKILL)


@dataclass(frozen=True)
class Clash:
    code: str  # "builtin-name" | "command-skill-collision"
    label: str  # a few words, for a badge
    explanation: str  # a sentence saying what happens in Claude Code
    other_kind: str = ""  # the item of the catalog it clashes with, if there is one
    other_name: str = ""


def clashes(items: Iterable[Skill], among: QuerySet[Skill]) -> dict[int, list[Clash]]:
    """The clashes of each of `items` (by pk), with Claude Code's built-ins and with the
    items of `among` (e.g. Skill.objects.public()); every pk is a key."""
    items = list(items)
    found: dict[int, list[Clash]] = {item.pk: [] for item in items}
    invoked = [item for item in items if item.kind in INVOKED]
    for item in invoked:
        if builtin := _builtin(item):
            found[item.pk].append(builtin)
    by_name = {(item.kind, item.name): item for item in invoked}
    for command, skill in _pairs(invoked, among):
        if hidden := by_name.get((Kind.COMMAND, command)):
            found[hidden.pk].append(_hidden_by(skill))
        if hiding := by_name.get((Kind.SKILL, skill)):
            found[hiding.pk].append(_hides(command))
    return found


def _pairs(items: list[Skill], among: QuerySet[Skill]) -> list[tuple[str, str]]:
    """(command, skill) pairs of the same slash name among `items` and `among`."""
    lowered = {item.name.lower() for item in items}
    if not lowered:
        return []
    candidates = set(
        among.filter(kind__in=INVOKED)
        .annotate(lower_name=Lower("name"))
        .filter(lower_name__in=lowered)
        .values_list("kind", "name")
    )
    candidates |= {(item.kind, item.name) for item in items}
    return [(c, s) for c, s in skillfile.find_collisions(candidates) if c == s]


def _builtin(item: Skill) -> Clash | None:
    builtin = skillfile.builtin_name(item.kind, item.name)
    if builtin is None:
        return None
    version = skillfile.claude_builtins()["claude_code_version"]
    return Clash(
        "builtin-name",
        "built-in name",
        f"/{item.name} is also a {builtin} built into Claude Code {version}: where this "
        f"{item.kind} is installed, /{item.name} runs it instead, and the built-in is out "
        "of reach.",
    )


def _hidden_by(skill: str) -> Clash:
    return Clash(
        "command-skill-collision",
        "hidden by a skill",
        f"The skill /{skill} has the same name: where both are installed, Claude Code runs "
        "the skill, so this command never runs.",
        Kind.SKILL,
        skill,
    )


def _hides(command: str) -> Clash:
    return Clash(
        "command-skill-collision",
        "hides a command",
        f"The command /{command} has the same name: where both are installed, Claude Code "
        "runs this skill instead of it.",
        Kind.COMMAND,
        command,
    )
