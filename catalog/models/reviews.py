"""Review before publish: change requests, their reviews and line comments, and the policy
that publishing goes through.

A change request asks to publish a version of an item. While it is open it follows the
item: every version saved on the item becomes the request's version (Skill.save_version),
and reviews count only for the version they were given on, so an approval never covers
lines its reviewer did not see. Comments sit on a line of the diff (either side) or on
the request as a whole; each keeps the line's text as it was, and shows as outdated once
the line it was written on says something else.

The policy (settings SKILLHUB_REQUIRED_APPROVALS, SKILLHUB_SELF_APPROVAL) is applied by
publish_version, which every publication made for a person goes through; with approvals
required, only an approved request publishes, or a superuser's recorded break-glass
publish, or a publication on the server itself (`manage.py import_skills --publish`).
The one publication that does not go through it is a rename's (Skill.rename): the live
version again with only its `name` line changed, recorded as "renamed from …, nothing
else".
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog import rendering
from catalog.models.events import Event
from catalog.models.notifications import Notification, notify
from catalog.models.owners import owner_user_ids
from catalog.models.review_sides import SKILL_MD, line_of, widenings
from catalog.models.skills import PUBLISH_PERMISSION, Result, Skill
from catalog.models.versions import Version

TITLE_MAX = 200
TEXT_MAX = 20_000  # a description, a review or a comment


def _rendered(text: str) -> str:
    return rendering.render_markdown(text, settings.SKILLHUB_IMAGE_HOSTS) if text else ""


def _checked_text(text: str, what: str, required: bool = False) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError({"body": f"Write the {what}."})
    if len(text) > TEXT_MAX:
        raise ValidationError({"body": f"The {what} is over {TEXT_MAX:,} characters."})
    return text


class ChangeRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "open"
        PUBLISHED = "published", "published"
        CLOSED = "closed", "closed"

    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="change_requests")
    # The version it asks to publish: the item's latest while open, then the one published.
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True)
    description_html = models.TextField(blank=True)  # rendered once, on write
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_requests"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["skill"], condition=Q(status="open"), name="changerequest_one_open_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("editor:request", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def open(
        cls, skill: Skill, version: Version, user, title: str, description: str = ""
    ) -> "ChangeRequest":
        """Ask for `version` of `skill` to be published; the item's owners are assigned
        and told. One open request per item."""
        title = " ".join((title or "").split())
        if not title:
            raise ValidationError({"title": "Give the request a title."})
        if len(title) > TITLE_MAX:
            raise ValidationError({"title": f"The title is over {TITLE_MAX} characters."})
        description = _checked_text(description, "description")
        with transaction.atomic():
            skill = Skill.objects.select_for_update().get(pk=skill.pk)
            if version.skill_id != skill.pk:
                raise ValidationError({"version": "That version belongs to another item."})
            if version.pk == skill.published_id:
                raise ValidationError(
                    {"version": f"v{version.number} is the published version already."}
                )
            if version.pk != skill.latest_id:
                raise ValidationError(
                    {
                        "version": f"v{skill.latest_version.number} is the latest: "
                        "ask to publish that one."
                    }
                )
            existing = skill.change_requests.filter(status=cls.Status.OPEN).first()
            if existing is not None:
                raise ValidationError({"title": f"{existing} is open for this item already."})
            try:
                with transaction.atomic():
                    request = cls.objects.create(
                        skill=skill,
                        version=version,
                        title=title,
                        description=description,
                        description_html=_rendered(description),
                        author=user,
                    )
            except IntegrityError:  # someone opened one this instant
                raise ValidationError(
                    {"title": "A request is open for this item already."}
                ) from None
            owners = owner_user_ids(skill) - {user.pk}
            request.assignees.set(owners)
            Event.record(
                Event.Action.REQUEST, skill, user, version, detail=str(request), request=request
            )
            notify(request, Notification.Kind.REVIEW_REQUESTED, user, owners)
        return request

    # -- what it holds ----------------------------------------------------------------

    def current_reviews(self) -> list["Review"]:
        """Each reviewer's newest review of the request's current version (from the
        reviews prefetched with their reviewers, when a list page did: no query then)."""
        if "reviews" in getattr(self, "_prefetched_objects_cache", {}):
            found = [r for r in self.reviews.all() if r.version_id == self.version_id]
        else:
            found = list(self.reviews.filter(version=self.version_id).select_related("reviewer"))
        newest: dict[int, Review] = {}
        for review in sorted(found, key=lambda review: (review.created_at, review.pk)):
            newest[review.reviewer_id] = review
        return sorted(newest.values(), key=lambda review: review.reviewer.get_username())

    def version_authors(self) -> set[int]:
        """Who wrote the versions this request would publish (those after the published
        one): none of them may approve it unless the policy allows self-approval."""
        published = self.skill.published
        after = published.number if published is not None else 0
        written = self.skill.versions.filter(number__gt=after, number__lte=self.version.number)
        return {self.author_id, *written.exclude(author=None).values_list("author_id", flat=True)}

    def may_publish(self, user) -> bool:
        """Publishers, and the owners of the item."""
        return user.has_perm(PUBLISH_PERMISSION) or user.pk in owner_user_ids(self.skill)

    def may_close(self, user) -> bool:
        """Its author, and publishers."""
        return self.author_id == user.pk or user.has_perm(PUBLISH_PERMISSION)

    def last_reviewed_version(self, user) -> Version | None:
        """The newest version `user` reviewed here (for "what changed since your review")."""
        review = self.reviews.filter(reviewer=user).order_by("-created_at", "-id").first()
        return review.version if review else None

    def widenings(self) -> tuple[str, ...]:
        """What the request's version may do that the published one could not."""
        return widenings(self.skill.published, self.version)

    def state(self) -> str:
        """open, changes-requested, approved, published or closed."""
        if not self.is_open:
            return self.status
        reviews = self.current_reviews()
        if any(review.verdict == Review.Verdict.CHANGES for review in reviews):
            return "changes-requested"
        return "approved" if self.missing(reviews) is None else "open"

    def missing(self, reviews: "list[Review] | None" = None) -> str | None:
        """What the request still needs before it can be published, None when nothing."""
        version = self.version
        if version.result == Result.ERROR:
            return f"v{version.number} has errors: fix them first."
        reviews = self.current_reviews() if reviews is None else reviews
        changes = [
            r.reviewer.get_username() for r in reviews if r.verdict == Review.Verdict.CHANGES
        ]
        if changes:
            return f"{', '.join(changes)} requested changes on v{version.number}."
        approvers = {r.reviewer_id for r in reviews if r.verdict == Review.Verdict.APPROVE}
        if approvers and not settings.SKILLHUB_SELF_APPROVAL:
            approvers -= self.version_authors()  # approved before they saved a version
        required = settings.SKILLHUB_REQUIRED_APPROVALS
        if len(approvers) < required:
            more = required - len(approvers)
            return f"v{version.number} needs {more} more approval{'s' if more > 1 else ''}."
        owners = owner_user_ids(self.skill)
        if owners and required and not approvers & owners:
            return f"An owner of {self.skill.display_name} must approve v{version.number}."
        return None

    # -- reviewing --------------------------------------------------------------------

    def review(
        self,
        user,
        verdict: str,
        body: str = "",
        *,
        acknowledged=(),
        warnings_read: bool = False,
        seen: int | None = None,
    ) -> "Review":
        """`user` approves the current version or requests changes. An approval names every
        widening it accepts (all of them must be) and, on a version with warnings, says
        they were read; whoever opened the request or wrote one of its versions approves it
        only if the policy lets them. `seen` is the version the reviewer's page showed: a
        review of a version saved since is refused, so nobody approves lines unread."""
        if verdict not in Review.Verdict.values:
            raise ValidationError({"verdict": "Approve, or request changes."})
        body = _checked_text(body, "review", required=verdict == Review.Verdict.CHANGES)
        with transaction.atomic():
            request = (
                ChangeRequest.objects.select_for_update(of=("self",))
                .select_related("version")
                .get(pk=self.pk)
            )
            if not request.is_open:
                raise ValidationError({"verdict": f"{request} is {request.status}."})
            version = request.version
            if seen is not None and seen != version.number:
                raise ValidationError({"verdict": _moved_on(version)})
            # Only what the version really widens is recorded as acknowledged.
            acknowledged = sorted(set(acknowledged) & set(request.widenings()))
            if verdict == Review.Verdict.APPROVE:
                own = user.pk in request.version_authors()
                if own and not settings.SKILLHUB_SELF_APPROVAL:
                    raise ValidationError(
                        {"verdict": "You cannot approve your own request: ask a reviewer."}
                    )
                if version.result == Result.ERROR:
                    raise ValidationError(
                        {"verdict": f"v{version.number} has errors: it cannot be approved."}
                    )
                if version.result == Result.WARNING and not warnings_read:
                    raise ValidationError(
                        {"warnings_read": f"Say that you read the warnings of v{version.number}."}
                    )
                unacknowledged = [w for w in request.widenings() if w not in acknowledged]
                if unacknowledged:
                    raise ValidationError(
                        {
                            "acknowledged": "Acknowledge what it may now do: "
                            f"{'; '.join(unacknowledged)}."
                        }
                    )
            review = Review.objects.create(
                request=request,
                reviewer=user,
                version=version,
                verdict=verdict,
                body=body,
                body_html=_rendered(body),
                acknowledged=acknowledged if verdict == Review.Verdict.APPROVE else [],
                warnings_read=warnings_read and verdict == Review.Verdict.APPROVE,
            )
            detail = f"{request}: {review.get_verdict_display()} v{version.number}"
            if review.acknowledged:
                detail += f", acknowledging {'; '.join(review.acknowledged)}"
            Event.record(
                Event.Action.REVIEW,
                request.skill,
                user,
                version,
                detail=detail[:600],
                request=request,
            )
            kind = (
                Notification.Kind.APPROVED
                if verdict == Review.Verdict.APPROVE
                else Notification.Kind.CHANGES_REQUESTED
            )
            notify(request, kind, user, [request.author_id])
            ChangeRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now())
        return review

    def comment(
        self,
        user,
        body: str,
        path: str = "",
        side: str = "",
        line: int | None = None,
        reply_to: "Comment | None" = None,
    ) -> "Comment":
        """A comment on the request, on line `line` of `side` ("old": the published
        version, "new": the request's) of file `path`, or a reply in a thread."""
        body = _checked_text(body, "comment", required=True)
        with transaction.atomic():
            request = (
                ChangeRequest.objects.select_for_update(of=("self",))
                .select_related("version", "skill__published")
                .get(pk=self.pk)
            )
            if not request.is_open:
                raise ValidationError(
                    {"body": f"{request} is {request.status}: it takes no more comments."}
                )
            if reply_to is not None:
                if reply_to.request_id != request.pk or reply_to.reply_to_id is not None:
                    raise ValidationError({"body": "Reply to a comment of this request."})
                path, side, line = reply_to.path, reply_to.side, reply_to.line
                line_text = reply_to.line_text
            else:
                line_text = line_of(request, path, side, line)
            comment = Comment.objects.create(
                request=request,
                author=user,
                version=request.version,
                reply_to=reply_to,
                path=path if line else "",
                side=side if line else "",
                line=line or None,
                line_text=line_text,
                body=body,
                body_html=_rendered(body),
            )
            where = f" on {path or SKILL_MD} line {line}" if line else ""
            Event.record(
                Event.Action.COMMENT,
                request.skill,
                user,
                request.version,
                detail=f"{request}{where}"[:600],
                request=request,
            )
            thread = (
                [reply_to.author_id, *reply_to.replies.values_list("author_id", flat=True)]
                if reply_to
                else []
            )
            notify(
                request,
                Notification.Kind.COMMENTED,
                user,
                [request.author_id, *thread, *request.assignees.values_list("pk", flat=True)],
            )
            ChangeRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now())
        return comment

    # -- ending -----------------------------------------------------------------------

    def publish(self, user, seen: int | None = None) -> None:
        """Publish the approved version and end the request. `seen`: the version the
        publisher's page showed; one saved since is not published unread."""
        with transaction.atomic():
            # The item first, as a save locks it before it moves the request: the same
            # order, so the two wait for each other instead of deadlocking.
            Skill.objects.select_for_update().get(pk=self.skill_id)
            request = ChangeRequest.objects.select_for_update().get(pk=self.pk)
            if not request.is_open:
                raise ValidationError(f"{request} is {request.status}.")
            if seen is not None and seen != request.version.number:
                raise ValidationError(_moved_on(request.version))
            missing = request.missing()
            if missing:
                raise ValidationError(missing)
            approvers = [
                r.reviewer.get_username()
                for r in request.current_reviews()
                if r.verdict == Review.Verdict.APPROVE
            ]
            request.skill.publish(
                request.version,
                user,
                detail=f"{request}, reviewed by {', '.join(approvers) or 'no one'}",
                request=request,
            )
            request._end(self.Status.PUBLISHED, user)
            reviewers = request.reviews.values_list("reviewer_id", flat=True)
            notify(request, Notification.Kind.PUBLISHED, user, [request.author_id, *reviewers])
        self.status = request.status

    def close(self, user) -> None:
        """End the request without publishing (its author, or a publisher, decides)."""
        with transaction.atomic():
            Skill.objects.select_for_update().get(pk=self.skill_id)  # as publish does
            request = ChangeRequest.objects.select_for_update().get(pk=self.pk)
            if not request.is_open:
                raise ValidationError(f"{request} is {request.status} already.")
            request._end(self.Status.CLOSED, user)
            Event.record(
                Event.Action.CLOSE_REQUEST,
                request.skill,
                user,
                request.version,
                detail=str(request),
                request=request,
            )
            notify(
                request,
                Notification.Kind.CLOSED,
                user,
                [request.author_id, *request.assignees.values_list("pk", flat=True)],
            )
        self.status = request.status

    def end_published(self, user) -> None:
        """Its version went live without it (a break-glass publication): it ends so."""
        self._end(self.Status.PUBLISHED, user)
        notify(self, Notification.Kind.PUBLISHED, user, [self.author_id])

    def _end(self, status: str, user) -> None:
        now = timezone.now()
        ChangeRequest.objects.filter(pk=self.pk).update(
            status=status,
            closed_at=now,
            closed_by=user if getattr(user, "pk", None) else None,
            updated_at=now,
        )
        self.status, self.closed_at = status, now


def _moved_on(version: Version) -> str:
    return f"v{version.number} was saved since you looked: read it, then review again."


class Review(models.Model):
    class Verdict(models.TextChoices):
        APPROVE = "approve", "approved"
        CHANGES = "changes", "requested changes"

    request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    # The widenings the approver accepted, in words (plugin_changes' wording), and whether
    # they read the version's warnings.
    acknowledged = models.JSONField(default=list, blank=True)
    warnings_read = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.verdict} v{self.version.number}"


class Comment(models.Model):
    request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")  # written on
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    # Where: file `path` (SKILL.md or a skill's file), side "old" (published) or "new"
    # (the request's version), line number; all empty for a comment on the whole request.
    path = models.CharField(max_length=500, blank=True)
    side = models.CharField(max_length=3, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True)
    line_text = models.TextField(blank=True)  # the line as it read when commented on
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on #{self.request_id}"

    def is_outdated(self, current_lines: "dict[tuple[str, str], list[str]]") -> bool:
        """Whether the line it was written on now says something else. `current_lines`
        is each (path, side)'s lines as the request shows them now (lines_by_side)."""
        if self.line is None:
            return False
        lines = current_lines.get((self.path, self.side), [])
        return self.line > len(lines) or lines[self.line - 1] != self.line_text

    def resolve(self, user, resolved: bool = True) -> None:
        """Mark the thread (a top comment) resolved, or open it again."""
        if self.reply_to_id is not None:
            raise ValidationError("Resolve the thread's first comment.")
        if not self.request.is_open:
            raise ValidationError(f"{self.request} is {self.request.status}.")
        Comment.objects.filter(pk=self.pk).update(
            resolved_at=timezone.now() if resolved else None, resolved_by=user if resolved else None
        )
        self.resolved_at = timezone.now() if resolved else None


def publish_version(skill: Skill, version: Version, user, *, on_server: bool = False) -> str:
    """Publish `version` as the review policy allows, and say how: with no approvals
    required, directly; else through its approved change request, or as a recorded
    break-glass publication by a superuser or on the server; otherwise ValidationError
    saying what is missing, and nothing changes."""
    skill.refuse_unpublishable(version)
    if settings.SKILLHUB_REQUIRED_APPROVALS == 0:
        skill.publish(version, user)
        return f"Published v{version.number}."
    request = skill.change_requests.filter(
        status=ChangeRequest.Status.OPEN, version=version
    ).first()
    if request is not None and request.missing() is None:
        request.publish(user)
        return f"Published v{version.number}, as {request} asked."
    if on_server or getattr(user, "is_superuser", False):
        with transaction.atomic():
            skill.publish(version, user, detail="published without review", request=request)
            if request is not None:  # what it asked for is live now
                request.end_published(user)
        return f"Published v{version.number} without review (recorded on the audit page)."
    if request is not None:
        raise ValidationError(f"{request} is not approved yet: {request.missing()}")
    raise ValidationError(
        f"v{version.number} has not been reviewed: open a change request and have it "
        "approved first."
    )


def reviewed_by(skill: Skill) -> list[str]:
    """Who approved the published version, through the request that published it."""
    request = (
        skill.change_requests.filter(
            status=ChangeRequest.Status.PUBLISHED, version=skill.published_id
        )
        .order_by("-closed_at")
        .first()
    )
    if request is None:
        return []
    return [
        r.reviewer.get_username()
        for r in request.current_reviews()
        if r.verdict == Review.Verdict.APPROVE
    ]
