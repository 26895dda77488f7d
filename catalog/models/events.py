"""The audit trail: who did what to which item or plugin, and when; and the one
structured log line every write leaves (skillhub.write)."""

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from catalog.models.reviews import ChangeRequest
    from catalog.models.skills import Skill
    from catalog.models.versions import Version

write_log = logging.getLogger("skillhub.write")


class Event(models.Model):
    class Action(models.TextChoices):
        PUBLISH = "publish", "published"
        UNPUBLISH = "unpublish", "unpublished"
        RESTORE = "restore", "restored"
        ARCHIVE = "archive", "archived"
        UNARCHIVE = "unarchive", "brought back"
        RENAME = "rename", "renamed"
        IMPORT = "import", "imported"
        RELEASE = "release", "released"
        REQUEST = "request", "asked for review"
        REVIEW = "review", "reviewed"
        COMMENT = "comment", "commented"
        CLOSE_REQUEST = "close-request", "closed a request"
        OWNERS = "owners", "set owners"

    # An item's event names the item (and maybe a version); a release names the plugin
    # and the release instead.
    skill = models.ForeignKey(
        "catalog.Skill", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    plugin = models.ForeignKey(
        "catalog.Plugin", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    release = models.ForeignKey(
        "catalog.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        "catalog.Version", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A review's events (a request, a review, a comment) also name the change request.
    request = models.ForeignKey(
        "catalog.ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    # In words: a rename's "old → new", a review's verdict, a publication's reviewers.
    detail = models.CharField(max_length=600, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.skill or self.plugin} {self.action}"

    @property
    def subject(self) -> str:
        """What the event is about, as the audit page names it."""
        # A null key reads as None without a query.
        if self.release is not None and self.plugin is not None:
            return f"plugin {self.plugin.name} {self.release.version}"
        return f"{self.skill.kind} {self.skill.name}" if self.skill is not None else "-"

    @property
    def item_version(self) -> "tuple[Skill, Version]":
        """The item and the version of an event that names both (a publication: the feed
        selects only those). Reads what the event has loaded: no query of its own."""
        if self.skill is None or self.version is None:
            raise ValueError(f"Event {self.pk} ({self.action}) names no item and version.")
        return self.skill, self.version

    @classmethod
    def record(
        cls,
        action: str,
        skill: "Skill",
        user,
        version: "Version | None" = None,
        detail: str = "",
        request: "ChangeRequest | None" = None,
    ) -> "Event":
        event = cls.objects.create(
            action=action,
            skill=skill,
            version=version,
            detail=detail,
            request=request,
            actor=user if getattr(user, "pk", None) else None,
        )
        log_write(action, skill, version, user, detail)
        return event

    @classmethod
    def record_release(cls, release, user) -> "Event":
        from catalog.models.plugins import log_plugin_write

        event = cls.objects.create(
            action=cls.Action.RELEASE,
            plugin=release.plugin,
            release=release,
            actor=user if getattr(user, "pk", None) else None,
        )
        log_plugin_write(cls.Action.RELEASE, release.plugin, release, user)
        return event


def log_write(
    action: str, skill: "Skill", version: "Version | None", user, detail: str = ""
) -> None:
    write_log.info(
        "write",
        extra={
            "fields": {
                "action": action,
                "item": f"{skill.kind}/{skill.name}",
                "version": version.number if version else None,
                "user": user.get_username() if getattr(user, "pk", None) else "-",
                **({"detail": detail} if detail else {}),
            }
        },
    )
