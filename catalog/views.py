"""The public face: anyone can browse, read and download published items."""

from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import Skill
from catalog.previews import build_preview, frontmatter_rows


def _get_published(kind: str, name: str) -> Skill:
    """The published item, or 404: drafts and unpublished items do not exist here."""
    try:
        return Skill.objects.public().select_related("published").lookup(kind, name)
    except Skill.DoesNotExist:
        raise Http404(f"No published {kind} called {name}.") from None


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def index(request):
    skills = (
        Skill.objects.public()
        .select_related("published")
        .defer("published__text", "published__html", "published__problems")
        .prefetch_related("tags")
    )
    return render(request, "catalog/index.html", {"skills": skills})


@require_GET
def skill(request, kind, name):
    item = _get_published(kind, name)
    version = item.published
    arguments = request.GET.get("arguments", "")[:2000]
    context = {
        "skill": item,
        "version": version,
        "fields": frontmatter_rows(version.metadata),
        "arguments": arguments,
        "try_it": build_preview(version.text, kind, item.name, arguments) if arguments else None,
    }
    return render(request, "catalog/skill.html", context)


@require_GET
def raw(request, kind, name):
    version = _get_published(kind, name).published
    response = HttpResponse(version.data, content_type="text/markdown; charset=utf-8")
    response["ETag"] = f'"{version.sha256}"'
    return response
