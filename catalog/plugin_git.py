"""Plugins as git repositories, built from the database (catalog.gitrepo, dulwich).

    /plugins/<name>.git   one commit per release (parent: the release before), tag
                          v<version>, main = the latest release
    /marketplace.git      .claude-plugin/marketplace.json with relative sources and
                          plugins/<name>/ at each plugin's latest release so far; one
                          commit per release of any plugin, in Release.position order

Every release's files were stored when it was made (Release.files), so every server
builds the same objects and commit ids from them. A built repository is kept in this
process, keyed by a fingerprint of what it is built from, so a clone or fetch after the
first builds nothing; catalog.gitserve serves them over smart HTTP.
"""

import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache

from catalog import gitrepo, marketplace, plugin_tree
from catalog.models import Plugin, Release

REPOS_KEPT = 32
_repos: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


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
    # Its marketplace.json also says the marketplace's name, owner and description.
    named = (
        marketplace.name(),
        settings.SKILLHUB_MARKETPLACE_OWNER,
        settings.SKILLHUB_MARKETPLACE_DESCRIPTION,
    )
    key = ("marketplace", named, _fingerprint(releases))

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
            snapshots.append(
                gitrepo.Snapshot(
                    root,
                    release_commit_message(release),
                    int(release.released_at.timestamp()),
                    f"{release.plugin.name}/v{release.version}",
                )
            )
        return builder.commit_all(snapshots)

    return _kept(key, build)
