"""What changed between two releases of a plugin, and which semver part that bumps.

Pure: no Django. An item is added, removed or changed (other content); a change that
lets an item do more than before (a tool rule granted, a restriction lifted) is a
widening, which breaks the people who installed the plugin trusting what it could do,
just as a removal breaks those who used the item: both are major. An addition is a
minor, any other change a patch. Widening covers tool rules, an agent's tool list, a more
permissive `permissionMode`, and hooks or MCP servers added or changed.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from catalog import field_diffs

# Fields whose rules grant (a rule added widens) and whose rules take away (a rule
# removed widens). An agent without `tools` may use every tool, so removing the field
# widens too; allowed-tools only pre-approves, so removing it narrows.
_GRANTING = ("allowed-tools", "tools")
_DENYING = ("disallowed-tools", "disallowedTools")
_ALL_WHEN_ABSENT = {"agent": ("tools",)}


@dataclass(frozen=True)
class PinnedItem:
    kind: str
    name: str
    version: int
    digest: str  # the item's content: its file's sha256, or a skill folder's tree digest
    metadata: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.name.casefold())


@dataclass(frozen=True)
class ItemChange:
    old: PinnedItem
    new: PinnedItem
    permissions: tuple[field_diffs.FieldChange, ...]  # every permission field that changed
    widened: tuple[str, ...]  # what it may do now that it could not before, in words


@dataclass(frozen=True)
class PluginChanges:
    added: tuple[PinnedItem, ...]
    removed: tuple[PinnedItem, ...]
    changed: tuple[ItemChange, ...]
    unchanged: tuple[PinnedItem, ...]

    @property
    def widened(self) -> tuple[ItemChange, ...]:
        return tuple(change for change in self.changed if change.widened)

    @property
    def bump(self) -> str | None:
        """The semver part this change bumps; None when the items are the same."""
        if self.removed or self.widened:
            return "major"
        if self.added:
            return "minor"
        if self.changed:
            return "patch"
        return None

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def compare(before: list[PinnedItem], after: list[PinnedItem]) -> PluginChanges:
    old = {item.key: item for item in before}
    new = {item.key: item for item in after}
    added = tuple(new[key] for key in sorted(new.keys() - old.keys()))
    removed = tuple(old[key] for key in sorted(old.keys() - new.keys()))
    changed, unchanged = [], []
    for key in sorted(old.keys() & new.keys()):
        if old[key].digest == new[key].digest:
            unchanged.append(new[key])
            continue
        fields = field_diffs.frontmatter_diff(dict(old[key].metadata), dict(new[key].metadata))
        permissions = tuple(change for change in fields if change.permission)
        changed.append(ItemChange(old[key], new[key], permissions, widenings(old[key], new[key])))
    return PluginChanges(added, removed, tuple(changed), tuple(unchanged))


def widenings(old: PinnedItem, new: PinnedItem) -> tuple[str, ...]:
    """How `new` may do more than `old`: tool rules granted, denials dropped, a tool
    restriction lifted."""
    notes = []
    for key in _GRANTING:
        unrestricted_when_absent = key in _ALL_WHEN_ABSENT.get(new.kind, ())
        if unrestricted_when_absent and key in old.metadata and key not in new.metadata:
            notes.append(f"{key} removed: it may use every tool")
            continue
        if key not in new.metadata:
            continue
        granted = set(field_diffs.tool_rules(new.metadata.get(key)))
        had = set(field_diffs.tool_rules(old.metadata.get(key)))
        if unrestricted_when_absent and key not in old.metadata:
            continue  # it could use every tool before
        if extra := _beyond(granted, had):
            notes.append(f"{key} adds {', '.join(extra)}")
    for key in _DENYING:
        dropped = _beyond(
            set(field_diffs.tool_rules(old.metadata.get(key))),
            set(field_diffs.tool_rules(new.metadata.get(key))),
        )
        if dropped:
            notes.append(f"{key} no longer denies {', '.join(dropped)}")
    notes += _other_widenings(old.metadata, new.metadata)
    return tuple(notes)


# permissionMode values that let an agent act without asking as the default mode would.
_PERMISSIVE_MODES = frozenset({"acceptEdits", "bypassPermissions", "dontAsk"})


def _other_widenings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Widenings beyond tool rules: a more permissive permissionMode, and hooks or MCP
    servers added or changed (each runs code or reaches services the item could not)."""
    notes = []
    mode = new.get("permissionMode")
    if mode in _PERMISSIVE_MODES and mode != old.get("permissionMode"):
        notes.append(f"permissionMode {mode}")
    for key in ("hooks", "mcpServers"):
        old_value, new_value = old.get(key), new.get(key)
        before = old_value if isinstance(old_value, dict) else {}
        after = new_value if isinstance(new_value, dict) else {}
        if not isinstance(new_value, dict) and key in new and new_value != old_value:
            notes.append(f"{key} changed")
            continue
        grown = sorted(str(k) for k in after if k not in before or after[k] != before[k])
        if grown:
            notes.append(f"{key} adds or changes {', '.join(grown)}")
    return notes


def _beyond(rules: set[str], others: set[str]) -> list[str]:
    """The rules of `rules` that `others` does not cover, sorted: `Bash(git diff:*)` is
    covered by itself and by `Bash`, the whole tool (narrowing Bash to some of its uses
    grants nothing new)."""
    return sorted(
        rule for rule in rules if rule not in others and rule.split("(", 1)[0] not in others
    )
