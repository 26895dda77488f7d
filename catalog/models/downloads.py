"""How often each version was downloaded."""

from django.db import DatabaseError, models, transaction
from django.db.models import F

from catalog.models.events import write_log
from catalog.models.skills import Skill
from catalog.models.versions import Version


class VersionDownloads(models.Model):
    """How often one version was downloaded, raw or in a bundle.

    A table of its own, so that versions stay immutable rows; a version nobody
    downloaded has no row (count 0).
    """

    version = models.OneToOneField(
        Version, primary_key=True, on_delete=models.PROTECT, related_name="download_count"
    )
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "version downloads"

    def __str__(self) -> str:
        return f"{self.version_id}: {self.count}"

    @classmethod
    def record(cls, skills: "models.QuerySet[Skill]") -> None:
        """Count one download of the published version of each of `skills`.

        The increments happen in the database (F expressions), so concurrent
        downloads never lose a count; the number of queries does not depend on
        how many items the download held.
        """
        skill_ids = skills.filter(published__isnull=False).order_by().values("pk")
        versions = Version.objects.filter(
            pk__in=Skill.objects.filter(pk__in=skill_ids).values("published_id")
        )
        try:
            with transaction.atomic():
                missing = versions.filter(download_count__isnull=True).values_list("pk", flat=True)
                VersionDownloads.objects.bulk_create(
                    [VersionDownloads(version_id=pk) for pk in missing], ignore_conflicts=True
                )
                # Take the row locks in one order (by key), so that two downloads of
                # overlapping sets wait for each other instead of deadlocking.
                counters = VersionDownloads.objects.filter(version__in=versions).order_by("pk")
                list(counters.select_for_update().values_list("pk", flat=True))
                counters.update(count=F("count") + 1)
                rows = Skill.objects.filter(pk__in=skill_ids).order_by("pk")
                list(rows.select_for_update().values_list("pk", flat=True))
                rows.update(downloads=F("downloads") + 1)
        except DatabaseError:
            # A count is not worth failing the download for; the log says it was lost.
            write_log.warning("download count lost", exc_info=True)
