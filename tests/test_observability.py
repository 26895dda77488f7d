"""Structured logs: one line per request and per write, as text or JSON; request ids; /healthz.

The suite runs with pytest's logging plugin off (`-p no:logging`), so these tests
catch records with a handler of their own rather than caplog.
"""

import json
import logging
import subprocess
import sys

import pytest

from skillhub.observability import JsonFormatter, TextFormatter
from tests.browser import Browser
from tests.factories import GOOD_COMMAND, make_skill, make_user
from tests.shared import PRODUCTION_ENV, REPO

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {"request_id", "user", "method", "path", "status", "duration_ms"}
WRITE_FIELDS = {"action", "item", "version", "user"}


class Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def fields(self) -> list[dict]:
        return [record.fields for record in self.records]


def capture(name: str):
    logger = logging.getLogger(name)
    handler = Records()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


@pytest.fixture
def request_log():
    yield from capture("skillhub.request")


@pytest.fixture
def write_log():
    yield from capture("skillhub.write")


def test_each_request_logs_one_line_with_id_user_method_path_status_and_duration(
    client, request_log
):
    response = client.get("/healthz")
    [fields] = request_log.fields()
    assert set(fields) == REQUEST_FIELDS
    assert fields["request_id"] == response["X-Request-Id"]
    assert (fields["user"], fields["method"], fields["path"], fields["status"]) == (
        "-",
        "GET",
        "/healthz",
        200,
    )
    assert isinstance(fields["duration_ms"], float) and fields["duration_ms"] >= 0


def test_the_request_line_names_the_signed_in_user_and_the_status_of_a_refusal(request_log):
    browser = Browser(make_user("member"))
    browser.get("/edit/commands/missing/")
    [fields] = [f for f in request_log.fields() if f["path"] == "/edit/commands/missing/"]
    assert (fields["user"], fields["status"]) == ("member", 404)


def test_each_request_gets_its_own_id(client, request_log):
    client.get("/healthz")
    client.get("/healthz")
    first, second = (f["request_id"] for f in request_log.fields())
    assert first and second and first != second


def test_a_request_id_sent_by_the_proxy_is_kept_and_echoed(client, request_log):
    response = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert response["X-Request-Id"] == "abc-123"
    assert request_log.fields()[0]["request_id"] == "abc-123"


def test_an_overlong_request_id_is_cut_short(client):
    response = client.get("/healthz", headers={"X-Request-Id": "x" * 500})
    assert response["X-Request-Id"] == "x" * 64


def test_a_save_logs_the_action_item_version_and_user(write_log):
    member = make_user("member")
    skill = make_skill(author=member)
    skill.save_version(GOOD_COMMAND + "More.\n", member, base_number=1)
    assert write_log.fields() == [
        {"action": "save", "item": "command/review", "version": 1, "user": "member"},
        {"action": "save", "item": "command/review", "version": 2, "user": "member"},
    ]


def test_publishing_over_http_logs_one_write_line(write_log, settings):
    settings.SKILLHUB_REQUIRED_APPROVALS = 0  # a team that publishes without review
    publisher = make_user("publisher", publisher=True)
    make_skill(author=publisher)
    write_log.records.clear()
    Browser(publisher).post("/edit/commands/review/publish", {"version": "1"})
    assert write_log.fields() == [
        {"action": "publish", "item": "command/review", "version": 1, "user": "publisher"}
    ]


def test_a_save_that_changes_nothing_logs_no_write(write_log):
    skill = make_skill()
    write_log.records.clear()
    skill.save_version(GOOD_COMMAND, None, base_number=1)
    assert write_log.records == []


def record_with(fields: dict, message: str = "request", exc_info=None) -> logging.LogRecord:
    record = logging.LogRecord("skillhub.request", logging.INFO, __file__, 1, message, (), exc_info)
    record.fields = fields
    return record


REQUEST = {
    "request_id": "abc",
    "user": "member",
    "method": "GET",
    "path": "/commands/a b/",
    "status": 200,
    "duration_ms": 1.5,
}


def test_the_json_formatter_writes_one_json_object_with_every_field():
    line = JsonFormatter().format(record_with(REQUEST))
    assert "\n" not in line
    entry = json.loads(line)
    assert {key: entry[key] for key in REQUEST} == REQUEST
    assert (entry["level"], entry["logger"], entry["event"]) == (
        "info",
        "skillhub.request",
        "request",
    )
    assert "time" in entry


def test_the_json_formatter_keeps_a_traceback_inside_the_json():
    try:
        raise ValueError("boom")
    except ValueError:
        record = record_with({"path": "/"}, exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in entry["traceback"]


def test_the_text_formatter_writes_readable_key_value_pairs_quoting_spaces():
    line = TextFormatter().format(record_with(REQUEST))
    assert "skillhub.request: request request_id=abc user=member method=GET" in line
    assert 'path="/commands/a b/"' in line
    assert "status=200 duration_ms=1.5" in line


def console_formatter(log_format: str) -> str:
    """The console handler's formatter when the settings are read with LOG_FORMAT set."""
    code = (
        "from skillhub import settings; print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    env = {**PRODUCTION_ENV, "LOG_FORMAT": log_format}
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, check=True
    )
    return process.stdout.strip()


@pytest.mark.parametrize(("log_format", "formatter"), [("json", "json"), ("text", "text")])
def test_log_format_chooses_the_console_formatter(log_format, formatter):
    assert console_formatter(log_format) == formatter


def test_healthz_answers_200_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_record_logged_while_a_request_is_answered_carries_its_id(client):
    records = capture("django.request")
    handler = next(records)
    try:
        client.get("/commands/no-such-item/", HTTP_X_REQUEST_ID="req-42")
    finally:
        records.close()
    not_found = [r for r in handler.records if r.getMessage().startswith("Not Found")]
    assert [r.request_id for r in not_found] == ["req-42"]
    assert json.loads(JsonFormatter().format(not_found[0]))["request_id"] == "req-42"
    assert "request_id=req-42" in TextFormatter().format(not_found[0])
    # and none after it
    after = logging.getLogger("django.request").makeRecord("x", logging.INFO, "f", 1, "m", (), None)
    assert not hasattr(after, "request_id")
