"""The 400 page: say what was wrong with the request instead of Django's bare default.

Django turns a body over DATA_UPLOAD_MAX_MEMORY_SIZE (or too many fields or files)
into a 400 before any view runs; those are answered 413 with the limit named.
Under /api/ the answer is JSON, like every other API answer.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string


def _explain(exception) -> tuple[int, str, str]:
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, "too-large", f"The request is over the limit of {limit:,} bytes."
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 413, "too-many-fields", "The request has too many fields or files."
    return 400, "bad-request", "The request could not be understood."


def bad_request(request, exception=None) -> HttpResponse:
    status, code, message = _explain(exception)
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    html = render_to_string("400.html", {"message": message})
    return HttpResponse(html, status=status)
