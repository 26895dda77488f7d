"""Login throttling: repeated wrong passwords lock one username at one address out."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


class Visitor:
    """A browser at one address: CSRF checks on, the token read from the cookie."""

    def __init__(self, address: str = "203.0.113.7"):
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)

    def sign_in(self, username: str, password: str):
        if "csrftoken" not in self.client.cookies:
            self.client.get(LOGIN)
        token = self.client.cookies["csrftoken"].value
        return self.client.post(
            LOGIN, {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )

    def is_signed_in(self) -> bool:
        return self.client.get("/edit/").status_code == 200


def fail(visitor: Visitor, username: str, times: int) -> list[int]:
    return [visitor.sign_in(username, "guess-123").status_code for _ in range(times)]


def test_wrong_passwords_below_the_limit_only_show_the_form_again():
    make_user("member")
    assert fail(Visitor(), "member", settings.AXES_FAILURE_LIMIT - 1) == [200] * 4


def test_six_wrong_passwords_lock_the_account_out_even_for_the_right_password():
    make_user("member")
    visitor = Visitor()

    statuses = fail(visitor, "member", 6)
    right_password = visitor.sign_in("member", "pw-member")

    assert statuses[-1] == 429
    assert right_password.status_code == 429
    assert not visitor.is_signed_in()


def test_the_lockout_page_says_what_happened_and_shows_no_internals():
    make_user("member")
    visitor = Visitor()
    fail(visitor, "member", 6)

    page = visitor.sign_in("member", "pw-member").content.decode()

    assert "Too many sign-in attempts" in page
    for internal in ["Traceback", "axes", "pw-member", "guess-123", "AccessAttempt"]:
        assert internal not in page


def test_a_locked_out_username_does_not_lock_out_other_users_at_the_same_address():
    make_user("member")
    make_user("other")
    visitor = Visitor()
    fail(visitor, "member", 6)

    response = visitor.sign_in("other", "pw-other")

    assert response.status_code == 302
    assert visitor.is_signed_in()


def test_the_same_username_from_another_address_can_still_sign_in():
    make_user("member")
    fail(Visitor("203.0.113.7"), "member", 6)
    elsewhere = Visitor("198.51.100.20")

    response = elsewhere.sign_in("member", "pw-member")

    assert response.status_code == 302
    assert elsewhere.is_signed_in()


def test_a_successful_sign_in_resets_the_count_of_failures():
    make_user("member")
    visitor = Visitor()
    fail(visitor, "member", 4)
    assert visitor.sign_in("member", "pw-member").status_code == 302
    visitor.client.logout()

    assert fail(visitor, "member", 4) == [200] * 4
    assert visitor.sign_in("member", "pw-member").status_code == 302


@pytest.mark.django_db
def test_there_is_no_self_service_password_reset_to_abuse(client):
    # Accounts come from an admin and Skillhub sends no e-mail.
    assert client.get("/accounts/password_reset/").status_code == 404
    assert client.post("/accounts/password_reset/", {"email": "a@example.com"}).status_code == 404
