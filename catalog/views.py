"""The public face: anyone can browse, read and download published items."""

import mimetypes
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET, require_safe
from django_htmx.middleware import HtmxDetails

from catalog import collisions, diffing, exporting, search, skillfile, skilltree
from catalog.downloads import count_download
from catalog.models import Kind, PublishedVersion, Skill, Version, reviewed_by
from catalog.previews import argument_hint, frontmatter_rows, prompt_html, risks_of


class PublicRequest(HttpRequest):
    """A type only: the request as HtmxMiddleware leaves it, `htmx` set."""

    htmx: HtmxDetails


# Request header of clients that only check whether an item changed: not a download.
UPDATE_CHECK_HEADER = "X-Skills-Update-Check"


class Unpublished(Http404):
    """An item that was published once and is not now: its URL answers 410 Gone ("This
    item was unpublished", skillhub.errors.not_found), not an unexplained 404."""

    def __init__(self, name: str) -> None:
        super().__init__(f"{name} was unpublished.")
        self.unpublished = name


def _get_published(kind: str, name: str) -> Skill:
    """The published item, or 404: drafts do not exist here; 410 for an unpublished one."""
    try:
        return Skill.objects.published_item(kind, name)
    except Skill.DoesNotExist:
        if Skill.objects.was_published(kind, name):
            raise Unpublished(skillfile.slash_name(kind, name) or name) from None
        raise Http404(f"No published {kind} called {name}.") from None


def _is_update_check(request: HttpRequest) -> bool:
    return request.headers.get(UPDATE_CHECK_HEADER, "").strip() == "1"


def _is_download(request: HttpRequest) -> bool:
    """Whether this request takes the file: a GET, not an update check. A HEAD only asks
    what a GET would answer, so it is never counted."""
    return request.method == "GET" and not _is_update_check(request)


def _headers_only(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """For a HEAD, `response` with the headers a GET gets (its Content-Length too) and no
    body, whatever server runs us."""
    if request.method == "HEAD":
        response["Content-Length"] = str(len(response.content))
        response.content = b""
    return response


def streamed_download(
    request: HttpRequest, stream: Iterator[bytes], content_type: str
) -> StreamingHttpResponse:
    """A streamed download; for a HEAD the same headers and no body (nothing is read)."""
    if request.method == "HEAD":
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        stream = iter(())
    return StreamingHttpResponse(stream, content_type=content_type)


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """The 304 for a request that already holds `etag` (If-None-Match, `*` included)."""
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response


def _text_error(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


# -- catalog -----------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    try:
        query = search.CatalogQuery.from_params(request.GET)
    except search.BadQuery as error:
        context = {"error": str(error), "query": search.CatalogQuery()}
        return render(request, "catalog/index.html", context, status=400)
    skills = search.search(query).prefetch_related("tags")
    page = Paginator(skills, settings.SKILLHUB_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    if query.q:
        search.add_snippets(rows, query)
    clashes = collisions.clashes(rows, Skill.objects.public())
    for skill in rows:
        skill.risks = risks_of(skill.published_version.problems)
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


def _public_diff(
    skill: Skill, published: list[PublishedVersion], params: QueryDict
) -> dict[str, Any] | None:
    """The diff the page was asked for (`from`, `to`), between versions that were published."""
    if "from" not in params and "to" not in params:
        return None
    old, new = (skill.published_version_named(params.get(key), published) for key in ("from", "to"))
    if old is None or new is None:
        raise Http404("Only versions that were published can be compared here.")
    diff: dict[str, Any] = {"old": old.number, "new": new.number}
    if skill.kind == Kind.SKILL:  # a skill's other files, listed even when SKILL.md is too large
        diff["file_diffs"] = skilltree.page_file_diffs(*old.differing_trees(new))
        diff["files_url"] = skill.get_absolute_url() + "files/"
    hunks = diffing.page_hunks(old.text, new.text)
    if hunks is None:
        return {**diff, "too_large": diffing.PAGE_LIMITS}
    return {**diff, "hunks": hunks, "stats": diffing.hunk_stats(hunks)}


def _install(request: HttpRequest, skill: Skill) -> dict[str, str | bool]:
    """What the install lines fetch and where they put it (the template writes them)."""
    install: dict[str, str | bool] = {
        "site": request.build_absolute_uri("/").rstrip("/"),
        "folder": skill.bundle_path.rsplit("/", 1)[0],
        "raw_url": request.build_absolute_uri(reverse("raw", args=[skill.kind, skill.name])),
        "archive_url": "",
        "npx": skill.kind == Kind.SKILL,  # the skills tool installs skills only
        "executables": False,
    }
    version = skill.published_version
    if version.has_files:  # SKILL.md alone would lose the rest of the folder
        archive = reverse("skill-tar-gz", args=[skill.name])
        install["archive_url"] = request.build_absolute_uri(archive)
        # skills 1.7 writes every file with the default mode (README, "Install with").
        install["executables"] = version.files.filter(executable=True).exists()
    return install


def _try_it(item: Skill, version: Version, arguments: str) -> dict[str, Any]:
    """What the try-it box shows: the prompt Claude Code would send for `arguments`."""
    stored = skillfile.stored(version.text, item.kind, item.name, version.metadata)
    return {
        "skill": item,
        "arguments": arguments,
        "try_it": prompt_html(stored, arguments) if arguments else None,
    }


@require_GET
def skill(request: PublicRequest, kind: str, name: str) -> HttpResponse:
    item = _get_published(kind, name)
    version = item.published_version
    try_it = _try_it(item, version, request.GET.get("arguments", "")[:2000])
    if request.htmx:  # the try-it box asks for its new prompt alone (skill.html#try-it)
        return render(request, "catalog/skill.html#try-it-output", try_it)
    published = item.published_history()
    context = {
        **try_it,
        "version": version,
        "fields": frontmatter_rows(version.metadata),
        "argument_hint": argument_hint(version.metadata),
        "risks": risks_of(version.problems),
        "clashes": collisions.clashes([item], Skill.objects.public())[item.pk],
        "published_versions": published,
        "downloads": next((v.downloads for v in published if v.number == version.number), 0),
        "diff": _public_diff(item, published, request.GET),
        "install": _install(request, item),
        "reviewed_by": reviewed_by(item),  # who approved the published version
        "file_name": item.bundle_path.rsplit("/", 1)[-1],
        "files": version.files.values("path", "executable", "blob__size")
        if version.has_files
        else (),
    }
    return render(request, "catalog/skill.html", context)


# -- downloads ---------------------------------------------------------------------


@require_safe
def raw(request: HttpRequest, kind: str, name: str) -> HttpResponse:
    """The published file, or with `version=N` one published before (for a diff too large
    to show); only downloads of the current version are counted."""
    item = _get_published(kind, name)
    version = _raw_version(item, request.GET.get("version"))
    etag = f'"{version.sha256}"'
    if (response := not_modified(request, etag)) is not None:
        return response
    if version == item.published and _is_download(request):
        count_download(request, Skill.objects.filter(pk=item.pk))
    response = HttpResponse(version.data, content_type="text/markdown; charset=utf-8")
    response["ETag"] = etag
    return _headers_only(request, response)


def _raw_version(item: Skill, wanted: str | None) -> Version:
    version = item.published if wanted is None else item.published_version_named(wanted)
    if version is None:
        raise Http404("Only versions that were published can be downloaded here.")
    return version


FORMATS = {
    # (format, layout): (content type, file name; a plugin's is named after the plugin)
    ("zip", "claude"): ("application/zip", "skillhub.zip"),
    ("tar.gz", "claude"): ("application/gzip", "skillhub.tar.gz"),
    ("zip", "plugin"): ("application/zip", "{plugin}-plugin.zip"),
}


def _plugin(request: HttpRequest, layout: str) -> exporting.Plugin | None:
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


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
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
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    try:
        if plugin:
            stream = exporting.iter_plugin_zip(items, plugin)
        else:
            stream = exporting.iter_bundle(items, fmt)
    except ValueError as error:  # more than a zip can hold
        return _text_error(str(error), 400)
    if _is_download(request):
        count_download(request, skills)
    content_type, file_name = FORMATS[fmt, layout]
    file_name = file_name.format(plugin=plugin.name if plugin else "")
    response = streamed_download(request, stream, content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["ETag"] = etag
    return response


def _missing(wanted: tuple[tuple[str, str], ...], items: list[exporting.StoredItem]) -> list[str]:
    found = {(item.kind, item.name.lower()) for item in items}
    return [f"{kind}/{name}" for kind, name in wanted if (kind, name.lower()) not in found]


# A file of a skill is shown inline only as text/plain (with nosniff and a sandbox, so
# nothing in it runs in our origin) when it is UTF-8 text of a type that is text to
# read: source code, markdown, data. Everything else (HTML and SVG included, which
# would be documents, and every binary) is an attachment of its own type.
_ACTIVE_TYPES = {"text/html", "text/xml", "application/xml", "application/xhtml+xml"}
_TEXT_APPLICATION_TYPES = {
    "application/json", "application/javascript", "application/x-sh", "application/x-csh",
    "application/toml", "application/yaml", "application/x-yaml", "application/sql",
    "application/x-python-code", "application/x-tex",
}  # fmt: skip


def _shown_inline(file: skilltree.TreeFile, guessed: str | None) -> bool:
    if not file.is_text or guessed in _ACTIVE_TYPES:
        return False
    return guessed is None or guessed.startswith("text/") or guessed in _TEXT_APPLICATION_TYPES


def file_response(file: skilltree.TreeFile) -> HttpResponse:
    """A skill's file as stored: inline text/plain if it is text to read, else an
    attachment of its type; always nosniff, sandboxed and tagged by its sha256."""
    guessed = mimetypes.guess_type(file.path, strict=False)[0]
    if _shown_inline(file, guessed):
        response = HttpResponse(file.data, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(file.data, content_type=guessed or "application/octet-stream")
        quoted = quote(file.path.rsplit("/", 1)[-1])
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quoted}"
    response["ETag"] = f'"{file.sha256}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_safe
def skill_file(request: HttpRequest, name: str, path: str) -> HttpResponse:
    """One file of a published skill's folder (SKILL.md too), as stored, byte for byte;
    with `version=N`, of a version published before (for a diff too large to show).
    Reads that one file's blob, not the folder's."""
    item = _get_published(Kind.SKILL, name)
    version = _raw_version(item, request.GET.get("version"))
    file = version.file(path)
    if file is None:
        raise Http404(f"The skill has no file {path}.")
    if (response := not_modified(request, f'"{file.sha256}"')) is not None:
        return response
    return _headers_only(request, file_response(file))


ARCHIVE_TYPES = {"zip": "application/zip", "tar.gz": "application/gzip"}


@require_safe
def skill_archive(
    request: HttpRequest, name: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """One published skill's folder as an archive, SKILL.md at its root (what the
    discovery index's archive entries point at); counted as a download like raw."""
    item = _get_published(Kind.SKILL, name)
    etag = exporting.folder_etag(item.published_version.analysis.tree_sha256)
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    one = Skill.objects.filter(pk=item.pk)
    try:
        stream = exporting.folder_archive(exporting.stored_items(one)[0], fmt)
    except ValueError as error:  # a stored path no archive can hold
        return _text_error(str(error), 400)
    if _is_download(request):
        count_download(request, one)
    response = streamed_download(request, stream, ARCHIVE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{item.name}.{fmt}"'
    response["ETag"] = etag
    return response
