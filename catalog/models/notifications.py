"""Notifications of reviews: one row per person per happening, read on the inbox page,
and an e-mail to those with an address once the transaction that caused it commits
(so that a write rolled back never mails anyone)."""

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mass_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from catalog.models.reviews import ChangeRequest

log = logging.getLogger("skillhub.mail")


class Notification(models.Model):
    class Kind(models.TextChoices):
        REVIEW_REQUESTED = "review-requested", "asked you to review"
        COMMENTED = "commented", "commented on"
        CHANGES_REQUESTED = "changes-requested", "requested changes on"
        APPROVED = "approved", "approved"
        PUBLISHED = "published", "published"
        CLOSED = "closed", "closed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    request = models.ForeignKey(
        "catalog.ChangeRequest", on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} #{self.request_id}"

    @property
    def sentence(self) -> str:
        """`alice requested changes on #4 Quote the branch name` (the inbox's line)."""
        who = self.actor.get_username() if self.actor else "Someone"
        return f"{who} {self.get_kind_display()} #{self.request_id} {self.request.title}"

    @classmethod
    def unread_count(cls, user) -> int:
        return cls.objects.filter(user=user, read_at__isnull=True).count()

    @classmethod
    def mark_read(cls, user, ids: Iterable[int] | None = None) -> int:
        """Mark `user`'s notifications read: those of `ids`, or all."""
        unread = cls.objects.filter(user=user, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=list(ids))
        return unread.update(read_at=timezone.now())


def notify(request: "ChangeRequest", kind: str, actor, user_ids: Iterable[int]) -> None:
    """Tell each of `user_ids` but the actor that `actor` did `kind` on `request`: an
    inbox row now, an e-mail after the transaction commits."""
    actor_id = getattr(actor, "pk", None)
    ids = sorted({pk for pk in user_ids if pk and pk != actor_id})
    if not ids:
        return
    Notification.objects.bulk_create(
        [
            Notification(user_id=pk, request=request, actor=actor if actor_id else None, kind=kind)
            for pk in ids
        ]
    )
    found = User.objects.filter(pk__in=ids, is_active=True).exclude(email="")
    # One message per address, even for two accounts that share one.
    addresses = list(dict.fromkeys(found.values_list("email", flat=True)))
    if addresses:
        sample = Notification(request=request, actor=actor if actor_id else None, kind=kind)
        subject, body = sample.sentence, _mail_body(request, sample.sentence)
        transaction.on_commit(lambda: _send(subject, body, addresses))


def _mail_body(request: "ChangeRequest", sentence: str) -> str:
    # SKILLHUB_PUBLIC_URL is set wherever mail is sent (the settings refuse to start
    # otherwise), so the links are whole URLs.
    site = settings.SKILLHUB_PUBLIC_URL
    inbox = reverse("editor:inbox")
    return f"{sentence}\n\n{site}{request.get_absolute_url()}\n\nYour inbox: {site}{inbox}\n"


def _send(subject: str, body: str, addresses: list[str]) -> None:
    # One message per address, so no one sees the others' addresses.
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
    try:
        send_mass_mail(messages, fail_silently=False)
    except OSError as error:  # the mail server is down: the inbox still has it
        log.error("mail not sent", extra={"fields": {"subject": subject, "error": str(error)}})
