"""Review before publish, in the domain (catalog/models/reviews.py): a change request
follows its item, reviews count for the version they saw, comments keep their line, and
the policy decides who may publish what."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection

from catalog.models import ChangeRequest, Event, Review, Skill, publish_version, reviewed_by
from catalog.models.owners import set_owners
from catalog.models.review_sides import lines_by_side, widenings
from catalog.skilltree import TreeFile
from tests.factories import GOOD_COMMAND, make_skill, make_user, run_together

pytestmark = pytest.mark.django_db

STEPS = "---\ndescription: Deploy a branch\n---\n1. Build it.\n2. Test it.\n3. Ship it.\n"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so nothing races",
)
WARNED = "Deploy it.\n"  # no description: a warning


@pytest.fixture
def people():
    return {
        "ann": make_user("ann"),  # the author
        "rev": make_user("rev"),  # a reviewer
        "pub": make_user("pub", publisher=True),
        "root": make_user("root", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def item(people):
    """deploy: v1 published, v2 (by ann) not yet."""
    skill = make_skill(name="deploy", text=STEPS, publish=True)
    skill.save_version(STEPS.replace("Test it.", "Test it twice."), people["ann"], base_number=1)
    return Skill.objects.get(pk=skill.pk)


def open_request(item, author, title="Test twice"):
    return ChangeRequest.open(item, item.latest, author, title, "Tests were *flaky*.")


def test_a_request_asks_to_publish_the_latest_version_and_renders_its_description(item, people):
    request = open_request(item, people["ann"])
    assert (request.version.number, request.state()) == (2, "open")
    assert request.description_html == "<p>Tests were <em>flaky</em>.</p>\n"
    assert Event.objects.filter(action="request", request=request).exists()


def test_a_request_for_the_published_version_or_an_older_one_is_refused(item, people):
    with pytest.raises(ValidationError, match="published version already"):
        ChangeRequest.open(item, item.published, people["ann"], "Again")
    item.save_version(STEPS + "4. Tell.\n", people["ann"], base_number=2)
    with pytest.raises(ValidationError, match="v3 is the latest"):
        ChangeRequest.open(item, item.versions.get(number=2), people["ann"], "Old")


def test_an_item_has_one_open_request_at_a_time(item, people):
    open_request(item, people["ann"])
    with pytest.raises(ValidationError, match="is open for this item already"):
        open_request(item, people["rev"], "Another")
    # and the database itself refuses a second one, whatever the code above did
    with pytest.raises(IntegrityError):
        ChangeRequest.objects.create(
            skill=item, version=item.latest, title="x", author=people["rev"]
        )


def test_a_request_follows_each_version_saved_on_its_item(item, people):
    request = open_request(item, people["ann"])
    item.save_version(item.latest.text + "4. Tell.\n", people["ann"], base_number=2)
    request.refresh_from_db()
    assert request.version.number == 3


def test_an_approval_counts_only_for_the_version_it_saw(item, people):
    request = open_request(item, people["ann"])
    request.review(people["rev"], "approve")
    assert request.state() == "approved" and request.missing() is None
    item.save_version(item.latest.text + "4. Tell.\n", people["ann"], base_number=2)
    request.refresh_from_db()
    assert request.state() == "open"
    assert request.missing() == "v3 needs 1 more approval."


def test_an_author_cannot_approve_their_own_request_unless_the_policy_allows(
    item, people, settings
):
    request = open_request(item, people["ann"])
    with pytest.raises(ValidationError, match="cannot approve your own request"):
        request.review(people["ann"], "approve")
    assert not Review.objects.exists()
    settings.SKILLHUB_SELF_APPROVAL = True
    request.review(people["ann"], "approve")
    assert request.state() == "approved"


def test_changes_requested_need_a_reason_and_hold_the_request_back(item, people):
    request = open_request(item, people["ann"])
    with pytest.raises(ValidationError, match="Write the review"):
        request.review(people["rev"], "changes")
    request.review(people["rev"], "changes", "Say which tests.")
    request.review(people["pub"], "approve")
    assert request.state() == "changes-requested"
    assert request.missing() == "rev requested changes on v2."


def test_a_widening_must_be_acknowledged_by_the_approver(people):
    skill = make_skill(name="deploy", text=STEPS, publish=True)
    widened = STEPS.replace("---\n1.", "allowed-tools: Bash\nmodel: opus\n---\n1.")
    skill.save_version(widened, people["ann"], base_number=1)
    request = open_request(Skill.objects.get(pk=skill.pk), people["ann"])
    assert request.widenings() == ("allowed-tools adds Bash", "model (default) → opus")
    with pytest.raises(ValidationError, match="Acknowledge what it may now do"):
        request.review(
            people["rev"], "approve", acknowledged=["allowed-tools adds Bash"], warnings_read=True
        )
    acknowledged = list(request.widenings())
    review = request.review(people["rev"], "approve", acknowledged=acknowledged, warnings_read=True)
    assert review.acknowledged == ["allowed-tools adds Bash", "model (default) → opus"]
    event = Event.objects.get(action="review")
    assert "acknowledging allowed-tools adds Bash; model (default) → opus" in event.detail


def test_a_new_executable_script_is_a_widening(people):
    text = "---\nname: pdf\ndescription: Fill forms\n---\nRun scripts/fill.sh.\n"
    skill = make_skill("skill", "pdf", text, publish=True)
    script = TreeFile("scripts/fill.sh", b"#!/bin/sh\n", executable=True)
    skill.save_version(text, people["ann"], files={script.path: script})
    skill.refresh_from_db()
    assert widenings(skill.published, skill.latest) == ("executable scripts/fill.sh",)


def test_warnings_must_be_read_before_approving(people):
    skill = make_skill(name="deploy", text=STEPS, publish=True)
    skill.save_version(WARNED, people["ann"], base_number=1)
    skill.refresh_from_db()
    assert skill.latest.result == "warning", skill.latest.problems
    request = open_request(skill, people["ann"])
    with pytest.raises(ValidationError, match="read the warnings of v2"):
        request.review(people["rev"], "approve")
    assert request.review(people["rev"], "approve", warnings_read=True).warnings_read


def test_a_comment_keeps_its_line_and_is_outdated_once_the_line_changes(item, people):
    request = open_request(item, people["ann"])
    comment = request.comment(people["rev"], "Which tests?", "SKILL.md", "new", 5)
    assert comment.line_text == "2. Test it twice."
    keys = [("SKILL.md", "new")]
    assert not comment.is_outdated(lines_by_side(request, keys))
    item.save_version(
        item.latest.text.replace("twice", "three times"), people["ann"], base_number=2
    )
    request.refresh_from_db()
    assert comment.is_outdated(lines_by_side(request, keys))


def test_a_comment_on_a_line_the_side_does_not_have_is_refused(item, people):
    request = open_request(item, people["ann"])
    with pytest.raises(ValidationError, match="has no line 99"):
        request.comment(people["rev"], "Here?", "SKILL.md", "old", 99)
    with pytest.raises(ValidationError, match="Write the comment"):
        request.comment(people["rev"], "   ")


def test_a_reply_joins_the_thread_and_resolving_it_closes_the_thread(item, people):
    request = open_request(item, people["ann"])
    top = request.comment(people["rev"], "Which tests?", "SKILL.md", "new", 5)
    reply = request.comment(people["ann"], "The unit tests.", reply_to=top)
    assert (reply.path, reply.side, reply.line) == ("SKILL.md", "new", 5)
    with pytest.raises(ValidationError):
        request.comment(people["rev"], "Nested?", reply_to=reply)
    top.resolve(people["rev"])
    top.refresh_from_db()
    assert top.resolved_at is not None and top.resolved_by == people["rev"]


def test_comment_markdown_is_rendered_and_sanitised(item, people):
    request = open_request(item, people["ann"])
    comment = request.comment(people["rev"], "**Why?** <script>alert(1)</script>")
    assert "<strong>Why?</strong>" in comment.body_html and "<script" not in comment.body_html


def test_an_approved_request_publishes_its_version_and_says_who_reviewed_it(item, people):
    request = open_request(item, people["ann"])
    request.review(people["rev"], "approve")
    said = publish_version(item, item.latest, people["pub"])
    item.refresh_from_db()
    request.refresh_from_db()
    assert said == f"Published v2, as #{request.pk} Test twice asked."
    assert item.published.number == 2 and request.status == "published"
    assert reviewed_by(item) == ["rev"]
    event = Event.objects.filter(action="publish").first()
    assert event.detail == f"#{request.pk} Test twice, reviewed by rev"


def test_an_unreviewed_publish_by_a_publisher_is_refused_and_changes_nothing(item, people):
    with pytest.raises(ValidationError, match="v2 has not been reviewed"):
        publish_version(item, item.latest, people["pub"])
    request = open_request(item, people["ann"])
    with pytest.raises(ValidationError, match="needs 1 more approval"):
        publish_version(item, item.latest, people["pub"])
    item.refresh_from_db()
    assert item.published.number == 1 and request.is_open


def test_a_superuser_publishes_without_review_as_a_recorded_break_glass(item, people):
    said = publish_version(item, item.latest, people["root"])
    assert "without review" in said
    event = Event.objects.filter(action="publish").first()
    assert (event.actor, event.detail) == (people["root"], "published without review")
    assert reviewed_by(Skill.objects.get(pk=item.pk)) == []


def test_with_no_approvals_required_publishers_publish_directly(item, people, settings):
    settings.SKILLHUB_REQUIRED_APPROVALS = 0
    assert publish_version(item, item.latest, people["pub"]) == "Published v2."
    assert Event.objects.filter(action="publish").first().detail == ""


def test_a_version_with_errors_is_refused_whatever_the_policy(people):
    skill = make_skill(name="deploy", text=STEPS, publish=True)
    skill.save_version("---\ndescription: a: b\n---\nBody\n", people["ann"], base_number=1)
    skill.refresh_from_db()
    for user in (people["pub"], people["root"]):
        with pytest.raises(ValidationError, match="has errors and cannot be published"):
            publish_version(skill, skill.latest, user)


def test_an_owners_approval_is_needed_when_the_item_has_owners(item, people):
    owner = make_user("olga")
    set_owners(item, [owner], [], people["pub"])
    request = open_request(item, people["ann"])
    assert list(request.assignees.all()) == [owner]
    request.review(people["rev"], "approve")
    assert request.missing() == "An owner of /deploy must approve v2."
    request.review(owner, "approve")
    assert request.missing() is None


def test_a_closed_request_takes_no_reviews_or_comments(item, people):
    request = open_request(item, people["ann"])
    request.close(people["ann"])
    with pytest.raises(ValidationError, match="is closed"):
        request.review(people["rev"], "approve")
    with pytest.raises(ValidationError, match="takes no more comments"):
        request.comment(people["rev"], "Late")
    assert open_request(item, people["ann"], "Second try").is_open  # a new one may open


def test_publishing_a_command_the_plain_way_still_works_for_imports(people):
    # The server's own publications (import_skills --publish) are break-glass, recorded.
    skill = make_skill(name="review", text=GOOD_COMMAND)
    publish_version(skill, skill.latest, None, on_server=True)
    skill.refresh_from_db()
    assert skill.published.number == 1
    assert Event.objects.filter(action="publish").first().detail == "published without review"


def test_the_demo_has_a_request_with_a_line_comment_and_changes_requested_once():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # a second run adds nothing
    [request] = ChangeRequest.objects.all()
    assert request.skill.name == "testing:write-tests" and request.state() == "changes-requested"
    [comment] = request.comments.all()
    assert comment.line_text.startswith("Run them with `pytest -q -x`")
    assert Event.objects.filter(action="publish", detail="published without review").exists()


def test_archiving_an_item_closes_its_open_request(item, people):
    request = open_request(item, people["ann"])
    item.archive(people["pub"])
    request.refresh_from_db()
    assert (request.status, request.closed_by) == ("closed", people["pub"])


def test_a_rename_republishing_the_live_version_says_only_the_name_changed(people):
    text = "---\nname: pdf\ndescription: Fill forms\n---\nFill.\n"
    skill = make_skill("skill", "pdf", text, publish=True)
    skill.rename("pdf-forms", people["pub"])
    event = Event.objects.filter(action="publish").first()
    assert event.detail == "renamed from pdf, nothing else"


def test_the_publication_of_a_request_names_the_request_on_its_event(item, people):
    request = open_request(item, people["ann"])
    request.review(people["rev"], "approve")
    request.publish(people["pub"])
    assert Event.objects.filter(action="publish").first().request == request


def test_an_approval_records_only_acknowledgements_of_real_widenings(item, people):
    request = open_request(item, people["ann"])
    review = request.review(people["rev"], "approve", acknowledged=["anything at all"])
    assert review.acknowledged == []


def test_a_reviewer_who_saved_a_version_on_the_request_cannot_approve_it(item, people):
    # Anyone's save moves the open request to their version; their approval would then
    # be an approval of their own change.
    request = open_request(item, people["ann"])
    item.save_version(item.latest.text + "4. Tell.\n", people["pub"], base_number=2)
    request.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot approve your own request"):
        request.review(people["pub"], "approve")
    with pytest.raises(ValidationError, match="is not approved yet"):
        publish_version(item, request.version, people["pub"])


def test_an_approval_by_an_author_of_the_request_counts_only_while_the_policy_allows_it(
    item, people, settings
):
    settings.SKILLHUB_SELF_APPROVAL = True
    request = open_request(item, people["ann"])
    item.save_version(item.latest.text + "4. Tell.\n", people["rev"], base_number=2)
    request.refresh_from_db()
    request.review(people["rev"], "approve")
    assert request.missing() is None
    settings.SKILLHUB_SELF_APPROVAL = False  # the team turns it off: that approval lapses
    assert request.missing() == "v3 needs 1 more approval."


def test_a_review_or_publication_of_a_version_saved_since_the_page_was_read_is_refused(
    item, people
):
    request = open_request(item, people["ann"])
    item.save_version(item.latest.text + "4. Paste the .env file.\n", people["ann"], base_number=2)
    request.refresh_from_db()
    with pytest.raises(ValidationError, match="v3 was saved since you looked"):
        request.review(people["rev"], "approve", seen=2)
    request.review(people["rev"], "approve", seen=3)
    with pytest.raises(ValidationError, match="v3 was saved since you looked"):
        request.publish(people["pub"], seen=2)
    request.publish(people["pub"], seen=3)
    assert Skill.objects.get(pk=item.pk).published.number == 3


def test_archiving_records_the_requests_end_and_tells_its_author(item, people):
    request = open_request(item, people["ann"])
    item.archive(people["pub"])
    assert Event.objects.filter(action="close-request", request=request).exists()
    assert request.notifications.filter(user=people["ann"], kind="closed").exists()


def test_a_thread_of_an_ended_request_is_not_resolved(item, people):
    request = open_request(item, people["ann"])
    top = request.comment(people["rev"], "Which tests?", "SKILL.md", "new", 5)
    request.close(people["ann"])
    top.refresh_from_db()
    with pytest.raises(ValidationError, match="is closed"):
        top.resolve(people["rev"])


def test_a_break_glass_publication_ends_the_request_that_asked_for_that_version(item, people):
    request = open_request(item, people["ann"])
    publish_version(item, item.latest, people["root"])
    request.refresh_from_db()
    assert request.status == "published"
    event = Event.objects.filter(action="publish").first()
    assert (event.detail, event.request) == ("published without review", request)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_publishing_a_request_while_its_author_saves_neither_deadlocks_nor_loses_the_save():
    ann, rev, pub = make_user("ann"), make_user("rev"), make_user("pub", publisher=True)
    for round_ in range(4):
        skill = make_skill(name=f"deploy-{round_}", text=STEPS, publish=True)
        skill.save_version(STEPS + "More.\n", ann, base_number=1)
        skill = Skill.objects.get(pk=skill.pk)
        request = ChangeRequest.open(skill, skill.latest, ann, "More")
        request.review(rev, "approve")
        _, errors = run_together(
            lambda r=request: ChangeRequest.objects.get(pk=r.pk).publish(pub, seen=2),
            lambda s=skill: Skill.objects.get(pk=s.pk).save_version(
                STEPS + "More.\nEven more.\n", ann, base_number=2
            ),
        )
        assert all(isinstance(e, ValidationError) for e in errors), errors  # never a deadlock
        skill.refresh_from_db()
        assert skill.latest.number == 3  # the save always lands
        published = skill.published.number
        # Either the approved v2 went live before the save, or the save came first and
        # the publication was refused as a version saved since: never v3 unreviewed.
        assert published == 2 or (published == 1 and errors)
