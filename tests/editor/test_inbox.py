"""The inbox page (editor/inbox.py): each person's notifications, newest first, linking to
their request; marking read, one or all, with and without htmx; and the header's count."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import ChangeRequest, Notification
from catalog.models.notifications import notify
from tests.browser import Browser, messages_shown, one, page, select
from tests.factories import GOOD_COMMAND, make_skill, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann():
    return make_user("ann")


@pytest.fixture
def request_of_ann(ann):
    skill = make_skill(name="review", author=ann, publish=True)
    skill.save_version(GOOD_COMMAND + "\nWorst first.\n", ann)
    skill.refresh_from_db()
    return ChangeRequest.open(skill, skill.latest, ann, "Worst first")


def tell(request, user, *kinds, actor=None):
    actor = actor or make_user(f"actor{Notification.objects.count()}")
    for kind in kinds:
        notify(request, kind, actor, [user.pk])
    return list(Notification.objects.filter(user=user))  # newest first


def unread_ids(user) -> set[int]:
    return set(
        Notification.objects.filter(user=user, read_at__isnull=True).values_list("pk", flat=True)
    )


def test_the_inbox_lists_ones_own_notifications_newest_first_each_linking_to_its_request(
    ann, request_of_ann
):
    rex = make_user("rex")
    tell(request_of_ann, ann, "commented", actor=rex)
    tell(request_of_ann, ann, "approved", actor=rex)
    tell(request_of_ann, make_user("bea"), "commented", actor=rex)  # someone else's
    html = page(Browser(ann).get("/edit/inbox"))
    lines = select(html, "li", data_notification=True)
    number = request_of_ann.pk
    assert [line.text.split(" 20")[0] for line in lines] == [
        f"unread rex approved #{number} Worst first",
        f"unread rex commented on #{number} Worst first",
    ]
    links = [one(line.html, "a") for line in lines]
    assert {link.attrs["href"] for link in links} == {f"/edit/requests/{number}/"}


def test_looking_at_the_inbox_marks_nothing_read(ann, request_of_ann):
    tell(request_of_ann, ann, "commented", "approved")
    assert Browser(ann).get("/edit/inbox").status_code == 200
    assert Notification.unread_count(ann) == 2


def test_read_notifications_are_listed_without_the_unread_mark(ann, request_of_ann):
    newer, older = tell(request_of_ann, ann, "commented", "approved")
    Notification.mark_read(ann, [older.pk])
    html = page(Browser(ann).get("/edit/inbox"))
    assert "data-unread" in one(html, "li", data_notification=str(newer.pk)).attrs
    read = one(html, "li", data_notification=str(older.pk))
    assert "data-unread" not in read.attrs and "unread" not in read.text
    assert select(read.html, "button") == []  # nothing to mark


def test_the_inbox_is_paginated_fifty_to_a_page(ann, request_of_ann):
    tell(request_of_ann, ann, *["commented"] * 51)
    browser = Browser(ann)
    first = page(browser.get("/edit/inbox"))
    assert len(select(first, "li", data_notification=True)) == 50
    second = page(browser.get("/edit/inbox", {"page": 2}))
    assert len(select(second, "li", data_notification=True)) == 1
    assert "Page 2 of 2" in second


def test_marking_one_read_leaves_the_others_unread_and_goes_back_to_the_inbox(ann, request_of_ann):
    newer, older = tell(request_of_ann, ann, "commented", "approved")
    browser = Browser(ann)
    response = browser.post("/edit/inbox/read", {"id": older.pk})
    assert response.status_code == 302 and response["Location"] == "/edit/inbox"
    assert unread_ids(ann) == {newer.pk}
    assert messages_shown(browser.get("/edit/inbox")) == ["Marked 1 notification read."]


def test_marking_with_no_id_marks_all_of_ones_own_and_no_one_elses(ann, request_of_ann):
    bea = make_user("bea")
    tell(request_of_ann, ann, "commented", "approved")
    [beas] = tell(request_of_ann, bea, "commented")
    response = Browser(ann).post("/edit/inbox/read")
    assert response.status_code == 302
    assert unread_ids(ann) == set() and unread_ids(bea) == {beas.pk}


def test_someone_elses_ids_and_ids_that_are_not_numbers_mark_nothing(ann, request_of_ann):
    bea = make_user("bea")
    [beas] = tell(request_of_ann, bea, "commented")
    [anns] = tell(request_of_ann, ann, "commented")
    assert Browser(ann).post("/edit/inbox/read", {"id": [beas.pk, "x"]}).status_code == 302
    assert unread_ids(bea) == {beas.pk} and unread_ids(ann) == {anns.pk}  # not "all"


def test_htmx_gets_the_list_back_and_the_headers_count_in_place(ann, request_of_ann):
    newer, older = tell(request_of_ann, ann, "commented", "approved", "closed")[:2]
    response = Browser(ann).post("/edit/inbox/read", {"id": [newer.pk, older.pk]}, htmx=True)
    assert response.status_code == 200
    html = page(response)
    assert "<html" not in html and "<h1" not in html
    listed = one(html, "div", id="notifications")
    assert len(select(listed.html, "li", data_unread=True)) == 1
    link = one(html, "a", id="inbox-link")
    assert link.attrs["hx-swap-oob"] == "true" and link.attrs["aria-label"] == "Inbox, 1 unread"


def test_the_inbox_says_so_when_there_is_nothing(ann):
    html = page(Browser(ann).get("/edit/inbox"))
    assert select(html, "li", data_notification=True) == []
    assert "Nothing yet" in one(html, "p", class_="empty").text


def test_signed_out_people_are_sent_to_sign_in_and_a_get_cannot_mark_read(ann):
    client = Client()
    assert client.get("/edit/inbox")["Location"].startswith("/accounts/login/")
    assert client.post("/edit/inbox/read")["Location"].startswith("/accounts/login/")
    assert Browser(ann).get("/edit/inbox/read").status_code == 405
    assert Browser(ann).post("/edit/inbox").status_code == 405


def test_a_post_without_the_csrf_token_is_refused(ann, request_of_ann):
    tell(request_of_ann, ann, "commented")
    client = Client(enforce_csrf_checks=True)
    client.force_login(ann)
    assert client.post("/edit/inbox/read").status_code == 403
    assert Notification.unread_count(ann) == 1


# -- the header -------------------------------------------------------------------------


def test_the_header_links_the_inbox_with_the_unread_count_as_its_name(ann, request_of_ann):
    tell(request_of_ann, ann, "commented", "approved", "closed")
    link = one(page(Browser(ann).get("/edit/")), "a", id="inbox-link")
    assert link.attrs["href"] == "/edit/inbox"
    assert link.attrs["aria-label"] == "Inbox, 3 unread" and link.text == "Inbox 3"
    assert one(link.html, "span", data_unread_count=True).text == "3"


def test_the_header_shows_no_count_when_everything_is_read(ann, request_of_ann):
    tell(request_of_ann, ann, "commented")
    Notification.mark_read(ann)
    link = one(page(Browser(ann).get("/")), "a", id="inbox-link")
    assert link.text == "Inbox" and "aria-label" not in link.attrs
    assert select(link.html, "span", class_="badge") == []


def notification_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "catalog_notification" in q["sql"]]


def test_a_signed_in_page_counts_unread_notifications_in_one_query(ann, request_of_ann):
    tell(request_of_ann, ann, "commented")
    browser = Browser(ann)
    with CaptureQueriesContext(connection) as captured:
        browser.get("/edit/")
    [count] = notification_queries(captured)
    assert "COUNT(" in count.upper()


def test_a_signed_out_page_has_no_inbox_and_asks_nothing_about_it(request_of_ann):
    make_skill(name="public", publish=True)
    with CaptureQueriesContext(connection) as captured:
        html = page(Client().get("/"))
    assert notification_queries(captured) == []
    assert select(html, "a", id="inbox-link") == []
