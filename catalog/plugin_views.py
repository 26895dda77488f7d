"""The public face of plugins: the list, a plugin, a release, its archives, and the
marketplace file (its document is catalog.marketplace; the git repositories are
catalog.plugin_git, served by catalog.gitserve). What a release changed is the model's
(Release.since_previous, NextRelease); this module only lays it out for pages, the
editor's release preview included.
"""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_safe

from catalog import diffing, field_diffs, marketplace, plugin_changes, plugin_tree, skilltree
from catalog.models import Kind, NextRelease, Plugin, Release, Version
from catalog.models.plugins import kind_counts
from catalog.plugin_git import release_commit
from catalog.views import not_modified, streamed_download

ARCHIVE_TYPES = {"zip": "application/zip", "tar.gz": "application/gzip"}


def _get_released(name: str) -> Plugin:
    """A plugin with at least one release, or 404: unreleased plugins are not public."""
    return get_object_or_404(Plugin.objects.released().select_related("latest_release"), name=name)


def _get_release(name: str, version: str) -> Release:
    try:
        return Release.objects.select_related("plugin", "released_by").get(
            plugin__name=name, version=version
        )
    except Release.DoesNotExist:
        raise Http404(f"No release {version} of {name}.") from None


# -- what pages show ---------------------------------------------------------------


def marketplace_urls(request: HttpRequest | None) -> dict[str, str]:
    """What the install lines add this site as a marketplace by (the templates write the
    commands): its git repository, what Claude Code prefers, and its JSON file; and the
    marketplace's name, which plugins are installed under."""
    site = marketplace.site_url(request)
    return {
        "marketplace": marketplace.name(),
        "marketplace_git_url": site + reverse("marketplace-git-root"),
        "marketplace_json_url": site + reverse("marketplace-json"),
    }


def plugin_git_url(request: HttpRequest | None, name: str) -> str:
    """A plugin's git repository, absolute on SKILLHUB_PUBLIC_URL or the request's host."""
    return marketplace.site_url(request) + reverse("plugin-git-root", args=[name])


def item_rows(versions: list[Version]) -> list[dict[str, Any]]:
    """A release's pinned versions, each linked to its item's public page while the item
    is published (a release keeps pinning an item that was unpublished since)."""
    return [
        {"version": v, "skill": v.skill, "public": v.skill.published_id is not None}
        for v in versions
    ]


def _key(version: Version) -> tuple[str, str]:
    return (version.skill.kind, version.skill.name.casefold())  # as PinnedItem.key


def change_set(upcoming: NextRelease) -> dict[str, Any]:
    """A release's changes laid out for a page: items added and removed, each changed
    item with its diff, the permission changes, and the version it implied."""
    old = {_key(v): v for v in upcoming.previous.pinned()} if upcoming.previous else {}
    new = {_key(v): v for v in upcoming.versions}
    changes = upcoming.changes
    diffs = _item_diffs([(old[c.old.key], new[c.new.key], c) for c in changes.changed])
    return {
        "first": upcoming.previous is None,
        "previous": upcoming.previous,
        "added": item_rows([new[item.key] for item in changes.added]),
        "removed": item_rows([old[item.key] for item in changes.removed]),
        "changed": diffs,
        "unchanged": len(changes.unchanged),
        "permission_changes": [d for d in diffs if d["change"].permissions or d["change"].widened],
        "details_changed": upcoming.details_changed and upcoming.previous is not None,
        "bump": changes.bump or ("patch" if upcoming.details_changed else None),
        "proposed": str(upcoming.proposed) if upcoming.proposed else "",
        "reason": upcoming.reason,
    }


def _item_diffs(
    pairs: Iterable[tuple[Version, Version, plugin_changes.ItemChange]],
) -> list[dict[str, Any]]:
    """Each changed item's diff, as the item's public page diffs two of its versions.
    The lines compared count across items, so a release changing 50 long items costs at
    most what one page's diff may (past that, an item links its two files instead)."""
    compared = 0
    diffs: list[dict[str, Any]] = []
    for number, (old, new, change) in enumerate(pairs, 1):
        skill = new.skill
        diff: dict[str, Any] = {
            "anchor": f"changed-{number}",
            "change": change,
            "skill": skill,
            "old": old,
            "new": new,
            "fields": field_diffs.frontmatter_diff(dict(old.metadata), dict(new.metadata)),
        }
        if skill.kind == Kind.SKILL:
            diff["file_diffs"] = skilltree.page_file_diffs(*old.differing_trees(new))
            diff["files_url"] = skill.get_absolute_url() + "files/"
        size = old.text.count("\n") + new.text.count("\n") + 2
        within = compared + size <= diffing.DIFF_MAX_LINES
        hunks = diffing.page_hunks(old.text, new.text) if within else None
        compared += size
        if hunks is None:
            diff["too_large"] = diffing.PAGE_LIMITS
        else:
            diff["hunks"], diff["stats"] = hunks, diffing.hunk_stats(hunks)
        diffs.append(diff)
    return diffs


# -- views -------------------------------------------------------------------------


@require_GET
def plugins(request: HttpRequest) -> HttpResponse:
    listed = list(Plugin.objects.released().select_related("latest_release"))
    counts = kind_counts([p.latest_release_id for p in listed])
    for found in listed:
        found.kind_counts = sorted(counts.get(found.latest_release_id, {}).items())
    context = {"plugins": listed, **marketplace_urls(request)}
    return render(request, "catalog/plugins.html", context)


@require_GET
def plugin(request: HttpRequest, name: str) -> HttpResponse:
    found = _get_released(name)
    latest = found.current_release
    releases = found.releases_newest_first().select_related("released_by")
    context = {
        "plugin": found,
        "latest": latest,
        "items": item_rows(latest.pinned()),
        "releases": releases,
        **marketplace_urls(request),
        "git_url": plugin_git_url(request, name),
    }
    return render(request, "catalog/plugin.html", context)


@require_GET
def release(request: HttpRequest, name: str, version: str) -> HttpResponse:
    found = _get_release(name, version)
    upcoming = found.since_previous()
    context = {
        "release": found,
        "plugin": found.plugin,
        "items": item_rows(upcoming.versions),
        "changes": change_set(upcoming),
        "is_latest": found.plugin.latest_release_id == found.pk,
        "marketplace": marketplace.name(),
        "git_url": plugin_git_url(request, name),
    }
    return render(request, "catalog/release.html", context)


@require_safe
def release_archive(
    request: HttpRequest, name: str, version: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """A release as a plugin folder: reproducible to the byte, so its ETag is fixed."""
    found = _get_release(name, version)
    etag = f'"release-{found.tree_sha256.removeprefix("sha256:")[:32]}-{fmt}"'  # immutable
    response: HttpResponse | StreamingHttpResponse | None = not_modified(request, etag)
    if response is None:
        stream = plugin_tree.iter_release_archive(found, fmt)
        response = streamed_download(request, stream, ARCHIVE_TYPES[fmt])
        filename = f"{found.plugin.name}-{found.version}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def plugin_git_root(request: HttpRequest, name: str) -> HttpResponseRedirect:
    """A browser opening a plugin's git URL gets the plugin's page."""
    return redirect("plugin", name=_get_released(name).name)


@require_GET
def marketplace_git_root(request: HttpRequest) -> HttpResponseRedirect:
    return redirect("plugins")


def _marketplace_document(request: HttpRequest | None) -> bytes:
    """marketplace.json over HTTP: each plugin's git URL, pinned to its latest release."""
    plugins = Plugin.objects.released().select_related("latest_release__plugin")
    entries = []
    for plugin in plugins.order_by("name"):
        release = plugin.current_release
        url = plugin_git_url(request, plugin.name)
        source = {"source": "url", "url": url, "sha": release_commit(release)}
        entries.append(marketplace.entry(release, source))
    return marketplace.document(entries)


@require_GET
def marketplace_json(request: HttpRequest) -> HttpResponse:
    """This site as a Claude Code marketplace (catalog.marketplace), revalidated cheaply."""
    body = _marketplace_document(request)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response = not_modified(request, etag) or HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"
    return response
