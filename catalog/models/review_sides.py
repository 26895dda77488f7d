"""What a change request's diff compares, line by line: the published version and the
request's (Sides), the lines comments are anchored to, and what the new version may do
that the published one could not (widenings, which an approval must acknowledge)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from catalog import diffing, plugin_changes
from catalog.models.events import Event
from catalog.models.versions import Version

if TYPE_CHECKING:
    from catalog.models.reviews import ChangeRequest

SKILL_MD = "SKILL.md"  # a comment's path when it is on the item's own text


@dataclass(frozen=True)
class Sides:
    """The two sides a request's diff compares: the published version (None: nothing is
    published yet) and the request's version."""

    old: Version | None
    new: Version

    def text(self, path: str, side: str) -> str:
        version = self.old if side == "old" else self.new
        if version is None:
            return ""
        if path in ("", SKILL_MD):
            return version.text
        file = version.file(path)
        if file is None or not file.is_text:
            return ""
        return file.text


def sides_of(request: "ChangeRequest") -> Sides:
    return Sides(
        request.skill.published if request.is_open else _published_before(request), request.version
    )


def _published_before(request: "ChangeRequest") -> Version | None:
    """For an ended request, the version that was live when it ended is not kept; its diff
    is shown against the version published before the request's own."""
    return (
        request.skill.versions.filter(number__lt=request.version.number)
        .filter(
            pk__in=Event.objects.filter(skill=request.skill, action=Event.Action.PUBLISH).values(
                "version"
            )
        )
        .order_by("-number")
        .first()
    )


def lines_by_side(request: "ChangeRequest", keys) -> dict[tuple[str, str], list[str]]:
    """The current lines of each (path, side) in `keys`, for Comment.is_outdated."""
    sides = sides_of(request)
    return {(path, side): _lines(sides.text(path, side)) for path, side in set(keys)}


def _lines(text: str) -> list[str]:
    """A text's lines as the diff numbers them, without their line ends."""
    return [line.rstrip("\n") for line in diffing.split_lines(text)]


def line_of(request: "ChangeRequest", path: str, side: str, line: int | None) -> str:
    if not line:
        return ""
    if side not in ("old", "new"):
        raise ValidationError({"line": "Say which side of the diff the line is on."})
    lines = _lines(sides_of(request).text(path or SKILL_MD, side))
    if not 1 <= line <= len(lines):
        raise ValidationError({"line": f"{path or SKILL_MD} has no line {line} on that side."})
    return lines[line - 1]


def widenings(old: Version | None, new: Version) -> tuple[str, ...]:
    """What `new` may do that `old` (None: nothing published) could not: tool rules
    granted (a bare `Bash` among them), denials dropped, a more permissive mode, hooks or
    MCP servers, a changed model, a new executable script."""
    skill = new.skill
    before = plugin_changes.PinnedItem(skill.kind, skill.name, 0, "", old.metadata if old else {})
    after = plugin_changes.PinnedItem(skill.kind, skill.name, 0, "", new.metadata)
    notes = list(plugin_changes.widenings(before, after))
    old_model = old.metadata.get("model") if old else None
    if new.metadata.get("model") != old_model and "model" in new.metadata:
        notes.append(f"model {old_model or '(default)'} → {new.metadata['model']}")
    old_files = old.file_index() if old else {}
    for path, (_, executable) in sorted(new.file_index().items()):
        if executable and not old_files.get(path, ("", False))[1]:
            notes.append(f"executable {path}")
    return tuple(notes)
