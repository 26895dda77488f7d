"""Plugin repositories (catalog.plugin_git) served read-only over git's smart HTTP.

The protocol is dulwich's own smart-HTTP application and upload-pack handler: nothing
here speaks git, but for one method of dulwich replaced to serve a fetch into a shallow
clone (_shallow_request; dulwich is pinned to 1.2 for it). Pushing is refused before
dulwich sees the request; request bodies are bounded before and after unpacking.
"""

import io
import zlib
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from dulwich import server as dulwich_server
from dulwich.errors import GitProtocolError, NotGitRepository
from dulwich.objects import ObjectID
from dulwich.server import BackendRepo, DictBackend, UploadPackHandler
from dulwich.web import HTTPGitApplication

from catalog.models import Plugin
from catalog.plugin_git import marketplace_repo, plugin_repo

# What a clone or fetch request (wants, haves, shallow lines) may unpack to: a fetch
# negotiating 100,000 commits is about 5 MB.
MAX_REQUEST_BYTES = 16 * 1024 * 1024

READ_ONLY = (
    "Skillhub serves plugins read-only: clone and fetch work, pushing does not. "
    "Change the items in Skillhub and release a new version there instead.\n"
)


def _shallow_request(
    walker: dulwich_server._ProtocolGraphWalker, wants: Sequence[ObjectID]
) -> None:
    """dulwich's _ProtocolGraphWalker._handle_shallow_request, but for a fetch into a
    shallow clone that asks for no new depth (plain `git fetch` or `git pull` after
    `git clone --depth 1`): "shallow" lines, then a flush. dulwich 1.2 expects a
    "deepen" line and fails that request; git's upload-pack skips the shallow update and
    keeps the client's shallow commits as the boundary, so this does too (dulwich then
    sends whatever the wants need above that boundary). With a "deepen" line, as dulwich.
    """
    while True:
        command, value = walker.read_proto_line(
            (dulwich_server.COMMAND_DEEPEN, dulwich_server.COMMAND_SHALLOW, None)
        )
        if command != dulwich_server.COMMAND_SHALLOW:
            break
        walker.client_shallow.add(cast(ObjectID, value))  # a "shallow" line's value: a sha
    if command is None:
        walker.shallow.update(walker.client_shallow)
        walker.unshallow = set()
        return
    walker.read_proto_line((None,))  # the flush after "deepen"
    depth = cast(int, value)  # a "deepen" line's value, parsed by read_proto_line
    shallow, not_shallow = dulwich_server.find_shallow(walker.store, wants, depth)
    walker.shallow.update(shallow - not_shallow)
    walker.unshallow = not_shallow & walker.client_shallow
    walker.update_shallow(walker.shallow - walker.client_shallow, walker.unshallow)


# The one deliberate patch of dulwich (the module docstring and _shallow_request say why),
# so mypy's refusal to assign to a method is ignored here.
dulwich_server._ProtocolGraphWalker._handle_shallow_request = _shallow_request  # type: ignore[method-assign, assignment]  # the patch


# -- smart HTTP ------------------------------------------------------------------------


@csrf_exempt  # git sends no CSRF token; nothing here writes
@require_http_methods(["GET", "POST"])
def plugin_git(request: HttpRequest, name: str, rest: str) -> HttpResponse:
    plugin = get_object_or_404(Plugin.objects.released(), name=name)
    if refused := _refuse_push(request, rest):
        return refused
    return _serve(request, plugin_repo(plugin), rest)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def marketplace_git(request: HttpRequest, rest: str) -> HttpResponse:
    if refused := _refuse_push(request, rest):
        return refused
    return _serve(request, marketplace_repo(), rest)


def _refuse_push(request: HttpRequest, rest: str) -> HttpResponse | None:
    if rest == "git-receive-pack" or request.GET.get("service") == "git-receive-pack":
        # git shows a text/plain body of a refused request as "remote: …"
        return HttpResponse(READ_ONLY, status=403, content_type="text/plain; charset=utf-8")
    return None


def _serve(request: HttpRequest, repo: BackendRepo, rest: str) -> HttpResponse:
    """Run dulwich's smart-HTTP application on this request and return what it wrote.

    dulwich writes through the WSGI write callable as well as yielding, so everything is
    gathered, in order, into one response (a plugin's pack is megabytes at most).
    """
    app = HTTPGitApplication(
        DictBackend({"/": repo}), handlers={b"git-upload-pack": UploadPackHandler}
    )
    environ = {**request.META, "PATH_INFO": "/" + rest, "SCRIPT_NAME": ""}
    if "chunked" in environ.pop("HTTP_TRANSFER_ENCODING", "").lower():
        # git sends a negotiation larger than http.postBuffer (1 MiB) chunked; Django
        # reads bodies by Content-Length only, so it would see an empty one.
        return HttpResponse(
            "A chunked git request cannot be read here: run "
            "`git config http.postBuffer 16m` and try again.\n",
            status=411,
            content_type="text/plain",
        )
    body = request.body if request.method == "POST" else b""
    if environ.pop("HTTP_CONTENT_ENCODING", "") == "gzip":
        try:
            unpacked = _gunzipped(body)
        except (EOFError, zlib.error) as error:
            return _not_git(error)
        if unpacked is None:
            return HttpResponse(
                f"A git request may be {MAX_REQUEST_BYTES:,} bytes unpacked at most.\n",
                status=413,
                content_type="text/plain",
            )
        body = unpacked
    environ["wsgi.input"] = io.BytesIO(body)
    written: list[bytes] = []
    started: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: object = None
    ) -> Callable[[bytes], object]:
        started["status"], started["headers"] = status, headers
        return written.append

    try:
        for piece in app(environ, start_response):
            written.append(piece)
    except NotGitRepository:  # a path such as objects/../HEAD names another repository
        return HttpResponseNotFound("No such git repository.\n", content_type="text/plain")
    except (GitProtocolError, ValueError, EOFError, zlib.error) as error:
        return _not_git(error)  # a bad pkt-line, "deepen x"
    response = HttpResponse(b"".join(written), status=int(started["status"].split()[0]))
    for header, value in started["headers"]:
        response[header] = value
    return response


def _not_git(error: Exception) -> HttpResponse:
    return HttpResponseBadRequest(f"Not a git request: {error}\n", content_type="text/plain")


def _gunzipped(body: bytes) -> bytes | None:
    """A gzip request body unpacked (git gzips large negotiations), or None past the cap:
    Django caps what arrives, this caps what it unpacks to."""
    unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    data = unpacker.decompress(body, MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        return None
    if not unpacker.eof:
        raise EOFError("the gzip body ends early")
    return data
