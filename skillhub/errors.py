"""Refusals and failures, answered in the shape the client reads: JSON under /api/, a page
elsewhere.

- 400 (handler400): Django turns a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or too many
  fields or files) into a 400 before any view runs; those are answered 413 with the
  limit named.
- 400 "bad-query" (QueryStringMiddleware): a query string holding a character no
  database column can store, refused before any view can hand it to the database.
- 403 "csrf" (CSRF_FAILURE_VIEW): a failed CSRF check.
- 404 (handler404): the site's page with a search box; 410 for an item that was
  published once and unpublished since (catalog.views.Unpublished).
- 500 (handler500): an unexpected error; the API never answers one with a page.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import csrf, defaults

from catalog.api import error as json_error  # the API's envelope, for /api/ requests
from catalog.skillfile import UNSTORABLE_CHARACTER


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class BadQueryString(Exception):
    """A query parameter (name or value) holds a character that cannot be stored."""


def _explain(exception: Exception | None) -> tuple[int, str, str]:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, "too-large", f"The request is over the limit of {limit:,} bytes."
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 413, "too-many-fields", "The request has too many fields or files."
    if isinstance(exception, BadQueryString):
        return 400, "bad-query", str(exception)
    return 400, "bad-request", "The request could not be understood."


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return json_error(404, "not-found", str(exception) if exception else "Not found.")
    gone = getattr(exception, "unpublished", "")
    context = {"request_path": request.path, "gone": gone}
    return render(request, "404.html", context, status=410 if gone else 404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    status, code, message = _explain(exception)
    if _is_api(request):
        return json_error(status, code, message)
    html = render_to_string("400.html", {"message": message})
    return HttpResponse(html, status=status)


# -- query strings ---------------------------------------------------------------------


# No query parameter may hold, in its name or its value once decoded, a character no
# stored text may hold (skillfile.UNSTORABLE_CHARACTER says which and why): a filter or
# search with it would fail inside the database. Django decodes the query string as UTF-8
# with errors replaced, so malformed percent-encoding (%ff, an encoded surrogate
# %ed%a0%80, the overlong NUL %c0%80) already arrives as U+FFFD, ordinary text that is
# searched for like any other; the check keeps the rule true whatever the decoder.
def unstorable(text: str) -> bool:
    return UNSTORABLE_CHARACTER.search(text) is not None


def _why_unstorable(key: str) -> str:
    what = "a character that cannot be stored (NUL or an unpaired surrogate)"
    if unstorable(key):
        return f"A query parameter's name holds {what}."
    return f"The query parameter `{key[:40]}` holds {what}."


class QueryStringMiddleware:
    """Refuse a query string holding an unstorable character with 400, at one door.

    Without it, every view that passes a parameter to the database (the catalog, the
    API, bundles, the dashboard, the audit page, …) would have to guard itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for key, values in request.GET.lists():
            if unstorable(key) or any(unstorable(value) for value in values):
                return bad_request(request, BadQueryString(_why_unstorable(key)))
        return self.get_response(request)


# -- CSRF and server errors ----------------------------------------------------------------


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: JSON under /api/ (for a view there that is not exempt), else
    Django's page."""
    if _is_api(request):
        message = "The CSRF check failed" + (f": {reason}" if reason else ".")
        return json_error(403, "csrf", message)
    return csrf.csrf_failure(request, reason)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, else the standalone 500.html (no context, no base
    template, so that it renders whatever broke)."""
    if _is_api(request):
        return json_error(
            500, "server-error", "Something went wrong on our side; the error has been logged."
        )
    return defaults.server_error(request)
