"""This site as a Claude Code plugin marketplace: `marketplace.json`, in two forms.

- Served over HTTP (`/.claude-plugin/marketplace.json`, `/marketplace.json`, a view of
  catalog.plugin_views): each
  released plugin with its git repository as the source, pinned by `sha` to the commit
  of its latest release. `claude plugin marketplace add <that URL>` downloads this one
  file, so relative sources would not resolve: Claude Code clones each plugin's git URL
  instead, which works over plain HTTP too.
- Inside `/marketplace.git` (catalog.gitserve): the same plugins with relative sources,
  `./plugins/<name>`, since `claude plugin marketplace add <…>/marketplace.git` clones
  the whole repository.

Claude Code's schema takes one `source` per plugin, so a release's zip (an `archive`
source, which it accepts only over https from a non-loopback host) is not offered as
an alternative: git is the one source, and works everywhere. Fields with no value are
left out; the name is SKILLHUB_MARKETPLACE_NAME, checked at start.
"""

import json

from django.conf import settings
from django.http import HttpRequest

from catalog import plugin_names
from catalog.models import Release

MANIFEST_PATH = ".claude-plugin/marketplace.json"


def name() -> str:
    return settings.SKILLHUB_MARKETPLACE_NAME


def site_url(request: HttpRequest | None) -> str:
    """The origin (and path prefix) every URL handed out starts with."""
    if settings.SKILLHUB_PUBLIC_URL or request is None:
        return settings.SKILLHUB_PUBLIC_URL
    return request.build_absolute_uri("/").rstrip("/")


def _owner() -> dict:
    return plugin_names.person(settings.SKILLHUB_MARKETPLACE_OWNER or "Skillhub")


def entry(release: Release, source) -> dict:
    entry: dict[str, object] = {
        "name": release.plugin.name,
        "source": source,
        "description": plugin_names.described(release.plugin.name, release.description),
        "version": release.version,
    }
    if release.author:
        entry["author"] = plugin_names.person(release.author)
    for key in ("homepage", "license", "category"):
        if value := getattr(release, key):
            entry[key] = value
    if release.keywords:
        entry["keywords"] = list(release.keywords)
    return entry


def document(entries: list[dict]) -> bytes:
    data = {
        "name": name(),
        "owner": _owner(),
        "description": settings.SKILLHUB_MARKETPLACE_DESCRIPTION,
        "plugins": entries,
    }
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def repository_manifest(releases: list[Release]) -> bytes:
    """marketplace.json inside /marketplace.git: relative sources."""
    return document([entry(r, f"./plugins/{r.plugin.name}") for r in releases])
