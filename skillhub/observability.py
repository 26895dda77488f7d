"""Structured logs: one line per request and one per write.

Fields travel in the log record's ``extra`` under ``fields`` so that the text
formatter (for people) and the JSON formatter (for machines) print the same
facts. Every record made while a request is being answered carries that request's
id (``record.request_id``, printed by both formatters), so an error logged deep in
the domain (a parser's caught bug, say) can be found beside its request line.
"""

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

request_log = logging.getLogger("skillhub.request")
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default=""
)
_make_record = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _make_record(*args, **kwargs)
    if request_id := current_request_id.get():
        record.__dict__["request_id"] = request_id  # as logging sets a record's `extra`
    return record


logging.setLogRecordFactory(_record_with_request_id)


def _request_finished(**kwargs: Any) -> None:
    current_request_id.set("")


request_finished.connect(_request_finished, dispatch_uid="skillhub-request-id")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = dict(getattr(record, "fields", {}))
    request_id = getattr(record, "request_id", "")
    if request_id and "request_id" not in fields:
        fields["request_id"] = request_id
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{k}={_text_value(v)}" for k, v in _fields(record).items())
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {record.name}: "
        line += f"{record.getMessage()} {fields}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _text_value(value: object) -> str:
    text = str(value)
    return json.dumps(text) if (not text or any(c.isspace() or c == '"' for c in text)) else text


class RequestLogMiddleware:
    """Give each request an id and log one line when it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex[:16]
        started = time.perf_counter()
        # Set until the response is closed (request_finished): Django logs a 4xx or 5xx
        # after the middleware has returned, and a streamed body is written later still.
        current_request_id.set(request_id)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_log.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "user": user.get_username() if user and user.is_authenticated else "-",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        response["X-Request-Id"] = request_id
        return response
