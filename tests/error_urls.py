"""The project's URLs, handlers included, plus views that fail in the ways
skillhub/errors.py answers for: one that raises (a bug), and an /api/ view that reads a
form and is not exempt from CSRF (as a future write endpoint might be). The project's
own API views cannot fail that way, so tests select this URLconf with
`@pytest.mark.urls("tests.error_urls")`."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from skillhub.urls import *  # noqa: F403  (handler400 and handler500 come with it)
from skillhub.urls import urlpatterns as project_urlpatterns


def broken(request):
    raise RuntimeError("a bug that must not reach the client")


@require_POST
def form_reader(request):
    return JsonResponse({"fields": len(request.POST)})


urlpatterns = [
    path("api/test/broken", broken),
    path("api/test/form", form_reader),
    path("test/broken", broken),
    *project_urlpatterns,
]
