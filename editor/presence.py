"""Who else has an item open, and bringing an unsaved edit up to date ("merge now").

The edit page polls `presence` (htmx, every SKILLHUB_PRESENCE_SECONDS) with the version
its form is on; the answer is the page's #presence partial. `merge_now` answers the code
editor with the unsaved text merged with the newest version (JSON), or why it cannot.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from catalog import skilltree
from catalog.api import error
from catalog.converters import whole_number
from catalog.models import EditConflict, Presence, Skill, catch_up
from editor.pages import editable_item
from editor.requests import EditorRequest


def _heartbeat_item(kind: str, name: str) -> Skill:
    """The item with its latest version's number, author and time, and nothing else: a
    heartbeat comes every few seconds from every open editor."""
    found = (
        Skill.objects.active()
        .select_related("latest__author")
        .only("kind", "name", "latest__number", "latest__created_at", "latest__author__username")
        .named(kind, name)
        .first()
    )
    if found is None:
        raise Http404(f"No {kind} called {name}.")
    return found


@login_required
@require_POST
def presence(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    skill = _heartbeat_item(kind, name)
    latest = skill.latest_version
    on = whole_number(request.POST.get("base_version", "")) or latest.number
    Presence.seen(skill, request.user, on)
    context = {
        "skill": skill,
        "present": Presence.others(skill, request.user),
        "newer": latest if latest.number > on else None,
        # Merge now merges SKILL.md's text; another file's page is told to reload.
        "mergeable": request.POST.get("path", skilltree.SKILL_MD) == skilltree.SKILL_MD,
        "presence_seconds": settings.SKILLHUB_PRESENCE_SECONDS,
    }
    return render(request, "editor/edit.html#presence", context)


@login_required
@require_POST
def merge_now(request: EditorRequest, kind: str, name: str) -> JsonResponse:
    skill = editable_item(kind, name)
    base = whole_number(request.POST.get("base_version", ""))
    try:
        caught_up = catch_up(skill, request.POST.get("text", ""), base)
    except EditConflict as conflict:
        message = (
            f"v{conflict.theirs.number} by {conflict.theirs.author_name} changes the lines you"
            " changed: Save to see both and resolve them one by one. Nothing is lost."
        )
        return error(409, "conflict", message)
    except ValidationError as invalid:
        return error(400, "invalid", " ".join(invalid.messages))
    version = caught_up.version
    return JsonResponse(
        {"text": caught_up.text, "base_version": version.number, "author": version.author_name}
    )
