"""The request the editor's views are typed with: signed in, htmx set."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class EditorRequest(HttpRequest):
    """What the editor's views are sent (django-stubs' AuthenticatedHttpRequest): each is
    login_required, so the user is signed in, and HtmxMiddleware has set `htmx`. A type
    only: Django passes its own request."""

    user: User
    htmx: HtmxDetails
