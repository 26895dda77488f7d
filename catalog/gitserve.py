"""Plugins as read-only git repositories over smart HTTP, built from the database.

    /plugins/<name>.git   one commit per release (parent: the release before), tag
                          v<version>, main = the latest release
    /marketplace.git      .claude-plugin/marketplace.json with relative sources and
                          plugins/<name>/ at each plugin's latest release; one commit per
                          release of any plugin, in the order they were made

Objects come from catalog.gitrepo (deterministic: every server gives the same commit
ids), the protocol from dulwich's own smart-HTTP application and upload-pack handler:
nothing here speaks git, but for one method of dulwich replaced to serve a fetch into a
shallow clone (_shallow_request). A built repository is kept in this process, keyed by the
newest release it holds, so a clone or fetch after the first builds nothing. Pushing
is refused before dulwich sees the request.
"""

import io
import threading
import zlib
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from dulwich import server as dulwich_server
from dulwich.errors import GitProtocolError, NotGitRepository
from dulwich.server import DictBackend, UploadPackHandler
from dulwich.web import HTTPGitApplication

from catalog import gitrepo, marketplace, plugin_tree
from catalog.models import Plugin, Release

REPOS_KEPT = 32
# What a clone or fetch request (wants, haves, shallow lines) may unpack to: a fetch
# negotiating 100,000 commits is about 5 MB.
MAX_REQUEST_BYTES = 16 * 1024 * 1024
_repos: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()

READ_ONLY = (
    "Skillhub serves plugins read-only: clone and fetch work, pushing does not. "
    "Change the items in Skillhub and release a new version there instead.\n"
)


def _shallow_request(walker, wants) -> None:
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
        walker.client_shallow.add(value)
    if command is None:
        walker.shallow.update(walker.client_shallow)
        walker.unshallow = set()
        return
    walker.read_proto_line((None,))  # the flush after "deepen"
    shallow, not_shallow = dulwich_server.find_shallow(walker.store, wants, value)
    walker.shallow.update(shallow - not_shallow)
    walker.unshallow = not_shallow & walker.client_shallow
    walker.update_shallow(walker.shallow - walker.client_shallow, walker.unshallow)


dulwich_server._ProtocolGraphWalker._handle_shallow_request = _shallow_request


def _kept(key: tuple, build):
    with _lock:
        if key in _repos:
            _repos.move_to_end(key)
            return _repos[key]
    repo = build()  # outside the lock: two threads may build the same repository once each
    with _lock:
        _repos[key] = repo
        while len(_repos) > REPOS_KEPT:
            _repos.popitem(last=False)
    return repo


def release_commit_message(release: Release) -> str:
    return gitrepo.commit_message(f"{release.plugin.name} {release.version}", release.notes)


def _fingerprint(releases) -> tuple:
    """What a repository of `releases` is built from, in one query: each release's stored
    tree digest, time, version and notes (its commit holds them all). A key made of ids
    alone could name another database's releases (a restore, or tests that reuse ids)."""
    rows = releases.values_list(
        "pk", "plugin__name", "version", "released_at", "notes", "tree_sha256"
    )
    return (gitrepo.FORMAT, tuple(rows))


def plugin_repo(plugin: Plugin):
    """The plugin's repository, built once per process per state of its releases."""
    key = ("plugin", plugin.pk, _fingerprint(plugin.releases.order_by("sequence")))

    def build():
        builder = gitrepo.Builder()
        snapshots = [
            gitrepo.Snapshot(
                builder.add_tree(plugin_tree.release_tree(release)),
                release_commit_message(release),
                int(release.released_at.timestamp()),
                release.tag,
            )
            for release in plugin.releases.select_related("plugin").order_by("sequence")
        ]
        return builder.commit_all(snapshots)

    return _kept(key, build)


def release_commit(release: Release) -> str:
    """The commit id of `release` in its plugin's repository (hex), cached by release."""
    # Everything the commit's bytes depend on besides the immutable release itself.
    key = ":".join(
        ["skillhub:release-commit", str(gitrepo.FORMAT), release.tree_sha256,
         release.plugin.name, release.version, str(release.pk)]
    )  # fmt: skip
    commit = cache.get(key)
    if commit is None:
        repo = plugin_repo(release.plugin)
        commit = repo.refs[b"refs/tags/" + release.tag.encode("ascii")].decode("ascii")
        cache.set(key, commit, timeout=None)
    return commit


def marketplace_repo():
    """The whole marketplace's repository, one commit per release of any plugin."""
    releases = Release.objects.select_related("plugin").order_by("position")
    # Its marketplace.json also names the owner and the description.
    owner = (settings.SKILLHUB_MARKETPLACE_OWNER, settings.SKILLHUB_MARKETPLACE_DESCRIPTION)
    key = ("marketplace", owner, _fingerprint(releases))

    def build():
        builder = gitrepo.Builder()
        latest: dict[str, tuple[Release, bytes]] = {}
        snapshots = []
        for release in releases:
            tree = builder.add_tree(plugin_tree.release_tree(release))
            latest[release.plugin.name] = (release, tree)
            shown = sorted((r for r, _ in latest.values()), key=lambda r: r.plugin.name)
            manifest = marketplace.repository_manifest(shown)
            root = builder.add_tree(
                [plugin_tree.PluginFile(marketplace.MANIFEST_PATH, manifest)],
                {f"plugins/{name}": tree for name, (_, tree) in latest.items()},
            )
            title = f"{release.plugin.name} {release.version}"
            snapshots.append(
                gitrepo.Snapshot(
                    root,
                    gitrepo.commit_message(title, release.notes),
                    int(release.released_at.timestamp()),
                    f"{release.plugin.name}/v{release.version}",
                )
            )
        return builder.commit_all(snapshots)

    return _kept(key, build)


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


def _serve(request: HttpRequest, repo, rest: str) -> HttpResponse:
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
            body = _gunzipped(body)
        except (EOFError, zlib.error) as error:
            return _not_git(error)
        if body is None:
            return HttpResponse(
                f"A git request may be {MAX_REQUEST_BYTES:,} bytes unpacked at most.\n",
                status=413,
                content_type="text/plain",
            )
    environ["wsgi.input"] = io.BytesIO(body)
    written: list[bytes] = []
    started: dict = {}

    def start_response(status, headers, exc_info=None):
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
