"""Where the plugins of a marketplace repository are, and which items each one holds.

Pure Python: imports no Django. catalog.importing reads a tree holding
`.claude-plugin/marketplace.json` (Anthropic's skills repository is the model case)
through here, so that a marketplace imports as its plugins:

    read_marketplace(paths, read) -> Marketplace | None
        root       the folder holding .claude-plugin/ ("" or the one top folder of
                   an archive such as GitHub's skills-main/)
        plugins    one PluginSpec per entry: its name, folder, version, details and
                   items (ItemRef: kind, name, the item's file, a skill's folder), or
                   the problems that refuse it
        problems   what refuses the file as a whole (not JSON, no plugins list)
        skipped    (path, reason) of the files no plugin holds

Claude Code's rules, as its plugin and marketplace references give them (2.1):
- a plugin's source is a path relative to the marketplace root, written "./…"
  ("./" is the root itself); with `metadata.pluginRoot` a bare name is a folder
  under it. github, url, git-subdir and npm sources are fetched from elsewhere and
  are refused here: the tree does not hold them.
- a plugin's components are its default folders (commands/, skills/<name>/SKILL.md,
  agents/, output-styles/) unless its manifest lists paths for that component,
  which replace the default folder. `strict` (true by default) makes plugin.json the
  authority and merges the marketplace entry's lists into it; `strict: false` makes
  the entry the whole definition, and a plugin.json that also lists components is a
  conflict Claude Code refuses, so it is refused here too.
- a listed skill path is a skill's folder (`./skills/xlsx`) or a folder of skill
  folders (`./skills`); commands, agents and output styles are .md files or folders
  of them (a command in a subfolder is namespaced: commands/git/commit.md is
  git:commit, as in a .claude/ tree).

Hooks, MCP and LSP servers are not items, so they are reported as skipped. Every
path with `..`, an absolute path or a missing file refuses its entry, naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from typing import Any

from catalog import plugin_names, semver
from catalog.layouts import shallowest_owner

MARKETPLACE_JSON = ".claude-plugin/marketplace.json"
PLUGIN_JSON = ".claude-plugin/plugin.json"
SKILL_MD = "SKILL.md"

# The manifest field of each kind of item, and its default folder in a plugin.
COMPONENTS = {
    "command": ("commands", "commands"),
    "skill": ("skills", "skills"),
    "agent": ("agents", "agents"),
    "output-style": ("outputStyles", "output-styles"),
}
COMPONENT_FIELDS = frozenset(name for name, _folder in COMPONENTS.values())
# What a Claude Code plugin may hold that a Skillhub plugin cannot.
NOT_ITEMS = {
    "hooks": "hooks",
    "mcpServers": "MCP servers",
    "lspServers": "LSP servers",
}
_NOT_ITEM_FILES = {"hooks": "hooks", ".mcp.json": "MCP servers", ".lsp.json": "LSP servers"}
HOLDS = "a Skillhub plugin holds commands, skills, agents and output styles"
IN_NO_PLUGIN = f"in no plugin of {MARKETPLACE_JSON}"

# A JSON object as json.loads gives it: its values are whatever the file holds.
_Object = dict[str, Any]


@dataclass(frozen=True)
class ItemRef:
    kind: str  # skill, command, agent, output-style
    name: str  # from the path, as Claude Code names it
    path: str  # the item's own file in the tree: <folder>/SKILL.md, commands/x.md
    folder: str = ""  # a skill's folder in the tree (every file under it is the skill's)


@dataclass
class PluginSpec:
    entry: str  # how marketplace.json names it: 'plugins[1] "example-skills"'
    name: str
    source: str = ""  # as written: "./", "./plugins/code-kit"
    folder: str = ""  # the plugin's folder in the tree
    version: str = (
        ""  # plugin.json's, else the entry's (Claude Code's order); "" when neither gives one
    )
    details: dict[str, object] = field(default_factory=dict)  # Plugin's detail fields
    items: list[ItemRef] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Marketplace:
    root: str
    name: str = ""
    plugins: list[PluginSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    manifests: list[str] = field(default_factory=list)  # the JSON files read

    @property
    def path(self) -> str:
        return _join(self.root, MARKETPLACE_JSON)

    def items(self) -> list[ItemRef]:
        """Every item of every plugin once, in the order the plugins list them."""
        return list(dict.fromkeys(ref for plugin in self.plugins for ref in plugin.items))


def find_root(paths: Iterable[str]) -> str | None:
    """The folder holding .claude-plugin/marketplace.json: the root, or the one folder
    every path is in (an archive of a checkout), else None."""
    paths = set(paths)
    if MARKETPLACE_JSON in paths:
        return ""
    tops = {path.split("/", 1)[0] for path in paths}
    if len(tops) == 1 and all("/" in path for path in paths):
        [top] = tops
        if f"{top}/{MARKETPLACE_JSON}" in paths:
            return top
    return None


def read_marketplace(paths: Iterable[str], read: Callable[[str], bytes]) -> Marketplace | None:
    """The plugins of the marketplace among `paths` (read(path) gives a file's bytes), or
    None when there is no marketplace.json to read."""
    tree = _Tree(paths)
    root = find_root(tree.files)
    if root is None:
        return None
    market = Marketplace(root)
    market.manifests.append(market.path)
    data, problem = _read_json(read, market.path)
    if problem:
        market.problems.append(problem)
        return market
    if not isinstance(data, dict) or not isinstance(data.get("plugins"), list):
        market.problems.append(f'{market.path}: no "plugins" list (an array of plugin entries)')
        return market
    market.name = data["name"] if isinstance(data.get("name"), str) else ""
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        metadata = {}
    plugin_root = _plugin_root(metadata.get("pluginRoot", data.get("pluginRoot")), market)
    seen: dict[str, str] = {}
    for index, entry in enumerate(data["plugins"]):
        spec = _read_entry(index, entry, tree, market, plugin_root, read)
        if spec.name and spec.name in seen:
            spec.problems.append(f"the same name as {seen[spec.name]}")
        elif spec.name:
            seen[spec.name] = spec.entry
        market.plugins.append(spec)
    market.skipped = _skipped(tree, market)
    return market


# -- one plugin entry ------------------------------------------------------------------


def _read_entry(
    index: int,
    entry: object,
    tree: _Tree,
    market: Marketplace,
    plugin_root: str | None,
    read: Callable[[str], bytes],
) -> PluginSpec:
    label = f"plugins[{index}]"
    if not isinstance(entry, dict):
        return PluginSpec(label, "", problems=["not a plugin entry (a JSON object)"])
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        return PluginSpec(label, "", problems=['no "name"'])
    spec = PluginSpec(f'{label} "{_shown(name)}"', name)
    if problem := plugin_names.plugin_name_problem(name):
        spec.problems.append(problem)
    spec.source, folder = _source_folder(entry.get("source"), tree, market, plugin_root, spec)
    if folder is None:
        return spec
    spec.folder = folder
    manifest: _Object = {}
    manifest_path = _join(folder, PLUGIN_JSON)
    if manifest_path in tree.files:
        market.manifests.append(manifest_path)
        manifest, problem = _read_json(read, manifest_path)
        if problem or not isinstance(manifest, dict):
            spec.problems.append(problem or f"{manifest_path}: not a JSON object")
            manifest = {}
    spec.version = _version(entry, manifest, spec)
    spec.details = _details(entry, manifest, spec)
    strict = entry.get("strict", True)
    if not isinstance(strict, bool):
        spec.problems.append(f'"strict" is {_json(strict)}: write true or false')
        strict = True
    if not strict and (listed := sorted(COMPONENT_FIELDS & set(manifest))):
        spec.problems.append(
            f"strict is false, but {manifest_path} lists {', '.join(listed)} too: Claude Code "
            "refuses a plugin defined in both places; list its components in one of them"
        )
    spec.items = _items(entry, manifest if strict else {}, tree, folder, spec)
    for key, what in NOT_ITEMS.items():
        if key in entry or key in manifest:
            where = market.path if key in entry else manifest_path
            market.skipped.append((where, f"{what} of {spec.entry}: not imported ({HOLDS})"))
    if not spec.items and not spec.problems:
        spec.problems.append(f"holds no commands, skills, agents or output styles ({HOLDS})")
    return spec


def _plugin_root(value: object, market: Marketplace) -> str | None:
    """metadata.pluginRoot as a folder of the tree, or None (a problem if it is bad)."""
    if value is None:
        return None
    relative, problem = _relative(value, "metadata.pluginRoot")
    if problem:
        market.problems.append(f"{market.path}: {problem}")
        return None
    return _join(market.root, relative)


def _source_folder(
    source: object, tree: _Tree, market: Marketplace, plugin_root: str | None, spec: PluginSpec
) -> tuple[str, str | None]:
    """(the source as written, the plugin's folder in the tree or None if refused)."""
    if isinstance(source, dict):
        kind = source.get("source", "?")
        spec.problems.append(
            f'source {{"source": {_json(kind)}, …}} is fetched from elsewhere, not this tree: '
            'Skillhub imports plugins whose source is a folder of the marketplace ("./plugins/x")'
        )
        return "", None
    if not isinstance(source, str):
        spec.problems.append('no "source" (a folder of the marketplace, such as "./plugins/x")')
        return "", None
    shown = _shown(source)
    if "://" in source or source.startswith("git@"):
        spec.problems.append(
            f'source "{shown}" is a URL, not a folder of this tree: Skillhub imports plugins '
            'whose source is a folder of the marketplace ("./plugins/x")'
        )
        return source, None
    bare = not (source == "./" or source.startswith("./")) and not _absolute(source)
    base = plugin_root if bare else market.root
    if base is None:  # a bare name, and no pluginRoot to find it in
        spec.problems.append(
            f'source "{shown}" must start with "./" (a folder relative to the marketplace '
            'root, such as "./plugins/x")'
        )
        return source, None
    relative, problem = _relative(source, "source")
    if problem:
        spec.problems.append(problem)
        return source, None
    folder = _join(base, relative)
    if folder not in tree.folders:
        spec.problems.append(f'source "{shown}": no folder {_shown(folder) or "./"} in the tree')
        return source, None
    return source, folder


def _version(entry: _Object, manifest: _Object, spec: PluginSpec) -> str:
    # Claude Code reads plugin.json's version first, then the marketplace entry's.
    for where, data in ((PLUGIN_JSON, manifest), ("the entry", entry)):
        value = data.get("version")
        if value is None:
            continue
        if not isinstance(value, str):
            spec.problems.append(f'"version" of {where} is {_json(value)}, not a string')
            return ""
        try:
            return str(semver.SemVer.parse(value))
        except semver.InvalidVersion as error:
            spec.problems.append(f'"version" of {where}: {error}')
            return ""
    return ""


def _details(entry: _Object, manifest: _Object, spec: PluginSpec) -> dict[str, object]:
    """The Plugin's details: the entry's, else plugin.json's (the version is read the
    other way round, as Claude Code does)."""
    details: dict[str, object] = {}
    for key, sources in (
        ("description", ("description",)),
        ("homepage", ("homepage",)),
        ("license", ("license",)),
        ("category", ("category",)),
    ):
        value = _first(entry, manifest, sources)
        if value is None:
            continue
        if isinstance(value, str):
            details[key] = value.strip()
        else:
            spec.problems.append(f'"{key}" is {_json(value)}, not a string')
    author = _first(entry, manifest, ("author",))
    if author is not None:
        details["author"] = _author(author, spec)
    keywords = _first(entry, manifest, ("keywords",))
    if keywords is None:
        keywords = entry.get("tags")
    if keywords is not None:
        if isinstance(keywords, list) and all(isinstance(word, str) for word in keywords):
            details["keywords"] = keywords
        else:
            spec.problems.append('"keywords" must be a list of words')
    return details


def _first(entry: _Object, manifest: _Object, keys: tuple[str, ...]) -> Any:
    for data in (entry, manifest):
        for key in keys:
            if data.get(key) is not None:
                return data[key]
    return None


def _author(value: object, spec: PluginSpec) -> str:
    """ "Name <email>" of an author written as text or as {"name", "email", "url"}."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        name, email = value["name"].strip(), value.get("email")
        return f"{name} <{email.strip()}>" if isinstance(email, str) and email.strip() else name
    spec.problems.append('"author" must be a name or {"name": …, "email": …}')
    return ""


# -- a plugin's items ------------------------------------------------------------------


def _items(
    entry: _Object, manifest: _Object, tree: _Tree, folder: str, spec: PluginSpec
) -> list[ItemRef]:
    found: list[ItemRef] = []
    for kind, (key, default) in COMPONENTS.items():
        listed: list[str] = []
        for data in (manifest, entry):
            if key in data:
                listed += _paths(data[key], key, spec)
        if key in manifest or key in entry:
            for relative in listed:
                found += _resolve(kind, _join(folder, relative), tree, spec, key, listed=True)
        elif _join(folder, default) in tree.folders:
            found += _resolve(kind, _join(folder, default), tree, spec, key, listed=False)
    return list(dict.fromkeys(found))


def _paths(value: object, key: str, spec: PluginSpec) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        spec.problems.append(f'"{key}" must be a path or a list of paths such as "./{key}/x"')
        return []
    paths = []
    for path in values:
        relative, problem = _relative(path, key)
        if problem:
            spec.problems.append(problem)
        else:
            paths.append(relative)
    return paths


def _resolve(
    kind: str, path: str, tree: _Tree, spec: PluginSpec, key: str, listed: bool
) -> list[ItemRef]:
    shown = _shown(path) or "./"
    if path in tree.files:
        name = path.rsplit("/", 1)[-1]
        if kind == "skill":
            if name != SKILL_MD:
                spec.problems.append(f'"{key}": {shown} is a file, not a skill folder')
                return []
            return _skill(path.rsplit("/", 1)[0] if "/" in path else "", spec, key)
        if not name.endswith(".md"):
            spec.problems.append(f'"{key}": {shown} is not a .md file')
            return []
        return [ItemRef(kind, name[: -len(".md")], path)]
    if path not in tree.folders:
        spec.problems.append(f'"{key}": no file or folder {shown} in the tree')
        return []
    if kind == "skill":
        if _join(path, SKILL_MD) in tree.files:
            return _skill(path, spec, key)
        found = []
        for child in tree.children(path):
            if _join(child, SKILL_MD) in tree.files:
                found += _skill(child, spec, key)
        if not found and listed:
            spec.problems.append(f'"{key}": {shown} holds no SKILL.md, nor folders that do')
        return found
    found = []
    for file in tree.under(path):
        if file.endswith(".md"):
            relative = file[len(path) + 1 :] if path else file
            stem = relative[: -len(".md")]
            name = stem.replace("/", ":") if kind == "command" else stem.rsplit("/", 1)[-1]
            found.append(ItemRef(kind, name, file))
    if not found and listed:
        spec.problems.append(f'"{key}": {shown} holds no .md files')
    return found


def _skill(folder: str, spec: PluginSpec, key: str) -> list[ItemRef]:
    if not folder:
        spec.problems.append(f'"{key}": a skill folder cannot be the whole tree')
        return []
    return [ItemRef("skill", folder.rsplit("/", 1)[-1], _join(folder, SKILL_MD), folder)]


# -- what no plugin holds --------------------------------------------------------------


def _skipped(tree: _Tree, market: Marketplace) -> list[tuple[str, str]]:
    refs = market.items()
    skills = {ref.folder for ref in refs if ref.folder}
    taken = {ref.path for ref in refs} | set(market.manifests)
    # Plugins in folders of their own; a plugin whose source is the root ("./") holds
    # only what it lists, so the rest of the root is in no plugin.
    folders = {spec.folder: spec for spec in market.plugins if spec.folder != market.root}
    roots = [spec for spec in market.plugins if spec.folder == market.root and spec.items]
    skipped = list(market.skipped)
    for path in sorted(tree.files):
        if path in taken or shallowest_owner(path, skills) is not None:
            continue
        owner = _deepest_owner(path, folders)
        spec = folders[owner] if owner is not None else (roots[0] if roots else None)
        base = owner if owner is not None else market.root
        first = (path[len(base) + 1 :] if base else path).split("/", 1)[0]
        what = _NOT_ITEM_FILES.get(first)
        if what and spec is not None:
            skipped.append((path, f"{what} of {spec.entry}: not imported ({HOLDS})"))
        elif owner is not None:
            entry = folders[owner].entry
            skipped.append((path, f"in the folder of {entry} but in none of its items"))
        else:
            skipped.append((path, IN_NO_PLUGIN))
    return skipped


def _deepest_owner(path: str, folders: Container[str]) -> str | None:
    parts = path.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        folder = "/".join(parts[:depth])
        if folder in folders:
            return folder
    return None


# -- paths and JSON --------------------------------------------------------------------


class _Tree:
    """The files of the tree, every folder holding one, and each folder's children."""

    def __init__(self, paths: Iterable[str]):
        self.files = set(paths)
        self.folders = {""}
        self._children: dict[str, set[str]] = {}
        self._under: dict[str, list[str]] = {}
        for path in sorted(self.files):
            parts = path.split("/")
            for depth in range(len(parts)):
                folder = "/".join(parts[:depth])
                self.folders.add(folder)
                self._under.setdefault(folder, []).append(path)
                if depth + 1 < len(parts):
                    self._children.setdefault(folder, set()).add("/".join(parts[: depth + 1]))

    def children(self, folder: str) -> list[str]:
        return sorted(self._children.get(folder, ()))

    def under(self, folder: str) -> list[str]:
        return self._under.get(folder, [])


def _relative(path: object, key: str) -> tuple[str, str | None]:
    """`path` ("./a/b", "a/b", "./") as a "/"-joined relative path, or why it is refused."""
    shown = _shown(path)
    if not isinstance(path, str):
        return "", f'"{key}" is {_json(path)}, not a path'
    if not path.strip():
        return "", f'"{key}" is empty'
    if _absolute(path):
        return "", f'{key} "{shown}" is an absolute path: write a path relative to the tree ("./…")'
    if "\\" in path:
        return "", f'{key} "{shown}" has a backslash: write "/" between folders'
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        return "", f'{key} "{shown}" has "..": a path must stay inside the tree'
    return "/".join(parts), None


def _absolute(path: str) -> bool:
    return path.startswith(("/", "~")) or (len(path) > 1 and path[1] == ":")


def _join(folder: str, relative: str) -> str:
    return f"{folder}/{relative}" if folder and relative else folder or relative


def _read_json(read: Callable[[str], bytes], path: str) -> tuple[Any, str | None]:
    try:
        return json.loads(read(path).decode("utf-8-sig")), None
    except UnicodeDecodeError:
        return None, f"{path}: not UTF-8 text"
    except json.JSONDecodeError as error:
        return (
            None,
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
        )
    except RecursionError:
        return None, f"{path}: nested too deeply"


def _json(value: object) -> str:
    return _shown(json.dumps(value, ensure_ascii=False)[:60])


def _shown(text: object) -> str:
    """A name from the file, safe in a message line (no newlines or control characters)."""
    text = text if isinstance(text, str) else str(text)
    cleaned = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return cleaned if len(cleaned) <= 120 else cleaned[:120] + "…"
