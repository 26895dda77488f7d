"""Choose what goes into a bundle and stream it."""

from collections.abc import Iterator

from catalog import bundles
from catalog.models import Skill


def bundle_items(
    *, kinds=(), tags=(), items=(), latest: bool = False, skills=None
) -> list[bundles.BundleItem]:
    """Bundle items for the published versions (or the newest with `latest`)."""
    field = "latest" if latest else "published"
    queryset = skills if skills is not None else Skill.objects.active()
    queryset = queryset.filter(**{f"{field}__isnull": False}).select_related(field)
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    for tag in tags:
        queryset = queryset.filter(tags__name=tag)
    if items:
        wanted = {(kind, name.casefold()) for kind, name in items}
        queryset = [s for s in queryset if (s.kind, s.name.casefold()) in wanted]
    result = []
    for skill in queryset:
        version = getattr(skill, field)
        result.append(
            bundles.BundleItem(
                kind=skill.kind,
                name=skill.name,
                path=skill.bundle_path,
                version=version.number,
                data=version.data,
            )
        )
    return result


def iter_bundle(items: list[bundles.BundleItem], fmt: str) -> Iterator[bytes]:
    return bundles.iter_zip(items) if fmt == "zip" else bundles.iter_tar_gz(items)
