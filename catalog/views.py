"""The public face: anyone can browse, read and download published items."""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from catalog import collisions, diffing, exporting, search, skillfile, skilltree
from catalog.converters import whole_number
from catalog.downloads import count_download
from catalog.models import Kind, PublishedVersion, Skill
from catalog.previews import argument_hint, frontmatter_rows, prompt_html

# Request header of clients that only check whether an item changed: not a download.
UPDATE_CHECK_HEADER = "X-Skills-Update-Check"


def _get_published(kind: str, name: str) -> Skill:
    """The published item, or 404: drafts and unpublished items do not exist here."""
    try:
        return Skill.objects.public().select_related("published__analysis").lookup(kind, name)
    except Skill.DoesNotExist:
        raise Http404(f"No published {kind} called {name}.") from None


def _is_update_check(request) -> bool:
    return request.headers.get(UPDATE_CHECK_HEADER, "").strip() == "1"


def _not_modified(request, etag: str) -> HttpResponse | None:
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response


def _text_error(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


# -- catalog -----------------------------------------------------------------------


@require_GET
def index(request):
    try:
        query = search.CatalogQuery.from_params(request.GET)
    except search.BadQuery as error:
        context = {"error": str(error), "query": search.CatalogQuery()}
        return render(request, "catalog/index.html", context, status=400)
    skills = search.search(query).prefetch_related("tags")
    page = Paginator(skills, settings.SKILLHUB_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    clashes = collisions.clashes(rows, Skill.objects.public())
    for skill in rows:
        skill.risks = skillfile.risks_of(skill.published.problems)
        skill.clashes = clashes[skill.pk]
    context = {
        "query": query,
        "page": page,
        "rows": rows,
        "sort": query.effective_sort,
        "kind_facets": search.kind_facets(query),
        "tag_facets": search.tag_facets(query),
        "anything_published": bool(rows) or Skill.objects.public().exists(),
        "filtered": bool(query.q or query.kinds or query.tags or query.items),
    }
    return render(request, "catalog/index.html", context)


# -- item page ---------------------------------------------------------------------


def _public_diff(skill: Skill, published: list[PublishedVersion], params) -> dict | None:
    """The diff the page was asked for (`from`, `to`), between versions that were published."""
    if "from" not in params and "to" not in params:
        return None
    numbers = {v.number for v in published}
    wanted = [whole_number(params.get(key)) for key in ("from", "to")]
    if not all(number in numbers for number in wanted):
        raise Http404("Only versions that were published can be compared here.")
    texts = dict(skill.versions.filter(number__in=wanted).values_list("number", "text"))
    hunks = diffing.page_hunks(texts[wanted[0]], texts[wanted[1]])
    if hunks is None:
        return {"old": wanted[0], "new": wanted[1], "too_large": diffing.PAGE_LIMITS}
    return {"old": wanted[0], "new": wanted[1], "hunks": hunks, "stats": diffing.hunk_stats(hunks)}


def _install_lines(request, skill: Skill) -> dict[str, str]:
    site = request.build_absolute_uri("/").rstrip("/")
    raw_url = request.build_absolute_uri(reverse("raw", args=[skill.kind, skill.name]))
    folder = skill.bundle_path.rsplit("/", 1)[0]
    lines = {
        "file": f"mkdir -p {folder} && curl -fsSL -o {skill.bundle_path} '{raw_url}'",
        "bundle": f"curl -fsSL '{site}/export.tar.gz?item={skill.kind}/{skill.name}' | tar xz",
    }
    if skill.kind == Kind.SKILL:
        lines["npx"] = f"npx skills add {site} --skill {skill.name}"
    return lines


@require_GET
def skill(request, kind, name):
    item = _get_published(kind, name)
    version = item.published
    arguments = request.GET.get("arguments", "")[:2000]
    published = item.published_history()
    context = {
        "skill": item,
        "version": version,
        "fields": frontmatter_rows(version.metadata),
        "argument_hint": argument_hint(version.metadata),
        "arguments": arguments,
        "try_it": prompt_html(
            skillfile.stored(version.text, item.kind, item.name, version.metadata), arguments
        )
        if arguments
        else None,
        "risks": skillfile.risks_of(version.problems),
        "clashes": collisions.clashes([item], Skill.objects.public())[item.pk],
        "published_versions": published,
        "downloads": next((v.downloads for v in published if v.number == version.number), 0),
        "diff": _public_diff(item, published, request.GET),
        "install": _install_lines(request, item),
        "file_name": item.bundle_path.rsplit("/", 1)[-1],
    }
    return render(request, "catalog/skill.html", context)


# -- downloads ---------------------------------------------------------------------


@require_GET
def raw(request, kind, name):
    """The published file, or with `version=N` one published before (for a diff too large
    to show); only downloads of the current version are counted."""
    item = _get_published(kind, name)
    version = _raw_version(item, request.GET.get("version"))
    etag = f'"{version.sha256}"'
    if (response := _not_modified(request, etag)) is not None:
        return response
    if version == item.published and not _is_update_check(request):
        count_download(request, Skill.objects.filter(pk=item.pk))
    response = HttpResponse(version.data, content_type="text/markdown; charset=utf-8")
    response["ETag"] = etag
    return response


def _raw_version(item: Skill, wanted: str | None):
    if wanted is None:
        return item.published
    published = {v.number for v in item.published_history()}
    number = whole_number(wanted)
    if number not in published:
        raise Http404("Only versions that were published can be downloaded here.")
    return item.versions.get(number=number)


FORMATS = {
    # (format, layout): (content type, file name; a plugin's is named after the plugin)
    ("zip", "claude"): ("application/zip", "skillhub.zip"),
    ("tar.gz", "claude"): ("application/gzip", "skillhub.tar.gz"),
    ("zip", "plugin"): ("application/zip", "{plugin}-plugin.zip"),
}


def _plugin(request, layout: str) -> exporting.Plugin | None:
    """The plugin a `layout=plugin` request asks for (`?plugin=` names it), else None.
    Raises search.BadQuery for a bad name, or a name without the plugin layout."""
    name = request.GET.get("plugin", "")
    if layout != "plugin":
        if name:
            raise search.BadQuery("plugin= names a Claude Code plugin: add layout=plugin.")
        return None
    if name and not exporting.is_plugin_name(name):
        shown = name if len(name) <= 80 else name[:80] + "…"
        raise search.BadQuery(
            f"plugin={shown!r} is not a plugin name: use {exporting.PLUGIN_NAME_RULE}."
        )
    return exporting.Plugin.configured(request.build_absolute_uri("/"), name)


@require_GET
def export(request, fmt: str):
    """A bundle of the published items the query string selects, streamed."""
    layout = request.GET.get("layout") or "claude"
    if (fmt, layout) not in FORMATS:
        return _text_error(f"No layout {layout!r} for .{fmt}: layout=plugin is .zip only.", 400)
    try:
        plugin = _plugin(request, layout)
        query = search.CatalogQuery.from_params(request.GET)
    except search.BadQuery as error:
        return _text_error(str(error), 400)
    skills = search.filtered(Skill.objects.public(), query)
    items = exporting.stored_items(skills)
    if missing := _missing(query.items, items):
        return _text_error("Not published: " + ", ".join(missing), 404)
    # A plugin's bytes also follow its name and settings (Plugin.fingerprint).
    marker = f"-plugin-{plugin.fingerprint}" if plugin else ""
    etag = f'"{exporting.lock_digest(items)}{marker}"'
    if (response := _not_modified(request, etag)) is not None:
        return response
    try:
        if plugin:
            stream = exporting.iter_plugin_zip(items, plugin)
        else:
            stream = exporting.iter_bundle(items, fmt)
    except ValueError as error:  # more than a zip can hold
        return _text_error(str(error), 400)
    if not _is_update_check(request):
        count_download(request, skills)
    content_type, file_name = FORMATS[fmt, layout]
    file_name = file_name.format(plugin=plugin.name if plugin else "")
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["ETag"] = etag
    return response


def _missing(wanted: tuple[tuple[str, str], ...], items: list) -> list[str]:
    found = {(item.kind, item.name.lower()) for item in items}
    return [f"{kind}/{name}" for kind, name in wanted if (kind, name.lower()) not in found]


# Text types a browser shows as text; every other file (HTML and SVG included, which
# would run in our origin) is served as an attachment.
_INLINE_TYPES = {"text/plain", "text/markdown", "text/x-python", "text/x-sh", "text/csv"}


def file_response(file: skilltree.TreeFile) -> HttpResponse:
    """A skill's file as stored: its type, nosniff, and inline only if it is plain text."""
    guessed = mimetypes.guess_type(file.path, strict=False)[0]
    if file.is_text and (
        guessed is None or guessed in _INLINE_TYPES or guessed.startswith("text/x-")
    ):
        content_type = "text/markdown" if file.path.endswith(".md") else "text/plain"
        response = HttpResponse(file.data, content_type=f"{content_type}; charset=utf-8")
    else:
        response = HttpResponse(file.data, content_type=guessed or "application/octet-stream")
        quoted = quote(file.path.rsplit("/", 1)[-1])
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quoted}"
    response["ETag"] = f'"{file.sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_GET
def skill_file(request, name, path):
    """One file of a published skill's folder, as stored, byte for byte."""
    item = _get_published(Kind.SKILL, name)
    file = item.published.tree().get(path)
    if file is None:
        raise Http404(f"The skill has no file {path}.")
    return file_response(file)
