"""What every page's header needs: the signed-in user's count of unread notifications."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from catalog.models import Notification


def inbox(request: HttpRequest) -> dict[str, object]:
    """`inbox_unread`: counted once, and only by a page whose header shows it (a partial
    never asks); nothing for someone signed out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: Notification.unread_count(user))}
