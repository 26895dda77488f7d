"""The plugins of an imported marketplace: checked with the dry run, made with the import.

catalog.marketplace_layout finds each plugin entry's folder, details, version and items
in the tree; catalog.importing plans and applies the items as any import does. Here
each entry becomes a PluginLine of the same report: refused (naming the entry) when
its name is taken or reserved, its details would not be stored, or, with --publish,
one of its items could not be published; otherwise created, in the import's one
transaction, with its items and, with --publish, its first release at the version
its manifest gives (semver.FIRST when it gives none).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from catalog import semver
from catalog.marketplace_layout import Marketplace, PluginSpec
from catalog.models import Plugin, Result, Skill


@dataclass
class PluginLine:
    entry: str  # 'plugins[1] "example-skills"', as marketplace.json holds it
    name: str
    outcome: str  # created, refused
    detail: str = ""
    source: str = ""  # as written: "./", "./plugins/code-kit"
    version: str = ""  # its first release, with --publish
    items: list[tuple[str, str]] = field(default_factory=list)  # (kind, name), sorted
    marketplace: str = ""  # the marketplace's name
    details: dict = field(default_factory=dict)
    indexes: list[int] = field(default_factory=list)  # its items in the import's plan

    kind = "plugin"


Planned = tuple[Marketplace, PluginSpec, list[int]]


def plan(plugins: list[Planned], lines: list, publish: bool) -> list[PluginLine]:
    """One PluginLine per entry; `lines` are the import's planned item lines (ImportLine),
    `plugins` each entry, with its marketplace and the indexes of its items in `lines`."""
    if not plugins:
        return []
    names = [spec.name for _market, spec, _indexes in plugins if spec.name]
    taken = set(Plugin.objects.filter(name__in=names).values_list("name", flat=True))
    seen: dict[str, Marketplace] = {}
    planned = []
    for market, spec, indexes in plugins:
        indexes = list(dict.fromkeys(indexes))
        held = [lines[i] for i in indexes]
        problems = list(spec.problems)
        if spec.name in taken:
            problems.append(
                f"a plugin called {spec.name!r} exists already: an import creates plugins, "
                "it does not change them (release the existing one from the editor)"
            )
        elif seen.setdefault(spec.name, market) is not market:
            problems.append(f"another marketplace of this import has a plugin {spec.name!r}")
        problems += _detail_problems(spec)
        if publish and not problems:
            problems += _release_problems(held)
        line = PluginLine(
            spec.entry,
            spec.name,
            "refused" if problems else "created",
            "; ".join(problems),
            spec.source,
            (spec.version or str(semver.FIRST)) if publish else "",
            sorted({(item.kind, item.name) for item in held}),
            market.name,
            spec.details,
            indexes,
        )
        if not problems:
            count = len(line.items)
            line.detail = f"{count} item{'s' if count != 1 else ''}, " + (
                f"released as {line.version}" if publish else "not released"
            )
        planned.append(line)
    return planned


def create(line: PluginLine, skills: list[Skill], user, publish: bool) -> Plugin:
    """Make the plugin of a planned line, inside the import's transaction; raises
    ValidationError (ReleaseError) if something changed since the plan."""
    plugin = Plugin.create(line.name, user, **line.details)
    plugin.set_items(list(dict.fromkeys(skills[i] for i in line.indexes)), user)
    if publish:
        where = f" {line.marketplace}" if line.marketplace else ""
        plugin.release(user, version=line.version, notes=f"Imported from the marketplace{where}.")
    return plugin


def _detail_problems(spec: PluginSpec) -> list[str]:
    """What would stop Plugin.create storing the entry's details (the model's checks,
    made on a plugin that is never saved)."""
    probe = Plugin(name=spec.name or "probe")
    try:
        probe._set_details(dict(spec.details))
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            return error.messages
        return [f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items()]
    return []


def _release_problems(held: list) -> list[str]:
    """Why the plugin's first release would be refused once its items are imported: an
    item imported as a draft (with errors), or one left unchanged whose latest version
    has errors, cannot be published, and a release pins published versions."""
    problems = []
    for line in held:
        if line.outcome == "draft":
            problems.append(f"{line.kind} {line.name} has errors, so it cannot be released")
        elif line.outcome == "unchanged":
            skill = Skill.objects.named(line.kind, line.name).select_related("latest").first()
            if skill and skill.latest and skill.latest.result == Result.ERROR:
                problems.append(
                    f"{line.kind} {line.name} v{skill.latest.number} has errors, "
                    "so it cannot be released"
                )
    return problems
