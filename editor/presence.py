"""Who else has an item open, and bringing an unsaved edit up to date ("merge now").

The edit page polls `presence` (htmx, every SKILLHUB_PRESENCE_SECONDS) with the version
its form is on; the answer is the page's #presence partial. `merge_now` answers the code
editor with the unsaved text merged with the newest version (JSON), or why it cannot.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from catalog.api import error
from catalog.converters import whole_number
from catalog.models import EditConflict, Presence, catch_up
from editor.pages import editable_item
from editor.requests import EditorRequest


@login_required
@require_POST
def presence(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    skill = editable_item(kind, name)
    latest = skill.latest_version
    on = whole_number(request.POST.get("base_version", "")) or latest.number
    Presence.seen(skill, request.user, on)
    newer = latest if latest.number > on and latest.author_id != request.user.pk else None
    context = {
        "skill": skill,
        "present": Presence.others(skill, request.user),
        "newer": newer,
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
