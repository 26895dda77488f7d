"""Who a change request's happenings notify (catalog/models/notifications.py): the inbox rows
each action makes, never for the one who acted, and the e-mail sent only once the write
commits, one message per address."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from catalog.models import ChangeRequest, Notification
from catalog.models.owners import set_owners
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db

FIXED = GOOD_COMMAND.replace("list risky changes", "list risky changes, worst first")


@pytest.fixture
def people():
    """An author, two reviewers, an owner and a bystander, each with an address."""
    return {name: make_user(name) for name in ("ann", "rex", "rita", "olga", "bea")}


def open_request(author, owners=(), groups=()):
    skill = make_skill(name="review", author=author, publish=True)
    set_owners(skill, list(owners), list(groups), author)
    skill.save_version(FIXED, author)
    skill.refresh_from_db()
    return ChangeRequest.open(skill, skill.latest, author, "Worst first")


def told(kind=None) -> dict[str, set[str]]:
    """Each notified user's kinds, by username."""
    rows = Notification.objects.select_related("user")
    if kind:
        rows = rows.filter(kind=kind)
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row.user.username, set()).add(row.kind)
    return found


def test_opening_a_request_asks_each_owner_to_review_members_of_an_owning_group_too(people):
    reviewers = Group.objects.create(name="reviewers")
    people["rita"].groups.add(reviewers)
    request = open_request(
        people["ann"], owners=[people["olga"], people["ann"]], groups=[reviewers]
    )
    assert told() == {"olga": {"review-requested"}, "rita": {"review-requested"}}
    assert set(request.assignees.values_list("username", flat=True)) == {"olga", "rita"}
    sentence = Notification.objects.get(user=people["olga"]).sentence
    assert sentence == f"ann asked you to review #{request.pk} Worst first"


def test_opening_a_request_on_an_item_without_owners_notifies_no_one(people):
    open_request(people["ann"])
    assert Notification.objects.count() == 0


def test_a_comment_tells_the_author_the_assignees_and_the_thread_but_never_the_commenter(people):
    request = open_request(people["ann"], owners=[people["olga"]])
    Notification.objects.all().delete()
    first = request.comment(people["rex"], "Why worst first?")
    assert told() == {"ann": {"commented"}, "olga": {"commented"}}

    Notification.objects.all().delete()
    request.comment(people["bea"], "Because it reads better.", reply_to=first)
    assert told() == {"ann": {"commented"}, "olga": {"commented"}, "rex": {"commented"}}

    Notification.objects.all().delete()
    request.comment(people["ann"], "Agreed.", reply_to=first)
    assert set(told()) == {"olga", "rex", "bea"}  # the author wrote it: not told


def test_a_review_tells_the_author_whether_it_approved_or_asked_for_changes(people):
    request = open_request(people["ann"], owners=[people["olga"]])
    Notification.objects.all().delete()
    request.review(people["rex"], "changes", "Say why.")
    request.review(people["olga"], "approve")
    assert told() == {"ann": {"changes-requested", "approved"}}
    assert Notification.objects.get(kind="approved").actor == people["olga"]


def test_publishing_tells_the_author_and_every_reviewer_but_the_publisher(people):
    request = open_request(people["ann"])
    request.review(people["rex"], "approve")
    request.review(people["rita"], "approve")
    Notification.objects.all().delete()
    request.publish(people["rita"])
    assert told() == {"ann": {"published"}, "rex": {"published"}}


def test_closing_tells_the_author_and_the_assignees(people):
    request = open_request(people["ann"], owners=[people["olga"]])
    Notification.objects.all().delete()
    request.close(people["bea"])
    assert told() == {"ann": {"closed"}, "olga": {"closed"}}


def test_unread_counts_are_per_person_and_marking_read_touches_only_ones_own(people):
    request = open_request(people["ann"], owners=[people["olga"]])
    request.comment(people["rex"], "One")
    request.comment(people["rex"], "Two")
    ann, olga = people["ann"], people["olga"]
    assert Notification.unread_count(ann) == 2 and Notification.unread_count(olga) == 3
    oldest_of_ann = Notification.objects.filter(user=ann).last()
    olgas = list(Notification.objects.filter(user=olga).values_list("pk", flat=True))

    assert Notification.mark_read(ann, [oldest_of_ann.pk, *olgas]) == 1  # not olga's
    assert Notification.unread_count(ann) == 1 and Notification.unread_count(olga) == 3
    assert Notification.mark_read(olga) == 3
    assert Notification.unread_count(olga) == 0 and Notification.unread_count(ann) == 1
    assert Notification.mark_read(olga) == 0  # read ones stay as they were


# -- e-mail ---------------------------------------------------------------------------


def test_an_approval_mails_the_author_once_the_write_commits(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    request = open_request(people["ann"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request.review(people["rex"], "approve")
        assert mailoutbox == []  # not before the commit
    assert len(callbacks) == 1
    [mail] = mailoutbox
    assert mail.to == ["ann@example.com"]
    assert mail.subject == f"rex approved #{request.pk} Worst first"
    assert f"/edit/requests/{request.pk}/" in mail.body and "/edit/inbox" in mail.body


def test_a_write_rolled_back_mails_no_one(people, mailoutbox, django_capture_on_commit_callbacks):
    request = open_request(people["ann"])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        request.review(people["rex"], "approve")
        raise RuntimeError("something after it failed")
    assert callbacks == [] and mailoutbox == []
    assert not Notification.objects.exists()


def test_people_without_an_address_get_no_mail_but_an_inbox_row(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    people["ann"].email = ""
    people["ann"].save()
    request = open_request(people["ann"])
    with django_capture_on_commit_callbacks(execute=True):
        request.review(people["rex"], "approve")
    assert mailoutbox == []
    assert Notification.unread_count(people["ann"]) == 1


def test_each_address_gets_a_message_of_its_own(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    request = open_request(people["ann"])
    request.review(people["rex"], "approve")
    request.review(people["rita"], "approve")
    with django_capture_on_commit_callbacks(execute=True):
        request.publish(people["bea"])
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "ann@example.com",
        "rex@example.com",
        "rita@example.com",
    ]
    assert all(len(mail.to) == 1 and not mail.cc and not mail.bcc for mail in mailoutbox)


@pytest.mark.django_db(transaction=True)
def test_mail_goes_out_when_a_real_transaction_commits_and_not_before(people, mailoutbox):
    request = open_request(people["ann"])
    with transaction.atomic():
        request.review(people["rex"], "changes", "Say why.")
        assert mailoutbox == []
    [mail] = mailoutbox
    assert mail.to == ["ann@example.com"] and "requested changes on" in mail.subject


def test_two_accounts_sharing_an_address_get_one_message_there(
    people, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SKILLHUB_PUBLIC_URL = "https://skills.example.com"
    people["rita"].email = "rex@example.com"
    people["rita"].save()
    request = open_request(people["ann"])
    request.review(people["rex"], "approve")
    request.review(people["rita"], "approve")
    with django_capture_on_commit_callbacks(execute=True):
        request.publish(people["bea"])
    assert sorted(mail.to[0] for mail in mailoutbox) == ["ann@example.com", "rex@example.com"]
    assert f"https://skills.example.com/edit/requests/{request.pk}/" in mailoutbox[0].body
