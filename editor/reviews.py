"""Change requests in the editor: open one, read its diff, comment on lines, review,
publish or close (the domain is catalog/models/reviews.py; what the page shows is
arranged by editor/review_pages.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import ChangeRequest, Review
from editor import pages
from editor.forms import add_errors
from editor.requests import EditorRequest
from editor.review_pages import (
    CommentForm,
    RequestForm,
    ReviewForm,
    VersionSeenForm,
    file_blocks,
    problems_of,
    review_rows,
    threads_of,
)

PAGE = "editor/request.html"


def _get_request(number: int) -> ChangeRequest:
    """The change request numbered `number`, or 404."""
    try:
        return ChangeRequest.objects.select_related(
            "skill__published", "version__analysis", "author"
        ).get(pk=number, skill__archived=False)
    except ChangeRequest.DoesNotExist:
        raise Http404(f"There is no change request #{number}.") from None


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: EditorRequest, kind: str, name: str) -> HttpResponse:
    skill = pages.editable_item(kind, name)
    latest = skill.latest_version
    form = RequestForm(request.POST or None, initial={"title": latest.message})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = ChangeRequest.open(
                skill, latest, request.user, data["title"], data["description"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Opened {change}: reviewers are asked.")
            return redirect(change.get_absolute_url())
    context = {"skill": skill, "latest": latest, "form": form}
    return render(request, "editor/request_new.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def request_list(request: EditorRequest) -> HttpResponse:
    status = request.GET.get("status", ChangeRequest.Status.OPEN)
    show = request.GET.get("show", "")
    changes = ChangeRequest.objects.filter(skill__archived=False).select_related(
        "skill__published", "author", "version__analysis"
    )
    if status in ChangeRequest.Status.values:
        changes = changes.filter(status=status)
    if show == "mine":
        changes = changes.filter(author=request.user)
    elif show == "assigned":
        changes = changes.filter(assignees=request.user)
    # Each row's state reads its reviews: fetched for the whole page at once.
    reviews = Prefetch("reviews", queryset=Review.objects.select_related("reviewer"))
    changes = changes.prefetch_related("assignees", reviews)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "show": show, "statuses": ChangeRequest.Status}
    return render(request, "editor/request_list.html", context)


def _page(
    request: EditorRequest,
    change: ChangeRequest,
    *,
    failed: str = "",
    form: CommentForm | ReviewForm | None = None,
    status: int = 200,
    partial: str = "",
) -> HttpResponse:
    """The request page (or one of its partials), with `form` shown with its errors where
    it was sent from (`failed`: "request", "reply-<id>", "line" or "review")."""
    line_at: tuple[str, str, int] | tuple[()] = ()
    if failed == "line" and isinstance(form, CommentForm) and form.is_valid():
        data = form.cleaned_data
        line_at = (data["path"], data["side"], data["line"])
    elif request.method == "GET":
        asked = CommentForm(request.GET)  # ?path=&side=&line=: the form under that line
        if asked.is_valid() and asked.cleaned_data["line"]:
            data = asked.cleaned_data
            line_at = (data["path"], data["side"], data["line"])
    threads = threads_of(change)
    last = change.last_reviewed_version(request.user)
    context = {
        "change": change,
        "skill": change.skill,
        "state": change.state(),
        "missing": change.missing() if change.is_open else None,
        "widenings": change.widenings(),
        "problems": problems_of(change.version),
        "blocks": file_blocks(change, threads, line_at),
        "talk": [t for t in threads if not t.top.line],
        "reviews": review_rows(change),
        "last_reviewed": last if last is not None and last.pk != change.version_id else None,
        "old": change.skill.published if change.is_open else None,
        "may_publish": change.is_open and change.may_publish(request.user),
        "may_close": change.is_open and change.may_close(request.user),
        "failed": failed,
        "form": form,
        "line_at": line_at,
    }
    if partial and request.htmx:
        return render(request, f"{PAGE}#{partial}", context)
    return render(request, PAGE, context, status=status)


@login_required
@require_GET
def request_page(request: EditorRequest, number: int) -> HttpResponse:
    change = _get_request(number)
    # htmx asks for the comment form under one line (the link works without it too).
    return _page(request, change, partial="line-form" if request.GET.get("line") else "")


def _back(request: EditorRequest, change: ChangeRequest, anchor: str = "") -> HttpResponse:
    if request.htmx:
        return _page(request, change, partial="conversation")
    return redirect(change.get_absolute_url() + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def comment(request: EditorRequest, number: int) -> HttpResponse:
    """A comment on the request, on a line of its diff, or a reply in a thread."""
    change = _get_request(number)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, change, failed="request", form=form, status=400)
    data = form.cleaned_data
    reply_to = None
    if data["reply_to"]:
        reply_to = change.comments.filter(pk=data["reply_to"]).first()
        if reply_to is None:
            raise Http404("There is no such comment on this request.")
    where = f"reply-{reply_to.pk}" if reply_to else "line" if data["line"] else "request"
    try:
        made = change.comment(
            request.user, data["body"], data["path"], data["side"], data["line"], reply_to
        )
    except ValidationError as error:
        add_errors(form, error)
        if hasattr(error, "error_dict") and "line" in error.error_dict:
            where = "request"  # no such line to show the form under
        status = 200 if request.htmx else 400  # htmx swaps only a 2xx answer
        return _page(
            request, change, failed=where, form=form, status=status, partial="conversation"
        )
    return _back(request, change, f"comment-{made.pk}")


@login_required
@require_POST
def resolve(request: EditorRequest, number: int, comment: int) -> HttpResponse:
    change = _get_request(number)
    top = change.comments.filter(pk=comment, reply_to=None).first()
    if top is None:
        raise Http404("There is no such thread on this request.")
    try:
        top.resolve(request.user, resolved=request.POST.get("resolved", "1") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(request, change, f"comment-{top.pk}")


@login_required
@require_POST
def review(request: EditorRequest, number: int) -> HttpResponse:
    change = _get_request(number)
    form = ReviewForm(request.POST)
    form.is_valid()  # every field is optional: the domain says what is missing
    data = form.cleaned_data
    try:
        change.review(
            request.user,
            data.get("verdict", ""),
            data.get("body", ""),
            acknowledged=request.POST.getlist("acknowledged"),
            warnings_read=data.get("warnings_read", False),
            seen=data.get("version"),
        )
    except ValidationError as error:
        add_errors(form, error)
        status = 200 if request.htmx else 400
        return _page(
            request, change, failed="review", form=form, status=status, partial="conversation"
        )
    if not request.htmx:  # htmx shows the review in place
        messages.success(request, f"Review of {change} saved.")
    return _back(request, change, "reviews")


@login_required
@require_POST
def publish(request: EditorRequest, number: int) -> HttpResponse:
    change = _get_request(number)
    if not change.may_publish(request.user):
        raise PermissionDenied("Only publishers and the item's owners publish.")
    seen = VersionSeenForm(request.POST)
    try:
        change.publish(request.user, seen.cleaned_data["version"] if seen.is_valid() else None)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Published v{change.version.number}, as {change} asked.")
    return _ended(request, change)


@login_required
@require_POST
def close(request: EditorRequest, number: int) -> HttpResponse:
    change = _get_request(number)
    if not change.may_close(request.user):
        raise PermissionDenied("Only its author or a publisher closes a request.")
    try:
        change.close(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Closed {change}.")
    return _ended(request, change)


def _ended(request: EditorRequest, change: ChangeRequest) -> HttpResponse:
    """Publishing or closing changes the whole page: htmx reloads it."""
    if request.htmx:
        return HttpResponseClientRedirect(change.get_absolute_url())
    return redirect(change.get_absolute_url())
