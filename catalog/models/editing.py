"""Who has an item open in the editor, and bringing an unsaved edit up to date.

The editor page sends a heartbeat every few seconds (Presence.seen) and shows who else
was seen lately and whether a newer version landed since the one the page is on; "merge
now" folds that version into the unsaved text through the same three-way merge a save
does (catch_up), so nothing is stored until the author saves.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from catalog import merging, skillfile
from catalog.models.conflicts import EditConflict
from catalog.models.skills import Skill
from catalog.models.versions import Version


class Presence(models.Model):
    """One editor of one item: who, on which version, last seen when (a heartbeat)."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    on_number = models.PositiveIntegerField()
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["skill", "user"], name="presence_one_per_editor")
        ]
        indexes = [models.Index(fields=["skill", "seen_at"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.skill} v{self.on_number}"

    @classmethod
    def seen(cls, skill: Skill, user: "User", on_number: int) -> None:
        """`user` has `skill` open on v{on_number} now: one upsert (a heartbeat comes
        every few seconds from every open editor)."""
        Presence.objects.bulk_create(
            [Presence(skill=skill, user=user, on_number=on_number, seen_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["skill", "user"],
            update_fields=["on_number", "seen_at"],
        )

    @classmethod
    def others(cls, skill: Skill, user: "User") -> list["Presence"]:
        """Everyone but `user` seen on `skill` within the last few heartbeats, by name."""
        since = timezone.now() - datetime.timedelta(seconds=3 * settings.SKILLHUB_PRESENCE_SECONDS)
        found = cls.objects.filter(skill=skill, seen_at__gte=since).exclude(user=user)
        return list(found.select_related("user").order_by("user__username"))


@dataclass(frozen=True)
class CaughtUp:
    text: str
    version: Version  # the latest, which the text now contains


def catch_up(skill: Skill, text: str, base_number: int | None) -> CaughtUp:
    """`text`, an unsaved edit begun from v{base_number}, with every change since merged
    in. Raises EditConflict where the two overlap (a save then shows them chunk by
    chunk), ValidationError for a version that does not exist."""
    latest = skill.latest_version
    if base_number is None:
        raise ValidationError({"base_version": "Say which version the text began from."})
    base = skill.version_numbered(base_number)
    if base is None:
        raise ValidationError({"base_version": f"There is no v{base_number}."})
    text = skillfile.normalise(text)
    if base == latest:
        return CaughtUp(text, latest)
    try:
        merge = merging.merge(base.text, latest.text, text)
    except merging.TooLargeToMerge as error:
        raise ValidationError({"text": str(error)}) from None
    if merge.text is None:
        raise EditConflict(base, latest, text, merge.conflicts)
    return CaughtUp(merge.text, latest)
