"""Old names keep working: a URL that names a renamed item by an old name is redirected to
the same URL with the item's current name (Skill.rename keeps the old names as
ItemRedirect rows).

One home for every such URL — the public page, raw text, files and archives, the API,
the editor — because they all name an item the same way (`<kind>s/<name:name>` in the
route, or `skills/<name:name>` for what only skills have), and the redirect is looked up
only once a view has answered 404 or 410, so a request for an item that exists costs
nothing more.

GET and HEAD are answered 301; anything else 308, which keeps the method and the body,
so that a save from an editor tab opened before the rename lands on the item (and
merges, as any stale save does) instead of being lost to a 404.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, ResolverMatch, reverse

from catalog.models import ItemRedirect, Kind

# How long a client may keep a redirect: an old name can be taken by a new item later.
REDIRECT_MAX_AGE = 3600


class RenamedItemMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code not in (404, 410):
            return response
        location = moved_url(request)
        if location is None:
            return response
        keep_body = request.method not in ("GET", "HEAD")  # 308 then, else 301
        moved = HttpResponsePermanentRedirect(location, preserve_request=keep_body)
        moved["Cache-Control"] = f"max-age={REDIRECT_MAX_AGE}"
        return moved


def moved_url(request: HttpRequest) -> str | None:
    """Where the item this request's URL names by an old name is now, if it was renamed."""
    match = request.resolver_match
    if match is None:
        return None
    kind = _item_kind(match)
    if kind is None:
        return None
    public = match.namespace != "editor"  # the public side names no draft, old or new
    current = ItemRedirect.current_name(kind, match.kwargs["name"], public)
    if current is None:
        return None
    try:
        path = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "name": current})
    except NoReverseMatch:  # a name the old route's converter would not take
        return None
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def _item_kind(match: ResolverMatch) -> str | None:
    """The kind of item a resolved URL names, None for a URL that names no item."""
    route = match.route or ""
    if "<name:name>" not in route:
        return None
    kind = match.kwargs.get("kind")
    if kind is None and "skills/<name:name>" in route:
        kind = Kind.SKILL
    return kind if kind in Kind.values else None
