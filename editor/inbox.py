"""Each person's notifications of reviews (catalog/models/notifications.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Notification
from editor.requests import EditorRequest

PER_PAGE = 50


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
    # An id that is not a plain number of at most 18 digits marks nothing.
    ids = [int(pk) for pk in sent if pk.isascii() and pk.isdigit() and len(pk) <= 18]
    ids_or_all = ids if sent else None
    count = Notification.mark_read(request.user, ids_or_all)
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
