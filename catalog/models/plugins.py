"""Plugins: named sets of items, released as immutable, semver-numbered snapshots.

A Plugin is what the team edits: its details (description, author, …) and the items
its next release will hold. A Release is what people install: the exact item versions
it pins (each item's published version when it was released), its details as they
were, its notes, who released it and when. Releases are append-only in the database
(migration 0007), like versions; the plugin tree, its archives and its git history
are derived from them (catalog.plugin_tree, catalog.gitrepo) and never stored.
"""

import hashlib
import logging
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from catalog import plugin_changes, plugin_names, rendering, semver
from catalog.blobs import Blob
from catalog.models.events import Event
from catalog.models.skills import Result, Skill
from catalog.models.versions import Version

write_log = logging.getLogger("skillhub.write")

DETAIL_FIELDS = ("description", "author", "homepage", "license", "keywords", "category")
MAX_KEYWORDS = 20


class ReleaseError(ValidationError):
    """A release that cannot be made as asked (nothing changed, a lower version, an
    item with errors…); nothing is stored.

    `about_version`: the version asked for was the problem, and another one would do (a
    version that is not semver, or lower than it may be). Otherwise the plugin's state
    was (nothing to release, an item that cannot be released, a release too big, a
    release made meanwhile), and no version would do.
    """

    def __init__(self, message: str | list[str], *, about_version: bool = False) -> None:
        super().__init__(message)
        self.about_version = about_version


class PluginQuerySet(models.QuerySet):
    def released(self):
        """Plugins with at least one release: the ones the marketplace lists."""
        return self.filter(latest_release__isnull=False)


class PluginDetails(models.Model):
    """What a plugin says of itself (DETAIL_FIELDS): a Plugin's now, a Release's as it
    was released."""

    description = models.CharField(max_length=500, blank=True)
    author = models.CharField(max_length=200, blank=True)  # "Name" or "Name <email>"
    homepage = models.URLField(max_length=500, blank=True)
    license = models.CharField(max_length=100, blank=True)  # an SPDX id such as MIT
    keywords = models.JSONField(default=list, blank=True)
    category = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class Plugin(PluginDetails):
    name = models.CharField(max_length=plugin_names.NAME_MAX, unique=True)
    items: "models.ManyToManyField[Skill, PluginItem]" = models.ManyToManyField(
        Skill, through="PluginItem", related_name="plugins"
    )
    latest_release = models.ForeignKey(
        "Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PluginQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plugin", args=[self.name])

    @property
    def current_release(self) -> "Release":
        """The latest release of a plugin the public side shows (released() selects only
        plugins that have one)."""
        if self.latest_release is None:
            raise ValueError(f"{self} has no release.")
        return self.latest_release

    @classmethod
    def create(cls, name: str, user, **details) -> "Plugin":
        if problem := plugin_names.plugin_name_problem(name):
            raise ValidationError({"name": problem})
        plugin = cls(name=name, created_by=user if getattr(user, "pk", None) else None)
        plugin._set_details(details)
        try:
            with transaction.atomic():
                plugin.save()
        except IntegrityError:
            raise ValidationError({"name": f"A plugin called {name!r} exists already."}) from None
        log_plugin_write("create-plugin", plugin, None, user)
        return plugin

    def update_details(self, user, **details) -> None:
        self._set_details(details)
        self.updated_at = timezone.now()
        self.save(update_fields=[*DETAIL_FIELDS, "updated_at"])
        log_plugin_write("edit-plugin", self, None, user)

    def _set_details(self, details: dict) -> None:
        unknown = set(details) - set(DETAIL_FIELDS)
        if unknown:
            raise TypeError(f"not plugin details: {sorted(unknown)}")
        for key, value in details.items():
            setattr(self, key, value)
        self.keywords = clean_keywords(self.keywords)
        self.full_clean(exclude=["name", "items", "latest_release", "created_by"])

    def set_items(self, skills, user) -> None:
        """The items the next release will hold (active items only)."""
        skills = list({skill.pk: skill for skill in skills}.values())  # each item once
        if any(skill.archived for skill in skills):
            raise ValidationError("An archived item cannot be in a plugin.")
        with transaction.atomic():
            PluginItem.objects.filter(plugin=self).delete()
            PluginItem.objects.bulk_create(PluginItem(plugin=self, skill=s) for s in skills)
            Plugin.objects.filter(pk=self.pk).update(updated_at=timezone.now())
        log_plugin_write("plugin-items", self, None, user)

    def update(self, user, skills, **details) -> None:
        """The plugin's details and items together, or neither (the editor's one form)."""
        with transaction.atomic():
            self.update_details(user, **details)
            self.set_items(skills, user)

    def releases_newest_first(self):
        return self.releases.order_by("-sequence")

    # -- releasing ---------------------------------------------------------------

    def pinned_versions(self) -> list[Version]:
        """The versions a release made now would pin: each item's published version.

        Raises ReleaseError naming every item that is not published or whose published
        version has errors (after a re-analysis, say).
        """
        skills = list(self.items.select_related("published__analysis").order_by("kind", "name"))
        if not skills:
            raise ReleaseError("The plugin has no items: choose some first.")
        problems = []
        pinned = []
        for skill in skills:
            named = f"The {skill.kind} {skill.display_name}"  # agents have no slash name
            if skill.archived:
                problems.append(f"{named} is archived.")
            elif skill.published is None:
                problems.append(f"{named} is not published: publish a version first.")
            elif skill.published.result == Result.ERROR:
                problems.append(f"{named} v{skill.published.number} has errors.")
            else:
                skill.published.skill = skill  # pinned_item reads it: no query per item
                pinned.append(skill.published)
        if problems:
            raise ReleaseError(problems)
        return pinned

    def next_release(self) -> "NextRelease":
        """What a release made now would change, and the version it would get."""
        return NextRelease.after(self.latest_release, self.pinned_versions(), self)

    def release(self, user, version: str = "", notes: str = "") -> "Release":
        """Release the plugin's items as `version` (by default the proposed one).

        The release's whole plugin folder is rendered now and stored (ReleaseFile), so
        that its archives and git objects never change, whatever is re-analysed or
        reconfigured later. Under a row lock on the plugin and on the newest release of
        any plugin, so two releases at once get one version and one place in the
        marketplace's history each, or a clear refusal; unique constraints back it up.
        """
        from catalog import plugin_tree  # it reads these models

        with transaction.atomic():
            locked = Plugin.objects.select_for_update().get(pk=self.pk)
            try:
                upcoming = locked.next_release()
                chosen = upcoming.check_version(version)
            except ReleaseError as error:
                if error.about_version and locked.latest_release_id != self.latest_release_id:
                    # Released meanwhile: the version was chosen for a plugin that was.
                    raise ReleaseError(error.messages) from None
                raise
            newest = Release.objects.select_for_update().order_by("-position").first()
            release = Release(
                plugin=locked,
                version=str(chosen),
                sequence=upcoming.previous.sequence + 1 if upcoming.previous else 1,
                position=newest.position + 1 if newest else 1,
                notes=notes.strip(),
                notes_html=rendering.render_markdown(notes.strip()) if notes.strip() else "",
                released_by=user if getattr(user, "pk", None) else None,
                **{key: getattr(locked, key) for key in DETAIL_FIELDS},
            )
            files = plugin_tree.render_tree(release, upcoming.versions)
            check_release_size(files)
            release.tree_sha256 = plugin_tree.files_digest(files)
            try:
                with transaction.atomic():
                    release.save()
            except IntegrityError:
                raise ReleaseError(
                    f"{locked.name} {chosen} was released meanwhile, or another plugin at "
                    "the same moment: reload and try again."
                ) from None
            ReleaseItem.objects.bulk_create(
                ReleaseItem(release=release, version=v) for v in upcoming.versions
            )
            Blob.store_all(file.data for file in files)
            ReleaseFile.objects.bulk_create(
                ReleaseFile(
                    release=release,
                    path=file.path,
                    blob_id=hashlib.sha256(file.data).hexdigest(),
                    executable=file.executable,
                )
                for file in files
            )
            Plugin.objects.filter(pk=locked.pk).update(latest_release=release)
            self.latest_release = release
            Event.record_release(release, user)
        return release


def check_release_size(files) -> None:
    """A release is rendered, stored, zipped and cloned whole: the settings
    SKILLHUB_RELEASE_FILES and _BYTES bound what one costs."""
    most_files, most_bytes = settings.SKILLHUB_RELEASE_FILES, settings.SKILLHUB_RELEASE_BYTES
    count, size = len(files), sum(len(file.data) for file in files)
    if count > most_files or size > most_bytes:
        raise ReleaseError(
            f"The release would hold {count:,} files and {size:,} bytes; a release holds at "
            f"most {most_files:,} files and {most_bytes:,} bytes. Split the plugin in two."
        )


class NextRelease:
    def __init__(self, previous, versions, changes, details_changed: bool):
        self.previous: Release | None = previous
        self.versions: list[Version] = versions
        self.changes: plugin_changes.PluginChanges = changes
        self.details_changed = details_changed

    @classmethod
    def after(cls, previous: "Release | None", versions: list[Version], details) -> "NextRelease":
        """A release of `versions` with the details of `details` (a plugin or a release)
        after `previous`: what it changes."""
        before = previous.pinned_items() if previous else []
        changes = plugin_changes.compare(before, [pinned_item(v) for v in versions])
        details_changed = previous is None or any(
            getattr(previous, key) != getattr(details, key) for key in DETAIL_FIELDS
        )
        return cls(previous, versions, changes, details_changed)

    @property
    def reason(self) -> str:
        """Why the proposal is what it is, in words: "major: an item was removed"."""
        changes = self.changes
        if self.previous is None:
            return "the first release"
        if changes.removed:
            return f"major: {_items(changes.removed)} removed"
        if changes.widened:
            who = "an item" if len(changes.widened) == 1 else f"{len(changes.widened)} items"
            return f"major: {who} may do more than before (permissions widened)"
        if changes.added:
            return f"minor: {_items(changes.added)} added"
        if changes.changed:
            return f"patch: {_items(changes.changed)} changed"
        if self.details_changed:
            return "patch: the plugin's details changed"
        if self.previous_version and self.previous_version.pre:
            return f"the release that {self.previous.version} was a pre-release of"
        return "nothing changed"

    @property
    def previous_version(self) -> semver.SemVer | None:
        return semver.SemVer.parse(self.previous.version) if self.previous else None

    @property
    def proposed(self) -> semver.SemVer | None:
        """The version proposed by semver; None when nothing at all changed."""
        previous = self.previous_version
        if previous is None:
            return semver.FIRST
        part = self.changes.bump or ("patch" if self.details_changed else None)
        if part:
            return previous.bumped(part)
        if previous.pre:  # the same items again: the pre-release becomes its release
            return semver.SemVer(previous.major, previous.minor, previous.patch)
        return None

    def check_version(self, asked: str) -> semver.SemVer:
        """The version asked for (by default the proposal), if the author may choose it.

        Upward only: at least the proposal, or a pre-release of it (2.0.0-rc.1 before
        2.0.0), and above the previous release. A first release may start at any
        version (0.1.0, or what an imported manifest says).
        """
        proposed = self.proposed
        if proposed is None:
            # Only after a release: a first one is always proposed (semver.FIRST).
            last = cast("Release", self.previous)
            raise ReleaseError(f"Nothing changed since {last.version}.")
        if not asked.strip():
            return proposed
        try:
            chosen = semver.SemVer.parse(asked)
        except semver.InvalidVersion as error:
            raise ReleaseError(str(error), about_version=True) from None
        previous = self.previous_version
        if previous is None:
            return chosen
        if semver.SemVer(chosen.major, chosen.minor, chosen.patch) < proposed:
            why = self.changes.bump or "patch"
            raise ReleaseError(
                f"{chosen} is lower than {proposed}, which these changes need ({why}): "
                "a version may be raised, never lowered.",
                about_version=True,
            )
        if chosen <= previous:
            raise ReleaseError(
                f"{chosen} is lower than {previous}, the latest release, or the same: "
                "a version may be raised, never lowered.",
                about_version=True,
            )
        return chosen


class PluginItem(models.Model):
    plugin = models.ForeignKey(Plugin, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plugin", "skill"], name="pluginitem_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plugin_id} {self.skill_id}"


class Release(PluginDetails):  # the details as released (the plugin may change later)
    plugin = models.ForeignKey(Plugin, on_delete=models.PROTECT, related_name="releases")
    version = models.CharField(max_length=semver.MAX_LENGTH)
    sequence = models.PositiveIntegerField()  # 1, 2, 3…: the git history's order
    notes = models.TextField(blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(default=timezone.now)
    # 1, 2, 3… over every plugin's releases, assigned under one lock: the order of
    # /marketplace.git's commits, which must only ever grow at the end.
    position = models.PositiveIntegerField(unique=True)
    notes_html = models.TextField(blank=True)  # rendered once, on write
    # The digest of its stored files (ReleaseFile): what its git objects are built from.
    tree_sha256 = models.CharField(max_length=71)
    items: "models.ManyToManyField[Version, ReleaseItem]" = models.ManyToManyField(
        Version, through="ReleaseItem", related_name="releases"
    )

    class Meta:
        ordering = ["plugin", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["plugin", "version"], name="release_version_unique"),
            models.UniqueConstraint(fields=["plugin", "sequence"], name="release_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plugin.name} {self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Releases are immutable.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("plugin-release", args=[self.plugin.name, self.version])

    def delete(self, *args, **kwargs):
        raise ValidationError("Releases are immutable.")

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    def pinned(self) -> list[Version]:
        """The versions it pins, with their items and analyses, by kind and name."""
        versions = self.items.select_related("skill", "analysis")
        return sorted(versions, key=lambda v: (v.skill.kind, v.skill.name))

    def pinned_items(self) -> list[plugin_changes.PinnedItem]:
        return [pinned_item(version) for version in self.pinned()]

    def previous(self) -> "Release | None":
        return self.plugin.releases.filter(sequence=self.sequence - 1).first()

    def since_previous(self) -> NextRelease:
        """What this release changed since the one before it, as it was proposed then."""
        return NextRelease.after(self.previous(), self.pinned(), self)


class ReleaseItem(models.Model):
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "version"], name="releaseitem_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.release_id} {self.version_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Releases are immutable.")
        super().save(*args, **kwargs)


class ReleaseFile(models.Model):
    """One file of a release's plugin folder, as it was rendered when released; as
    append-only as the release."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="files")
    path = models.CharField(max_length=500)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    executable = models.BooleanField(default=False)

    class Meta:
        ordering = ["release", "path"]
        constraints = [
            models.UniqueConstraint(fields=["release", "path"], name="releasefile_path_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.release_id} {self.path}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Releases are immutable.")
        super().save(*args, **kwargs)


def pinned_item(version: Version) -> plugin_changes.PinnedItem:
    skill = version.skill
    digest = version.analysis.tree_sha256 or version.sha256
    return plugin_changes.PinnedItem(
        skill.kind, skill.name, version.number, digest, version.metadata
    )


def kind_counts(releases) -> dict[int, dict[str, int]]:
    """How many items of each kind each release pins, {release id: {kind: count}}, in
    one query."""
    rows = (
        ReleaseItem.objects.filter(release__in=releases)
        .values_list("release_id", "version__skill__kind")
        .annotate(count=models.Count("id"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for release_id, kind, count in rows:
        counts.setdefault(release_id, {})[kind] = count
    return counts


def _items(changed) -> str:
    return "an item was" if len(changed) == 1 else f"{len(changed)} items were"


def clean_keywords(value) -> list[str]:
    """Keywords as a list of distinct, trimmed, lowercase words (a string is split on
    commas)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationError({"keywords": "Keywords are a list of words."})
    words = list(dict.fromkeys(str(word).strip().lower() for word in value if str(word).strip()))
    if len(words) > MAX_KEYWORDS or any(len(word) > 50 for word in words):
        raise ValidationError({"keywords": f"At most {MAX_KEYWORDS} keywords of 50 characters."})
    return words


def log_plugin_write(action: str, plugin: Plugin, release, user) -> None:
    write_log.info(
        "write",
        extra={
            "fields": {
                "action": action,
                "plugin": plugin.name,
                "release": release.version if release else None,
                "user": user.get_username() if getattr(user, "pk", None) else "-",
            }
        },
    )
