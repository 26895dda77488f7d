"""The names of plugins and marketplaces, as Claude Code accepts them.

Pure: no Django (settings check SKILLHUB_MARKETPLACE_NAME with it at start). Claude Code
2.1 refuses a marketplace named like one of Anthropic's own (the set below, read from
the pinned CLI) or that impersonates one ("claude-…", "anthropic-…", "…official…"), and
a few names are its own sources of plugins (`builtin`, `inline`, …). Skillhub refuses
all of those for marketplaces, and the exact reserved names for plugins too, so that
`name@marketplace` never means something other than what was released here.
"""

import re

NAME_MAX = 64
NAME_RULE = (
    f"1-{NAME_MAX} lowercase letters and digits in words joined by single hyphens "
    "(kebab-case), such as backend-kit"
)
# A name as a regular expression, also the URL converter's (catalog.converters).
NAME_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_KEBAB = re.compile(NAME_PATTERN)

# Claude Code 2.1.332: official marketplace names, and its plugin sources' own names.
RESERVED = frozenset(
    {
        "claude-code-marketplace",
        "claude-code-plugins",
        "claude-plugins-official",
        "anthropic-marketplace",
        "anthropic-plugins",
        "agent-skills",
        "anthropic-agent-skills",
        "life-sciences",
        "knowledge-work-plugins",
        "claude-for-legal",
        "claude-for-financial-services",
        "financial-services-plugins",
        "first-party-plugins",
        "claude-tag-plugins",
        "claude-community",
        "claude-plugins-community",
        "healthcare",
        "anthropic-plugin-directory",
        "claude-plugin-directory",
        "builtin",
        "inline",
        "skills-dir",
        "synced",
        "claude-plugin-test",
    }
)
_AUTHOR_WITH_EMAIL = re.compile(r"(?P<name>.*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>")
_IMPERSONATING = re.compile(r"^(?:anthropic|claude)(?:-|$)|official")


def is_kebab(name: str) -> bool:
    return len(name) <= NAME_MAX and _KEBAB.fullmatch(name) is not None


def plugin_name_problem(name: str) -> str | None:
    """Why `name` cannot name a plugin, or None."""
    if not is_kebab(name):
        return f"{name[:NAME_MAX]!r} is not a plugin name: use {NAME_RULE}."
    if name in RESERVED:
        return f"{name!r} is reserved by Claude Code: choose another plugin name."
    return None


def marketplace_name_problem(name: str) -> str | None:
    """Why `name` cannot name a marketplace, or None."""
    if not is_kebab(name):
        return f"{name[:NAME_MAX]!r} is not a marketplace name: use {NAME_RULE}."
    if name in RESERVED or _IMPERSONATING.search(name):
        return (
            f"{name!r} is reserved by Claude Code for Anthropic's own marketplaces "
            "(it refuses names like claude-…, anthropic-… and …official…): choose another."
        )
    return None


def split_author(text: str) -> tuple[str, str]:
    """("Name", "email") of an author or owner written "Name <email>", else (text, "")."""
    text = text.strip()
    if match := _AUTHOR_WITH_EMAIL.fullmatch(text):
        return match["name"] or match["email"], match["email"]
    return text, ""


def person(text: str) -> dict[str, str]:
    """An author or owner ("Name <email>") as plugin.json and marketplace.json write one."""
    return person_of(*split_author(text))


def person_of(name: str, email: str) -> dict[str, str]:
    """{"name", "email"?}: the e-mail only when there is one."""
    return {"name": name, **({"email": email} if email else {})}


def described(name: str, description: str) -> str:
    """A plugin's description, or the one it gets when it has none (Claude Code's
    validator wants one)."""
    return description or f"{name}, released on Skillhub"
