"""Where the items of an upload or a folder are: which files make which skill, and which
are commands, agents, output styles, or part of nothing.

Pure Python: imports no Django. Shared by catalog.archives (which names must pass the
item-name allowlist and be text) and catalog.importing (what becomes which item).

    place(paths) -> Placement(skills, singles, outside)

A skill is the folder of a SKILL.md that skillfile.locate names a skill:
`.claude/skills/<name>/`, `skills/<name>/` (a plugin), `plugins/<p>/skills/<name>/` (a
marketplace), `<name>/`, or the root itself (a bare skill folder or archive, named by
its frontmatter). Every file under that folder is one of the skill's files; a SKILL.md
deeper inside belongs to the outer skill, as Claude Code only looks one level down.

Commands, agents and output styles are single .md files in their folders. A loose .md
(outside every such folder) is a command only when nothing in the upload is laid out
as items — a lone .md upload, or an archive of loose command files, as before skills
had folders; beside a `.claude/` tree or a skill folder it is a README or notes, and
is skipped. Everything else belongs to no item and is skipped, with a reason.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from catalog import skillfile

SKILL_MD = "SKILL.md"
_AREA_FOLDERS = frozenset({"commands", "skills", "agents", "output-styles"})
# Loose files that document a folder of commands rather than being one.
_DOCUMENTS = frozenset({"readme", "changelog", "contributing", "license", "security"})

OUTSIDE = "outside every skill folder and commands/, agents/ or output-styles/ folder"
NOT_A_COMMAND = "documents the upload; a README is not a command"


@dataclass
class SkillFolder:
    root: str  # the folder, "" for the upload's root
    name: str | None  # from the path; None at the root (the frontmatter names it)
    files: list[str] = field(default_factory=list)  # full paths of the files but SKILL.md

    @property
    def skill_md(self) -> str:
        return f"{self.root}/{SKILL_MD}" if self.root else SKILL_MD

    def relative(self, path: str) -> str:
        return path[len(self.root) + 1 :] if self.root else path


@dataclass(frozen=True)
class Single:
    path: str
    kind: str  # command, agent, output-style
    name: str


@dataclass
class Placement:
    skills: list[SkillFolder]
    singles: list[Single]
    outside: list[tuple[str, str]]  # (path, why it is not imported)

    def item_paths(self) -> set[str]:
        """The files that are items themselves (SKILL.md files and single files): the
        ones that must be UTF-8 text with allowlisted names."""
        return {s.skill_md for s in self.skills} | {s.path for s in self.singles}


def place(paths: Iterable[str]) -> Placement:
    """Group `paths` (relative, "/"-separated, no junk) into items."""
    paths = sorted(set(paths))
    roots = _skill_roots(paths)
    skills = {root: SkillFolder(root, name) for root, name in roots.items()}
    singles, loose, outside = [], [], []
    for path in paths:
        root = shallowest_owner(path, roots)
        if root is not None:
            if path != skills[root].skill_md:
                skills[root].files.append(path)
            continue
        located = skillfile.locate(path)
        if located is None or located[0] == "skill" or located[1] is None:
            outside.append((path, OUTSIDE))
        elif _is_loose(path):
            loose.append((path, located[1]))
        else:
            singles.append(Single(path, located[0], located[1]))
    if skills or singles:
        outside += [(path, OUTSIDE) for path, _name in loose]
    else:
        for path, name in loose:
            if len(paths) > 1 and name.split(":")[-1].casefold() in _DOCUMENTS:
                outside.append((path, NOT_A_COMMAND))
            else:
                singles.append(Single(path, "command", name))
    order = {path: n for n, path in enumerate(paths)}
    outside.sort(key=lambda row: order[row[0]])
    return Placement(list(skills.values()), singles, outside)


def _skill_roots(paths: list[str]) -> dict[str, str | None]:
    """Folder -> name of every outermost folder holding a SKILL.md that names a skill."""
    found: dict[str, str | None] = {}
    for path in paths:
        if path != SKILL_MD and not path.endswith("/" + SKILL_MD):
            continue
        located = skillfile.locate(path)
        if located is not None and located[0] == "skill":
            found[path[: -len(SKILL_MD)].rstrip("/")] = located[1]
    outermost: dict[str, str | None] = {}
    for root in sorted(found, key=lambda r: (r.count("/") if r else -1, r)):
        if shallowest_owner(root + "/x", outermost) is None:
            outermost[root] = found[root]
    return outermost


def shallowest_owner(path: str, roots: Container[str]) -> str | None:
    """The shallowest of `roots` that `path` lies in (depth steps, not a scan of roots)."""
    if "" in roots:
        return ""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        folder = "/".join(parts[:depth])
        if folder in roots:
            return folder
    return None


def _is_loose(path: str) -> bool:
    """Whether skillfile.locate found no kind folder for `path` (its loose-file rule)."""
    marker = path.rfind(".claude/")
    if marker == 0 or (marker > 0 and path[marker - 1] == "/"):
        parts = path[marker + len(".claude/") :].split("/")
        return not (len(parts) > 1 and parts[0] in _AREA_FOLDERS)
    return not any(part in _AREA_FOLDERS for part in path.split("/")[:-1])
