"""Each person's notifications of reviews (catalog/models/notifications.py), and the
owners of an item (catalog/models/owners.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import PUBLISH_PERMISSION, Notification
from catalog.models.owners import parse_owners, set_owners
from editor import pages
from editor.requests import EditorRequest

PER_PAGE = 50

publisher_required = permission_required(PUBLISH_PERMISSION, raise_exception=True)


@login_required
@require_GET
def inbox(request: EditorRequest) -> HttpResponse:
    """The user's notifications, newest first; looking at them marks none read."""
    return render(request, "editor/inbox.html", _inbox_context(request, request.GET.get("page")))


@login_required
@require_POST
def mark_read(request: EditorRequest) -> HttpResponse:
    """Mark the notifications named by `id` (repeatable) read, or all of them when none is
    named; back to the inbox (htmx: its list, and the header's count, in place)."""
    sent = request.POST.getlist("id")
    ids = [int(pk) for pk in sent if pk.isdigit()] if sent else None  # a bad id marks nothing
    count = Notification.mark_read(request.user, ids)
    if request.htmx:
        context = _inbox_context(request, request.POST.get("page"))
        return render(request, "editor/inbox.html#notifications", {**context, "oob": True})
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("editor:inbox")


def _inbox_context(request: EditorRequest, page: str | None) -> dict[str, object]:
    notifications = Notification.objects.filter(user=request.user).select_related(
        "actor", "request"
    )
    return {"page": Paginator(notifications, PER_PAGE).get_page(page)}


@login_required
@publisher_required
@require_POST
def owners(request: EditorRequest, kind: str, name: str) -> HttpResponseRedirect:
    """Make the users and @groups named in `owners` the item's owners (publishers only)."""
    skill = pages.editable_item(kind, name)
    try:
        users, groups = parse_owners(request.POST.get("owners", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        set_owners(skill, users, groups, request.user)
        named = [u.username for u in users] + [f"@{g.name}" for g in groups]
        messages.success(request, f"Owners: {', '.join(named)}." if named else "No owners now.")
    return redirect(skill.get_edit_url())
