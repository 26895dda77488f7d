"""The JSON API: list, fetch and validate over HTTP (DESIGN.md's contract).

Every answer is JSON, errors included: `{"error": {"code", "message"}}` with
the HTTP status (400, 403, 404, 405, 413, 500), so a client never has to parse a
page. Those answered before or around a view (oversized bodies, unstorable query
strings, failed CSRF checks, server errors) come from skillhub/errors.py.
"""

import functools
import json
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from catalog import search, skillfile
from catalog.converters import whole_number
from catalog.models import Plugin, Release, Skill
from catalog.plugin_git import release_commit

_P = ParamSpec("_P")
_View = Callable[Concatenate[HttpRequest, _P], HttpResponse]

# A file may be 1 MiB; JSON escaping and the other fields get this much room on top.
VALIDATE_ENVELOPE_BYTES = 64 * 1024
VALIDATE_MAX_BYTES = skillfile.MAX_FILE_BYTES + VALIDATE_ENVELOPE_BYTES


def error(status: int, code: str, message: str) -> JsonResponse:
    """The API's one error envelope; skillhub/errors.py answers /api/ requests with it too."""
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def allow(*methods: str) -> Callable[[_View[_P]], _View[_P]]:
    """Like require_http_methods, but a wrong method gets a JSON 405."""

    def decorator(view: _View[_P]) -> _View[_P]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponse:
            if request.method not in methods:
                response = error(
                    405, "method-not-allowed", f"Use {' or '.join(methods)} on {request.path}."
                )
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# The reading views (and the catch-all 404) are anonymous and change nothing: there is
# no session for a forged request to ride on, so they are exempt from the CSRF check,
# which would otherwise refuse an unsafe method with Django's HTML 403 before `allow`
# could answer the JSON 405 the contract promises.
@csrf_exempt
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    return error(404, "not-found", f"Nothing at {request.path}.")


# -- reading -----------------------------------------------------------------------


def _summary(request: HttpRequest, skill: Skill) -> dict[str, Any]:
    version = skill.published_version
    return {
        "kind": skill.kind,
        "name": skill.name,
        "description": version.description,
        "version": version.number,
        "sha256": version.sha256,
        "tags": [tag.name for tag in skill.tags.all()],
        "urls": {
            "html": request.build_absolute_uri(skill.get_absolute_url()),
            "raw": request.build_absolute_uri(reverse("raw", args=[skill.kind, skill.name])),
            "api": request.build_absolute_uri(reverse("api-skill", args=[skill.kind, skill.name])),
        },
    }


@csrf_exempt  # read-only: see not_found
@allow("GET")
def skill_list(request: HttpRequest) -> JsonResponse:
    """Published items, a page at a time, with the catalog's filters (`q`, `kind`, `tag`, …)."""
    try:
        query = search.CatalogQuery.from_params(request.GET)
    except search.BadQuery as problem:
        return error(400, "bad-query", str(problem))
    number = whole_number(request.GET.get("page", "1"))
    if number is None or number < 1:
        return error(400, "bad-page", "`page` is a whole number from 1.")
    paginator = Paginator(
        search.search(query).prefetch_related("tags"), settings.SKILLHUB_PAGE_SIZE
    )
    if number > paginator.num_pages:
        return error(404, "no-such-page", f"There are {paginator.num_pages} pages.")
    page = paginator.page(number)
    return JsonResponse(
        {
            "count": paginator.count,
            "next": _page_url(request, page.next_page_number()) if page.has_next() else None,
            "previous": (
                _page_url(request, page.previous_page_number()) if page.has_previous() else None
            ),
            "results": [_summary(request, skill) for skill in page.object_list],
        }
    )


def _page_url(request: HttpRequest, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


@csrf_exempt  # read-only: see not_found
@allow("GET")
def skill_detail(request: HttpRequest, kind: str, name: str) -> JsonResponse:
    """One published item with its text, metadata and time of publication."""
    try:
        skill = Skill.objects.prefetch_related("tags").published_item(kind, name)
    except Skill.DoesNotExist:
        return error(404, "not-found", f"No published {kind} called {name}.")
    version = skill.published_version
    return JsonResponse(
        {
            **_summary(request, skill),
            "text": version.text,
            "metadata": version.metadata,
            "published_at": skill.published_at,
            "files": _files(request, skill),
        }
    )


def _files(request: HttpRequest, skill: Skill) -> list[dict[str, Any]]:
    """The skill's files besides SKILL.md (which `text` and `sha256` are), by path; []
    for a single file. One query, and none for an item without files."""
    version = skill.published_version
    if not version.has_files:
        return []
    rows = version.files.values_list("path", "blob__size", "blob_id", "executable")
    return [
        {
            "path": path,
            "size": size,
            "sha256": sha256,
            "executable": executable,
            "url": request.build_absolute_uri(reverse("skill-file", args=[skill.name, path])),
        }
        for path, size, sha256, executable in rows
    ]


# -- validating --------------------------------------------------------------------


class _BadRequest(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.response = error(status, code, message)


@csrf_exempt  # anonymous, and it changes nothing: there is no session to ride on
@allow("POST")
def validate(request: HttpRequest) -> JsonResponse:
    """`{"text", "kind", "profile"}` → `{"result", "problems", "metadata"}`."""
    try:
        fields = _validate_request(request)
    except _BadRequest as bad:
        return bad.response
    parsed = skillfile.parse(fields["text"], **{k: v for k, v in fields.items() if k != "text"})
    return JsonResponse(
        {
            "result": parsed.result,
            "problems": [problem.as_dict() for problem in parsed.problems],
            "metadata": parsed.metadata,
        }
    )


def _validate_request(request: HttpRequest) -> dict[str, Any]:
    """The fields of a validate request, checked; raises _BadRequest."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    too_large = _BadRequest(413, "too-large", f"The request is over {VALIDATE_MAX_BYTES:,} bytes.")
    if len(declared) > 9 or (whole_number(declared) or 0) > VALIDATE_MAX_BYTES:
        raise too_large
    body = request.read(VALIDATE_MAX_BYTES + 1)
    if len(body) > VALIDATE_MAX_BYTES:
        raise too_large
    try:
        data = json.loads(body)
    except ValueError:  # also UnicodeDecodeError
        raise _BadRequest(400, "bad-json", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise _BadRequest(400, "bad-request", 'Send a JSON object: {"text": "...", …}.')
    fields = {
        "text": data.get("text"),
        "kind": data.get("kind", "command"),
        "profile": data.get("profile", "claude-code"),
        "name": data.get("name"),
    }
    if not isinstance(fields["text"], str):
        raise _BadRequest(400, "bad-field", '"text" must be a string.')
    if fields["kind"] not in skillfile.KINDS:
        raise _BadRequest(400, "bad-field", f'"kind" is one of {", ".join(skillfile.KINDS)}.')
    if fields["profile"] not in skillfile.PROFILES:
        raise _BadRequest(400, "bad-field", f'"profile" is one of {", ".join(skillfile.PROFILES)}.')
    if fields["name"] is not None and not isinstance(fields["name"], str):
        raise _BadRequest(400, "bad-field", '"name" must be a string when given.')
    return fields


# -- plugins -----------------------------------------------------------------------


def _release_summary(request: HttpRequest, release: Release) -> dict[str, Any]:
    name, version = release.plugin.name, release.version
    return {
        "version": version,
        "released_at": release.released_at.isoformat(),
        "notes": release.notes,
        "commit": release_commit(release),
        "urls": {
            "html": request.build_absolute_uri(release.get_absolute_url()),
            "zip": request.build_absolute_uri(reverse("plugin-release-zip", args=[name, version])),
            "tar_gz": request.build_absolute_uri(
                reverse("plugin-release-tar-gz", args=[name, version])
            ),
        },
    }


def _plugin_summary(request: HttpRequest, plugin: Plugin) -> dict[str, Any]:
    release = plugin.current_release
    return {
        "name": plugin.name,
        "description": release.description,
        "version": release.version,
        "keywords": list(release.keywords),
        "category": release.category,
        "urls": {
            "html": request.build_absolute_uri(plugin.get_absolute_url()),
            "git": request.build_absolute_uri(reverse("plugin-git-root", args=[plugin.name])),
            "api": request.build_absolute_uri(reverse("api-plugin", args=[plugin.name])),
        },
    }


@csrf_exempt  # read-only: see not_found
@allow("GET")
def plugin_list(request: HttpRequest) -> JsonResponse:
    """Released plugins, by name, each at its latest release."""
    plugins = Plugin.objects.released().select_related("latest_release__plugin")
    return JsonResponse({"results": [_plugin_summary(request, p) for p in plugins]})


@csrf_exempt  # read-only: see not_found
@allow("GET")
def plugin_detail(request: HttpRequest, name: str) -> JsonResponse:
    """One released plugin with every release (newest first) and its latest items."""
    plugin = (
        Plugin.objects.released().select_related("latest_release__plugin").filter(name=name).first()
    )
    if plugin is None:
        return error(404, "not-found", f"No released plugin called {name}.")
    releases = plugin.releases_newest_first().select_related("plugin")
    items = [
        {"kind": v.skill.kind, "name": v.skill.name, "version": v.number}
        for v in plugin.current_release.pinned()
    ]
    return JsonResponse(
        {
            **_plugin_summary(request, plugin),
            "items": items,
            "releases": [_release_summary(request, release) for release in releases],
        }
    )
