"""README.md of a plugin export: what it holds and how to install it, with everything
user-written escaped so that the README renders as exactly its characters (GitHub's
and editors' markdown)."""

import json
import re
from collections.abc import Iterator, Sequence
from operator import attrgetter

from catalog import skillfile
from catalog.models import Version

# -- the plugin's README -------------------------------------------------------------

# Descriptions and metadata are read for this many items at a time, in README order.
_README_BATCH = 200
_SECTIONS = (
    ("command", "Commands", "Run them as slash commands, with arguments after the name."),
    ("skill", "Skills", "Claude uses them when a task calls for them; most are slash commands."),
    ("agent", "Agents", "Subagents Claude can hand a task to (`/agents` lists them)."),
    ("output-style", "Output styles", "Pick one with `/output-style`."),
)


def plugin_readme(items: Sequence, plugin, lock_name: str) -> Iterator[str]:
    """README.md of the plugin (an exporting.Plugin) whose lock file is `lock_name`,
    line by line: what it holds and how to install it.

    Everything user-written (descriptions, the site's name) is escaped by markdown_text
    and names are code spans (markdown_code), so that no description can add a link,
    an image or HTML to the page GitHub or an editor renders.
    """
    by_kind: dict[str, list] = {}
    for item in sorted(items, key=attrgetter("path")):  # the plugin's order too
        by_kind.setdefault(item.kind, []).append(item)
    name, count = plugin.name, len(items)
    where = f" at {markdown_text(plugin.site)}" if plugin.site else ""
    folder = markdown_code(name)
    yield f"# {name}\n\n"
    yield f"{count} item{'' if count == 1 else 's'} published on Skillhub{where}, "
    yield "as a Claude Code plugin.\n\n"
    yield "## Install\n\n"
    yield "Unzip it into a folder of its own and start Claude Code with that folder:\n\n"
    yield f"```sh\nunzip {plugin.file_name} -d {name}\nclaude --plugin-dir ./{name}\n```\n\n"
    yield (
        f"`--plugin-dir` loads the plugin for that session. To install it for good, put the "
        f"{folder} folder in a plugin marketplace: a folder that also holds "
        f"`.claude-plugin/marketplace.json`, such as\n\n"
    )
    marketplace = {
        "name": "my-plugins",
        "owner": {"name": "me"},
        "plugins": [{"name": name, "source": f"./{name}"}],
    }
    yield f"```json\n{json.dumps(marketplace, indent=2)}\n```\n\n"
    yield "and add it once:\n\n"
    yield (
        f"```sh\nclaude plugin marketplace add ./my-plugins\n"
        f"claude plugin install {name}@my-plugins\n```\n\n"
    )
    yield (
        f"In Claude Code the name of every item starts with {markdown_code(name + ':')}. "
        f"`{lock_name}` lists the Skillhub version and sha256 of each file.\n"
    )
    # Claude Code runs the skill when a command has the same name (skillfile.find_collisions)
    shadowed = dict(skillfile.find_collisions((item.kind, item.name) for item in items))
    for kind, title, intro in _SECTIONS:
        if kind not in by_kind:
            continue
        yield f"\n## {title}\n\n{intro}\n\n"
        for item, description, metadata in _details(by_kind[kind]):
            yield _readme_line(plugin.name, item, description, metadata, shadowed)


def _readme_line(plugin_name: str, item, description: str, metadata: dict, shadowed) -> str:
    listed = f"{plugin_name}:{_listed_name(item, metadata)}"
    invoked = item.kind == "command" or (
        item.kind == "skill" and metadata.get("user-invocable") is not False
    )
    line = f"- {markdown_code('/' + listed if invoked else listed)}: "
    line += markdown_text(description) if description.strip() else "(no description)"
    if item.kind == "skill" and not invoked:
        line += " (Claude uses it by itself: `user-invocable: false`)"
    if item.kind == "command" and item.name in shadowed:
        skill = markdown_code(f"{plugin_name}:{shadowed[item.name]}")
        line += f" (does not run: Claude Code runs the skill {skill} instead)"
    return line + "\n"


def _listed_name(item, metadata: dict) -> str:
    """The name Claude Code lists an item by: an agent or output style by its `name`
    field if it has one, everything else by its path, as Skillhub names it."""
    if item.kind in ("agent", "output-style"):
        name = metadata.get("name")
        if isinstance(name, str) and name.strip():
            return name
    return item.name


def _details(items: Sequence) -> Iterator[tuple[object, str, dict]]:
    """(item, description, metadata) of each item, in order, read in small batches."""
    for start in range(0, len(items), _README_BATCH):
        batch = items[start : start + _README_BATCH]
        rows = Version.objects.filter(pk__in=[item.version_id for item in batch])
        values = rows.values_list("pk", "description", "analysis__metadata")
        found = {pk: (d, m) for pk, d, m in values}
        for item in batch:
            description, metadata = found[item.version_id]
            yield item, description, metadata if isinstance(metadata, dict) else {}


# Backslash-escaped, an ASCII punctuation mark is literal text in CommonMark and GFM:
# no link, image, HTML, emphasis, heading or URL autolink can start from it. GitHub links
# e-mail addresses even through escapes, so `@` goes in a code span instead.
_MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?[\\]^_`{|}~")


def _one_line(text: str) -> str:
    """Whitespace runs as one space; control, format (bidi) and other invisible
    characters as U+FFFD, so that what renders is what is there."""
    return " ".join(
        "".join(c if c.isprintable() or c.isspace() else "\ufffd" for c in text).split()
    )


def markdown_text(text: str) -> str:
    """`text` as markdown that renders as exactly its characters, on one line."""
    out = []
    for char in _one_line(text):
        if char == "@":
            out.append("`@`")
        elif char in _MARKDOWN_PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def markdown_code(text: str) -> str:
    """`text` as a code span on one line, whatever backticks it holds."""
    text = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# -- the README of a release (catalog.plugin_tree) ----------------------------------


def release_readme(name: str, version: str, description: str, marketplace: str, details) -> str:
    """README.md of release `version` of plugin `name`, listed in `marketplace`.

    `details` are (item, description, metadata) in plugin path order. It names no URL:
    the bytes of a release are the same on every server and for every host it is
    reached by (its git commit ids depend on them).
    """
    details = list(details)
    count = len(details)
    lines = [f"# {name} {version}\n\n"]  # kebab-case and semver: nothing to escape
    if description.strip():
        lines.append(markdown_text(description) + "\n\n")
    lines.append(
        f"{count} item{'' if count == 1 else 's'} released on Skillhub as a Claude Code plugin.\n\n"
        "## Install\n\n"
        f"From the {markdown_code(marketplace)} marketplace (add it once with "
        "`claude plugin marketplace add <its URL>`):\n\n"
        f"```sh\nclaude plugin install {name}@{marketplace}\n```\n\n"
        f"In Claude Code the name of every item starts with {markdown_code(name + ':')}.\n"
    )
    shadowed = dict(skillfile.find_collisions((item.kind, item.name) for item, _, _ in details))
    by_kind: dict[str, list] = {}
    for detail in details:
        by_kind.setdefault(detail[0].kind, []).append(detail)
    for kind, title, intro in _SECTIONS:
        if kind in by_kind:
            lines.append(f"\n## {title}\n\n{intro}\n\n")
            lines += [
                _readme_line(name, item, item_description, metadata, shadowed)
                for item, item_description, metadata in by_kind[kind]
            ]
    return "".join(lines)
