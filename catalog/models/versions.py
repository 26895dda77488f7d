"""Versions: one immutable state of an item, its files, and what is checked on write."""

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from catalog import skillfile, skilltree
from catalog.analysis import Analysis
from catalog.blobs import Blob, read_blobs

if TYPE_CHECKING:
    from catalog.models.skills import Skill


@dataclass(frozen=True)
class Edit:
    """What one save sends: SKILL.md's (or the file's) text, the other files of a skill
    (None: unchanged), who and why."""

    text: str
    files: "skilltree.Tree | None"
    author: object
    message: str


def tree_limits() -> skilltree.TreeLimits:
    return skilltree.TreeLimits(**settings.SKILLHUB_SKILL_LIMITS)


def check_tree(text: str, files: "skilltree.Tree", prefix: str = "") -> None:
    problems = skilltree.tree_problems(files, tree_limits(), len(text.encode("utf-8")))
    if problems:
        raise ValidationError({"files": [prefix + problem for problem in problems]})


def same_tree(files: "skilltree.Tree", version: "Version") -> bool:
    """Whether `files` are exactly `version`'s other files, compared by digest and mode
    (the stored bytes are not read: a SKILL.md save of a 30 MiB skill reads none)."""
    index = {path: (file.sha256, file.executable) for path, file in files.items()}
    return index == version.file_index()


class Version(models.Model):
    """One immutable state of an item: its text (a skill's SKILL.md) and, for a skill,
    the rest of its folder as VersionFile rows. What is derived from it (problems,
    HTML, metadata) is its Analysis, which can be rebuilt."""

    skill = models.ForeignKey("catalog.Skill", on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    base_number = models.PositiveIntegerField(null=True, blank=True)
    # The frontmatter's description as written: kept in the immutable row because the
    # full-text index (migration 0005) is over this row's description and text.
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["skill", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["skill", "number"], name="version_skill_number_unique"),
        ]
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return f"{self.skill} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Versions are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Versions are never deleted.")

    @classmethod
    def store(
        cls,
        skill: "Skill",
        *,
        number: int,
        text: str,
        files: "skilltree.Tree",
        author,
        message: str,
        base_number,
    ) -> "Version":
        """Write a new version: its row, its files (new contents as blobs) and its analysis."""
        parsed = skillfile.parse(text, kind=skill.kind, name=skill.name)
        version = cls(
            skill=skill,
            number=number,
            text=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            author=author if getattr(author, "pk", None) else None,
            message=message[:500],
            base_number=base_number,
            description=parsed.description,
        )
        version.save()
        Blob.store_all(file.data for file in files.values())
        VersionFile.objects.bulk_create(
            VersionFile(version=version, path=path, blob_id=file.sha256, executable=file.executable)
            for path, file in sorted(files.items())
        )
        version._tree = dict(files)
        analysis = Analysis.of(version, parsed, files)
        analysis.save()
        version.analysis = analysis
        return version

    # What the analysis derived, read where the version's row used to hold it.
    @property
    def metadata(self) -> dict:
        return self.analysis.metadata

    @property
    def problems(self) -> list:
        return self.analysis.problems

    @property
    def result(self) -> str:
        return self.analysis.result

    @property
    def html(self) -> str:
        return self.analysis.html

    @property
    def author_name(self) -> str:
        # No query when there is no author: a null key reads as None.
        return self.author.get_username() if self.author is not None else "someone"

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")

    def parsed(self) -> "skillfile.SkillFile":
        return skillfile.parse(self.text, kind=self.skill.kind, name=self.skill.name)

    def file_index(self) -> dict[str, tuple[str, bool]]:
        """path -> (sha256, executable) of the skill's files besides SKILL.md, without
        their bytes (one query, or none once tree() has been read)."""
        if hasattr(self, "_tree"):
            return {path: (f.sha256, f.executable) for path, f in self._tree.items()}
        rows = self.files.values_list("path", "blob_id", "executable")
        return {path: (sha256, executable) for path, sha256, executable in rows}

    def tree(self) -> "skilltree.Tree":
        """The skill's files besides SKILL.md, with their bytes (read once per instance)."""
        if not hasattr(self, "_tree"):
            index = self.file_index()
            contents = read_blobs(sha256 for sha256, _ in index.values()) if index else {}
            self._tree = {
                path: skilltree.TreeFile(path, contents[sha256], executable)
                for path, (sha256, executable) in index.items()
            }
        return self._tree

    def differing_trees(self, other: "Version") -> tuple["skilltree.Tree", "skilltree.Tree"]:
        """This version's and `other`'s files, but only those that differ between them
        (by digest or mode): what a diff of the two shows, reading no unchanged bytes."""
        mine, theirs = self.file_index(), other.file_index()
        paths = {p for p in mine.keys() | theirs.keys() if mine.get(p) != theirs.get(p)}
        wanted = {mine[p][0] for p in paths if p in mine} | {
            theirs[p][0] for p in paths if p in theirs
        }
        contents = read_blobs(wanted) if wanted else {}

        def tree(index):
            return {
                p: skilltree.TreeFile(p, contents[index[p][0]], index[p][1])
                for p in sorted(paths)
                if p in index
            }

        return tree(mine), tree(theirs)

    def file(self, path: str) -> "skilltree.TreeFile | None":
        """One file of this version (SKILL.md too), reading only its own blob."""
        if path == skilltree.SKILL_MD:
            return skilltree.TreeFile(path, self.data)
        if hasattr(self, "_tree"):
            return self._tree.get(path)
        row = self.files.filter(path=path).values_list("blob_id", "executable").first()
        if row is None:
            return None
        return skilltree.TreeFile(path, read_blobs([row[0]])[row[0]], row[1])

    @property
    def has_files(self) -> bool:
        return self.analysis.file_count > 1


class VersionFile(models.Model):
    """One file of a skill's version besides SKILL.md; append-only like versions."""

    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="files")
    path = models.CharField(max_length=255)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    executable = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "path"]
        constraints = [
            models.UniqueConstraint(fields=["version", "path"], name="versionfile_path_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.path}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Versions are immutable.")
        super().save(*args, **kwargs)
