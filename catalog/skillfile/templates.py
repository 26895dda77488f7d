"""What a new item starts from, one template per kind, and where it will go.

The description placeholder is one constant so that the lint can say, while it is
still there, that it is the template's (`template-description`).
"""

from __future__ import annotations

from catalog.skillfile.names import bundle_path, is_valid_name, name_rule, slash_name

TEMPLATE_DESCRIPTION = "One sentence that says what this does and when to use it"
# A name a template carries until the author gives one: the kinds whose file says its name.
PLACEHOLDER_NAMES = {"skill": "my-skill", "agent": "my-agent", "output-style": "my-style"}

_BODIES = {
    "command": "Write the prompt here. `$ARGUMENTS` receives what the user types after the "
    "command.\n",
    "skill": "Write the instructions here: what to do, step by step, and which of the "
    "skill's files to read when.\n",
    "agent": "You are a subagent that … Say what you do, how, and what you give back.\n",
    "output-style": "Say how Claude should answer in this style: tone, length, format.\n",
}


def new_item_template(kind: str, name: str = "") -> str:
    """The text a new item of `kind` starts from; `name` goes in its `name:` field (the
    kind's placeholder name while `name` is not a valid one)."""
    lines = ["---"]
    if kind in PLACEHOLDER_NAMES:
        lines.append(f"name: {name if is_valid_name(kind, name) else PLACEHOLDER_NAMES[kind]}")
    lines.append(f"description: {TEMPLATE_DESCRIPTION}")
    if kind == "agent":
        lines.append("tools: Read, Grep, Glob")
    return "\n".join([*lines, "---", ""]) + _BODIES.get(kind, _BODIES["command"])


def where_it_goes(kind: str, name: str) -> str:
    """One line on where `name` puts the item and how it runs, or what is wrong with it:
    `→ .claude/skills/pr-summary/SKILL.md, runs as /pr-summary`."""
    if not name:
        return ""
    if not is_valid_name(kind, name):
        return f"Not a valid {kind} name: {name_rule(kind)}."
    runs = slash_name(kind, name)
    how = {
        "agent": "a subagent Claude Code can hand work to",
        "output-style": f"an output style (/output-style {name})",
    }.get(kind, f"runs as {runs}")
    return f"→ {bundle_path(kind, name)}, {how}"
