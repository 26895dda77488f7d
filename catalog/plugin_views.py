"""The public face of plugins: the list, a plugin, a release, its archives.

The git repositories are catalog.gitserve; the marketplace file catalog.marketplace.
"""

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from catalog import marketplace, plugin_tree
from catalog.models import Plugin, Release

ARCHIVE_TYPES = {"zip": "application/zip", "tar.gz": "application/gzip"}


def _get_released(name: str) -> Plugin:
    """A plugin with at least one release, or 404: unreleased plugins are not public."""
    return get_object_or_404(Plugin.objects.released().select_related("latest_release"), name=name)


def _get_release(name: str, version: str) -> Release:
    try:
        return Release.objects.select_related("plugin").get(plugin__name=name, version=version)
    except Release.DoesNotExist:
        raise Http404(f"No release {version} of {name}.") from None


@require_GET
def plugins(request):
    listed = Plugin.objects.released().select_related("latest_release")
    context = {
        "plugins": listed,
        "marketplace": marketplace.name(),
        "site_url": marketplace.site_url(request),
    }
    return render(request, "catalog/plugins.html", context)


@require_GET
def plugin(request, name: str):
    found = _get_released(name)
    context = {
        "plugin": found,
        "releases": found.releases_newest_first().select_related("released_by"),
        "latest": found.latest_release,
        "marketplace": marketplace.name(),
        "site_url": marketplace.site_url(request),
    }
    return render(request, "catalog/plugin.html", context)


@require_GET
def release(request, name: str, version: str):
    found = _get_release(name, version)
    context = {"release": found, "plugin": found.plugin, "previous": found.previous()}
    return render(request, "catalog/release.html", context)


@require_GET
def release_archive(request, name: str, version: str, fmt: str):
    """A release as a plugin folder: reproducible to the byte, so its ETag is fixed."""
    found = _get_release(name, version)
    etag = f'"release-{plugin_tree.TREE_FORMAT}-{marketplace.name()}-{found.pk}-{fmt}"'
    if request.headers.get("If-None-Match", "") == etag:
        response = StreamingHttpResponse([], status=304)
    else:
        stream = plugin_tree.iter_release_archive(found, fmt)
        response = StreamingHttpResponse(stream, content_type=ARCHIVE_TYPES[fmt])
        filename = f"{found.plugin.name}-{found.version}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_GET
def plugin_git_root(request, name: str):
    """A browser opening a plugin's git URL gets the plugin's page."""
    return redirect("plugin", name=_get_released(name).name)


@require_GET
def marketplace_git_root(request):
    return redirect("plugins")
