"""A dry run waits in the session for its confirm (importing.SessionPendingImport)."""

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore

from catalog.importing import SessionPendingImport, check_upload
from catalog.models import Skill
from tests.factories import GOOD_COMMAND, make_user

pytestmark = pytest.mark.django_db


def dry_run(user, name: str):
    report, waiting = check_upload(f"{name}.md", GOOD_COMMAND.encode(), user)
    assert waiting is not None, report
    return waiting


def test_a_kept_dry_run_is_confirmed_once_by_its_token():
    user, session = make_user(), SessionStore()
    waiting = dry_run(user, "review")
    SessionPendingImport(session).keep(waiting)
    assert session.modified

    report = SessionPendingImport(session).confirm(waiting.token, user)
    assert report is not None and report.applied
    assert Skill.objects.filter(name="review").exists()
    assert SessionPendingImport(session).confirm(waiting.token, user) is None


def test_only_the_newest_dry_run_can_be_confirmed():
    user, session = make_user(), SessionStore()
    older, newer = dry_run(user, "review"), dry_run(user, "deploy")
    SessionPendingImport(session).keep(older)
    SessionPendingImport(session).keep(newer)
    assert SessionPendingImport(session).confirm(older.token, user) is None
    assert SessionPendingImport(session).confirm(newer.token, user).applied


def test_a_token_never_kept_confirms_nothing():
    assert SessionPendingImport(SessionStore()).confirm("0" * 32, make_user()) is None
