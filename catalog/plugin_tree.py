"""A release as a Claude Code plugin folder, and its reproducible archives.

    .claude-plugin/plugin.json   name, version, description, author, homepage, license,
                                 keywords (from the release, never from the plugin now)
    commands/… skills/<name>/… agents/… output-styles/…
                                 each pinned version's files, as exporting's plugin layout
                                 holds them (executable bits kept)
    README.md                    what it holds and how to install it
    skillhub.lock.json           every item's version and sha256, as in every export

A release's tree is rendered once, when it is made (render_tree, from the pinned
versions, their analyses and the settings that name it), and stored file by file
(ReleaseFile): what is served afterwards (release_tree, the archives, the git objects of
catalog.gitrepo) reads those bytes only, so it is the same on every server and stays
the same whatever is re-analysed or reconfigured later. A release is bounded
(SKILLHUB_RELEASE_FILES, _BYTES), so its tree is held in memory.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings

from catalog import bundles, exporting, plugin_names, plugin_readme
from catalog.blobs import read_blobs
from catalog.models import Release, VersionFile
from catalog.paths import mode_of
from catalog.skillfile import bundle_path


@dataclass(frozen=True)
class PluginFile:
    path: str
    data: bytes = field(repr=False)
    executable: bool = False


def release_tree(release: Release) -> list[PluginFile]:
    """Every file of the plugin folder of `release`, by path, as stored when released."""
    rows = list(release.files.order_by("path").values_list("path", "blob_id", "executable"))
    contents = read_blobs({sha for _, sha, _ in rows})
    return [PluginFile(path, contents[sha], executable) for path, sha, executable in rows]


def files_digest(files) -> str:
    """ "sha256:" of one line per file, `mode\tsha256\tpath\n` in path order (the line
    of skilltree.tree_digest): Release.tree_sha256, what its git objects come from."""
    lines = "".join(
        f"{mode_of(f.executable):o}\t{hashlib.sha256(f.data).hexdigest()}\t{f.path}\n"
        for f in sorted(files, key=lambda file: file.path)
    )
    return "sha256:" + hashlib.sha256(lines.encode("utf-8")).hexdigest()


def render_tree(release: Release, versions) -> list[PluginFile]:
    """The plugin folder of `release` (saved or not) pinning `versions`, rendered from the
    versions, their analyses and the settings as they are now (Plugin.release stores it)."""
    rows = VersionFile.objects.filter(version__in=versions).values_list(
        "version_id", "path", "blob_id", "executable"
    )
    listed: dict[int, list[tuple[str, str, bool]]] = {}
    for version_id, path, sha256, executable in rows.order_by("version_id", "path"):
        listed.setdefault(version_id, []).append((path, sha256, executable))
    contents = read_blobs({sha for rows in listed.values() for _, sha, _ in rows})
    files: list[PluginFile] = []
    held, details = [], []
    for version in versions:
        skill = version.skill
        path = bundle_path(skill.kind, skill.name)
        folder = path.rsplit("/", 1)[0]
        own = tuple(
            bundles.BundleFile(f"{folder}/{p}", contents[sha], executable)
            for p, sha, executable in listed.get(version.pk, [])
        )
        item = bundles.BundleItem(skill.kind, skill.name, path, version.number, version.data, own)
        data = exporting.plugin_file(skill.kind, item.data, "description" in version.metadata)
        plugin_path = exporting.plugin_path(item)
        files.append(PluginFile(plugin_path, data))
        files += [PluginFile(exporting.plugin_path(f), f.data, f.executable) for f in own]
        held.append(exporting.as_held(item, plugin_path, data))
        details.append((item, version.description, version.metadata))
    details.sort(key=lambda detail: detail[0].path)
    readme = plugin_readme.release_readme(
        release.plugin.name,
        release.version,
        release.description,
        settings.SKILLHUB_MARKETPLACE_NAME,
        details,
    )
    files += [
        PluginFile(exporting.PLUGIN_MANIFEST, manifest(release)),
        PluginFile(exporting.PLUGIN_README, readme.encode("utf-8")),
        PluginFile(exporting.PLUGIN_LOCK, exporting.plugin_lock(held)),
    ]
    return sorted(files, key=lambda file: file.path)


def manifest(release: Release) -> bytes:
    """`.claude-plugin/plugin.json` of a release; fields with no value are left out."""
    signer = exporting.Plugin.configured(name=release.plugin.name)  # SKILLHUB_PLUGIN_AUTHOR
    author = (
        plugin_names.person(release.author)
        if release.author
        else plugin_names.person_of(signer.author, signer.email)
    )
    data: dict[str, object] = {
        "name": release.plugin.name,
        "version": release.version,
        "description": plugin_names.described(release.plugin.name, release.description),
        "author": author,
    }
    if release.homepage:
        data["homepage"] = release.homepage
    if release.license:
        data["license"] = release.license
    if release.keywords:
        data["keywords"] = list(release.keywords)
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def iter_release_archive(release: Release, fmt: str):
    """The release's folder as a reproducible zip or tar.gz, files at their plugin paths."""
    tree = release_tree(release)
    return bundles.iter_files_zip(tree) if fmt == "zip" else bundles.iter_files_tar_gz(tree)
