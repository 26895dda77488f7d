"""Items (skills, commands, agents, output styles) and their tags.

Only the methods here write items, versions and events, each inside a transaction.
Views and commands parse input, call one of them and render.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from catalog import merging, skillfile, skilltree
from catalog.converters import whole_number
from catalog.models.conflicts import EditConflict
from catalog.models.events import Event, log_write
from catalog.models.versions import Edit, Version, check_tree, same_tree
from catalog.skillfile import (
    fixes,
    unstorable_reason,  # catalog.models' name for it too
)

T = TypeVar("T")

# The kinds are skillfile.KINDS, in its order; a member is named after its value
# (OUTPUT_STYLE = "output-style") and labelled in words ("Output style").
# (django-stubs types only TextChoices' class form: Kind is Any to mypy.)
Kind = models.TextChoices(  # type: ignore[call-overload]  # no stub for the functional API
    "Kind",
    [
        (kind.upper().replace("-", "_"), (kind, kind.replace("-", " ").capitalize()))
        for kind in skillfile.KINDS
    ],
    module=__name__,
)


class Result(models.TextChoices):
    OK = "ok", "OK"
    WARNING = "warning", "Warnings"
    ERROR = "error", "Errors"


# Publishing, restoring and releasing plugins: the Publishers group (migration 0002).
PUBLISH_PERMISSION = "catalog.publish_skill"


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@dataclass
class SaveResult:
    version: "Version"
    created: bool
    merged_with: "Version | None" = None


@dataclass(frozen=True)
class PublishedVersion:
    number: int
    published_at: datetime.datetime  # of its first publication
    downloads: int
    previous: int | None  # the published version before it, for a diff link


def named(rows: models.QuerySet, kind: str, name: str) -> models.QuerySet:
    """The rows of `rows` (items, or an item's old names) called `name` of `kind`,
    case-insensitively. Written as Lower(name) = Lower(value), the expression of their
    unique index, so the lookup uses it (name__iexact would scan the table)."""
    return rows.alias(lower_name=Lower("name")).filter(kind=kind, lower_name=Lower(Value(name)))


class SkillQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def public(self):
        return self.active().filter(published__isnull=False)

    def named(self, kind: str, name: str):
        """Items called `name` of `kind`, case-insensitively."""
        return named(self, kind, name)

    def lookup(self, kind: str, name: str) -> "Skill":
        """The item called `name` of `kind`; names are unique case-insensitively."""
        return self.named(kind, name).get()

    def was_published(self, kind: str, name: str) -> bool:
        """Whether an item called `name` of `kind` was ever published (one query; for
        telling an unpublished item's URL from one that never existed)."""
        published = Event.objects.filter(skill=OuterRef("pk"), action=Event.Action.PUBLISH)
        return self.named(kind, name).filter(Exists(published)).exists()

    def published_item(self, kind: str, name: str) -> "Skill":
        """The published item called `name` of `kind`, with its published version's
        analysis; drafts and archived items do not exist here (Skill.DoesNotExist)."""
        return self.public().select_related("published__analysis").lookup(kind, name)


class Skill(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=255)
    tags = models.ManyToManyField(Tag, blank=True, related_name="skills")
    latest = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published = models.ForeignKey(
        "Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    archived = models.BooleanField(default=False)
    # Downloads of any version, kept beside the per-version counts so that the catalog can
    # sort by it without a join; only VersionDownloads.record changes it.
    downloads = models.PositiveBigIntegerField(default=0, editable=False)

    objects = SkillQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="skill_kind_name_unique_ci"),
        ]
        permissions = [("publish_skill", "Can publish, unpublish and restore skills")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("skill", args=[self.kind, self.name])

    def get_edit_url(self) -> str:
        return reverse("editor:edit", args=[self.kind, self.name])

    @property
    def slash_name(self) -> str:
        return skillfile.slash_name(self.kind, self.name)

    @property
    def display_name(self) -> str:
        return self.slash_name or self.name

    @property
    def bundle_path(self) -> str:
        return skillfile.bundle_path(self.kind, self.name)

    @property
    def state(self) -> str:
        if self.published_id is None:
            return "draft"
        if self.published_id != self.latest_id:
            return "changed"
        return "published"

    def published_history(self) -> list["PublishedVersion"]:
        """Every version of this item that was ever published, newest first."""
        events = (
            self.events.filter(action=Event.Action.PUBLISH, version__isnull=False)
            .order_by("created_at", "id")
            .values_list("version__number", "created_at")
        )
        first_published: dict = {}
        for number, when in events:
            first_published.setdefault(number, when)
        counts = dict(
            self.versions.filter(download_count__isnull=False).values_list(
                "number", "download_count__count"
            )
        )
        numbers = sorted(first_published, reverse=True)
        older = [*numbers[1:], None]
        return [
            PublishedVersion(number, first_published[number], counts.get(number, 0), previous)
            for number, previous in zip(numbers, older, strict=True)
        ]

    @property
    def latest_version(self) -> "Version":
        """The latest version, which an item has from the moment it exists (Skill.create
        saves v1 in the transaction that makes the item)."""
        if self.latest is None:
            raise ValueError(f"{self} has no version.")
        return self.latest

    @property
    def published_version(self) -> "Version":
        """The published version of an item the public side shows (published_item and
        the public querysets select only items that have one)."""
        if self.published is None:
            raise ValueError(f"{self} is not published.")
        return self.published

    def version_numbered(self, number: int | None) -> "Version | None":
        """Version `number` of this item; None if there is no such one (or no number)."""
        if number is None:
            return None
        return self.versions.filter(number=number).first()

    def version_named(self, label: str | None) -> "Version | None":
        """The version a URL names (`?version=`, `?from=`, `?to=`): `latest` (also when the
        label is absent or empty), `published`, or a number; None if there is no such one."""
        if label in (None, "", "latest"):
            return self.latest
        if label == "published":
            return self.published
        return self.version_numbered(whole_number(label))

    def published_version_named(
        self, label: str | None, history: list["PublishedVersion"] | None = None
    ) -> "Version | None":
        """The version a public URL names by its number, if that version was ever
        published (drafts do not exist on the public pages), else None. `history` is
        published_history() when the caller already has it."""
        number = whole_number(label)
        if history is None:
            history = self.published_history()
        if number is None or number not in {v.number for v in history}:
            return None
        return self.version_numbered(number)

    # -- writing ----------------------------------------------------------

    @classmethod
    def create(
        cls,
        kind: str,
        name: str,
        text: str,
        author,
        message: str = "",
        files: "skilltree.Tree | None" = None,
    ) -> SaveResult:
        """A new item with its first version (a skill may come with files)."""
        if kind not in Kind.values:
            raise ValidationError({"kind": f"Unknown kind {kind!r}."})
        if not skillfile.is_valid_name(kind, name):
            raise ValidationError({"name": f"Not a valid name: {skillfile.name_rule(kind)}."})
        with transaction.atomic():
            skill = _take_name(kind, name, lambda: cls.objects.create(kind=kind, name=name))
            return skill.save_version(text, author, message=message or "Created", files=files)

    def save_version(
        self,
        text: str,
        author,
        message: str = "",
        base_number: int | None = None,
        resolved_number: int | None = None,
        files: "skilltree.Tree | None" = None,
    ) -> SaveResult:
        """Store `text` (and for a skill, `files`) as the next version, never dropping a
        change its author has not seen.

        `files` is the whole folder besides SKILL.md; None keeps the files of the version
        the save goes on top of. `base_number` is the version the author started from.
        `resolved_number` is a later version whose conflicting changes the author has
        resolved by hand (a conflict's "save on top of vN"): the text and files win where
        the two overlap, and vN's other changes since the base are merged in. The save
        goes on top of that version (resolved, else base):
        - if it is older than the latest, text and files are merged three-way, file by
          file, with what landed since; overlapping changes raise EditConflict and store
          nothing;
        - if it is the latest, written by someone else, and `resolved_number` does not
          name it, a text that puts back exactly what the latest changed (what a stale
          page sending the latest as its base would do) raises EditConflict(undoes=True).
        A text and tree identical to the latest create nothing; a new version records the
        version it went on top of as its base.
        """
        reason = unstorable_reason(text)
        if reason:
            raise ValidationError({"text": reason})
        text = skillfile.normalise(text)
        if files and self.kind != Kind.SKILL:
            raise ValidationError({"files": f"Only skills have files; a {self.kind} is one file."})
        if files is not None:
            check_tree(text, files)
        if (
            resolved_number is not None
            and base_number is not None
            and resolved_number < base_number
        ):
            older = (
                f"v{resolved_number} is older than the version you started from, v{base_number}."
            )
            raise ValidationError({"resolved_version": older})
        with transaction.atomic():
            skill = Skill.objects.select_for_update().get(pk=self.pk)
            try:
                result = skill._save_on(
                    Edit(text, files, author, message), base_number, resolved_number
                )
            except merging.TooLargeToMerge as error:
                again = " Reload the page, make your change to the newest version and save again."
                raise ValidationError({"text": f"{error}{again}"}) from None
            if result.created:  # an open change request follows the item (models/reviews.py)
                skill.change_requests.filter(status="open").update(
                    version=result.version, updated_at=result.version.created_at
                )
        if result.created:
            self.latest, self.updated_at = result.version, result.version.created_at
        return result

    def _save_on(
        self, edit: "Edit", base_number: int | None, resolved_number: int | None
    ) -> SaveResult:
        """save_version's work, inside its transaction, on the row-locked item."""
        on_number = resolved_number if resolved_number is not None else base_number
        latest = self.latest
        merged_with = None
        text, files = edit.text, edit.files
        if resolved_number is not None and base_number is not None:
            # The author resolved the regions that conflicted with v{resolved}; the
            # changes of v{resolved} they did not touch still come through.
            text, files = self._with_resolved(text, files, base_number, resolved_number)
        on = latest
        if latest and on_number is not None and on_number != latest.number:
            on = self.version_numbered(on_number)
            if on is None:
                field = "base_version" if resolved_number is None else "resolved_version"
                raise ValidationError({field: f"There is no v{on_number}."})
        if files is None:
            files = on.tree() if on else {}
        if latest and on and on is not latest:  # `on` is None only without a latest
            merge = merging.merge(on.text, latest.text, text)
            tree = skilltree.merge_trees(on.tree(), latest.tree(), files)
            if merge.text is None or not tree.clean:  # a merge has no text unless clean
                raise EditConflict(
                    on, latest, text, merge.conflicts, files=tree.conflicts, mine_files=files
                )
            text, files = merge.text, tree.files
            merged_with = latest
            if reason := unstorable_reason(text):
                raise ValidationError({"text": f"Merged with v{latest.number}: {reason}"})
            check_tree(text, files, f"Merged with v{latest.number}: ")
        elif latest and on_number is not None and resolved_number is None:
            self._refuse_undoing_latest(latest, text, edit.author)
        if latest and text == latest.text and same_tree(files, latest):
            return SaveResult(latest, created=False, merged_with=merged_with)
        message = edit.message
        if merged_with:
            who = merged_with.author_name
            note = f"merged with changes by {who} in v{merged_with.number}"
            message = f"{message} ({note})" if message else note.capitalize()
        version = Version.store(
            self,
            number=latest.number + 1 if latest else 1,
            text=text,
            files=files,
            author=edit.author,
            message=message,
            base_number=on_number,
        )
        self.latest = version
        self.updated_at = version.created_at
        self.save(update_fields=["latest", "updated_at"])
        log_write("save", self, version, edit.author)
        return SaveResult(version, created=True, merged_with=merged_with)

    def _with_resolved(
        self, text: str, files: "skilltree.Tree | None", base_number: int, resolved_number: int
    ) -> tuple[str, "skilltree.Tree | None"]:
        """`text` and `files` (begun from v{base}) with v{resolved}'s changes since v{base}
        merged in, taking the author's side wherever the two overlap: a resolve is never a
        silent overwrite."""
        if resolved_number == base_number:
            return text, files
        versions = {
            v.number: v for v in self.versions.filter(number__in=[base_number, resolved_number])
        }
        named = ((base_number, "base_version"), (resolved_number, "resolved_version"))
        for number, form_field in named:
            if number not in versions:
                raise ValidationError({form_field: f"There is no v{number}."})
        base, resolved = versions[base_number], versions[resolved_number]
        # mine_wins never conflicts, so the merge has its text.
        text = cast(str, merging.merge(base.text, resolved.text, text, mine_wins=True).text)
        if files is not None:
            files = skilltree.merge_trees(base.tree(), resolved.tree(), files, mine_wins=True).files
        return text, files

    def _refuse_undoing_latest(self, latest: "Version", text: str, author) -> None:
        """EditConflict if `text`, saved on top of `latest` by `author`, puts back exactly
        what someone else changed in `latest` (relative to the version before it)."""
        if text == latest.text or latest.number == 1:
            return
        if latest.author_id == getattr(author, "pk", None):
            return  # undoing one's own last change is an edit like any other
        before = self.version_numbered(latest.number - 1)
        if before is None:
            return
        undone = merging.reverted(before.text, latest.text, text)
        if undone:
            raise EditConflict(before, latest, text, undone, undoes=True)

    def publish(self, version: "Version", user, detail: str = "", request=None) -> None:
        """Make `version` the public one. Unguarded: a publication made for a person goes
        through reviews.publish_version, which applies the review policy; `detail` is what
        the audit page says of it (the request that asked, or "published without review"),
        `request` the change request that asked for it."""
        self.refuse_unpublishable(version)
        with transaction.atomic():
            skill = Skill.objects.select_for_update().get(pk=self.pk)
            skill.published = version
            skill.published_at = timezone.now()
            skill.save(update_fields=["published", "published_at"])
            self.published, self.published_at = skill.published, skill.published_at
            Event.record(Event.Action.PUBLISH, skill, user, version, detail, request)

    def refuse_unpublishable(self, version: "Version") -> None:
        """ValidationError if `version` cannot be published at all, whoever asks."""
        if version.skill_id != self.pk:
            raise ValidationError("That version belongs to another item.")
        if version.result == Result.ERROR:
            raise ValidationError(f"v{version.number} has errors and cannot be published.")

    def unpublish(self, user) -> None:
        with transaction.atomic():
            skill = Skill.objects.select_for_update().get(pk=self.pk)
            if skill.published_id is None:
                return
            version = skill.published
            skill.published = None
            skill.published_at = None
            skill.save(update_fields=["published", "published_at"])
            self.published = self.published_at = None
            Event.record(Event.Action.UNPUBLISH, skill, user, version)

    def restore(self, version: "Version", user) -> SaveResult:
        """Make an old version the latest again, as a new version."""
        if version.skill_id != self.pk:
            raise ValidationError("That version belongs to another item.")
        with transaction.atomic():
            result = self.save_version(
                version.text, user, message=f"Restored v{version.number}", files=version.tree()
            )
            if result.created:
                Event.record(Event.Action.RESTORE, self, user, result.version)
        return result

    def rename(self, name: str, user) -> SaveResult | None:
        """Call this item `name` from now on. Its old name redirects to it (ItemRedirect)
        and an event records both. Where its text names the item (a skill's or an agent's
        `name` field), a new version says the new name, and if the latest version was the
        published one, that new version is published in its place; a published version
        older than the latest cannot be renamed so (it would go out under the new name
        saying the old one), and the rename is refused until it is the latest."""
        if not skillfile.is_valid_name(self.kind, name):
            raise ValidationError({"name": f"Not a valid name: {skillfile.name_rule(self.kind)}."})
        with transaction.atomic():
            skill = Skill.objects.select_for_update().get(pk=self.pk)
            old, latest, published = skill.name, skill.latest_version, skill.published
            if skill.archived:
                raise ValidationError({"name": f"The {self.kind} {old!r} is archived."})
            if name == old:
                raise ValidationError({"name": f"It is called {name!r} already."})
            if (
                published is not None
                and published != latest
                and published.metadata.get("name") == old
            ):
                raise ValidationError(
                    {
                        "name": f"v{published.number} is live and its text is named {old!r}, but "
                        f"v{latest.number} is the latest: publish v{latest.number} (or "
                        "unpublish) first, so that the public copy can carry the new name."
                    }
                )
            names_itself = latest.metadata.get("name") == old
            text = fixes.with_name(latest.text, name) if names_itself else None
            if names_itself and text is None:  # a name over several lines, say
                raise ValidationError({"name": "Write its name field as one line first."})
            rename = Skill.objects.filter(pk=self.pk).update
            _take_name(self.kind, name, lambda: rename(name=name, updated_at=timezone.now()), self)
            self.name = name
            if old.lower() != name.lower():
                ItemRedirect.objects.create(kind=self.kind, name=old, skill=self)
            Event.record(Event.Action.RENAME, self, user, latest, detail=f"{old} → {name}")
            if text is None:
                return None
            result = self.save_version(
                text, user, message=f"Renamed from {old}", base_number=latest.number
            )
            if published == latest:  # only the name changed: what was reviewed stays live
                self.publish(result.version, user, detail=f"renamed from {old}, nothing else")
            return result

    def archive(self, user) -> None:
        """Take the item out of the catalog and the editor (unpublished; nothing is
        deleted). Its name stays taken, so an admin can bring it back (unarchive)."""
        with transaction.atomic():
            Skill.objects.filter(pk=self.pk).update(archived=True, published=None)
            self.archived, self.published = True, None
            for request in self.change_requests.filter(status="open"):
                request.close(user)  # an archived item's open change request ends with it
            Event.record(Event.Action.ARCHIVE, self, user, self.latest)

    def unarchive(self, user) -> None:
        """Bring an archived item back to the editor, as a draft (publishing it again is a
        publisher's decision)."""
        with transaction.atomic():
            if Skill.objects.filter(pk=self.pk, archived=True).update(archived=False):
                self.archived = False
                Event.record(Event.Action.UNARCHIVE, self, user, self.latest)

    def set_tags(self, names: list[str]) -> None:
        with transaction.atomic():
            tags = [Tag.objects.get_or_create(name=name)[0] for name in sorted(set(names))]
            self.tags.set(tags)


def _take_name(kind: str, name: str, write: Callable[[], T], holder: Skill | None = None) -> T:
    """`write()`, which gives an item of `kind` the name `name` (makes or renames it),
    unless another item than `holder` has that name (ValidationError); an old name freed
    so loses its redirect. Inside the caller's transaction."""
    existing = Skill.objects.named(kind, name).exclude(pk=getattr(holder, "pk", None)).first()
    if existing is not None and existing.archived:
        raise ValidationError({"name": f"An archived {kind} is called {name!r}; ask an admin."})
    taken = ValidationError({"name": f"A {kind} called {name!r} already exists."})
    if existing is not None:
        raise taken
    try:
        with transaction.atomic():  # someone may take the same name right now
            done = write()
    except IntegrityError:
        raise taken from None
    named(ItemRedirect.objects.all(), kind, name).delete()  # a live item wins
    return done


class ItemRedirect(models.Model):
    """An old name of a renamed item: URLs that name the item by it answer with a
    redirect to its current name (catalog.redirects). A live item always wins: taking
    the name (a new item, a rename) removes the redirect."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=255)
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="old_names")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="itemredirect_kind_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} → {self.skill.name}"

    @classmethod
    def current_name(cls, kind: str, name: str, public: bool = False) -> str | None:
        """The name now of the active item once called `name` of `kind`, if there is one;
        with `public`, only if it is published (a draft's new name is the team's)."""
        found = named(cls.objects.filter(skill__archived=False), kind, name)
        if public:
            found = found.filter(skill__published__isnull=False)
        return found.values_list("skill__name", flat=True).first()
