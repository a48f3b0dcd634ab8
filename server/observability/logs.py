"""JSON log lines, each carrying the id of the request it belongs to.

Every line is one JSON object (python-json-logger) on stderr, which systemd's journal
or any log shipper reads without a parser of ours. A request's id comes from a sane
``X-Request-Id`` (the reverse proxy's, so its access log and ours join up) or is made
here; it is on every line logged while the request runs and on the response header,
so a user's "it failed at 21:14" finds its lines.

What is never logged: passwords, bearer tokens, claim and door codes, cookies, request
bodies, query strings. The access line names the route's template
(``/api/v1/vouchers/<int:voucher_id>``), not the URL, so no id or token written in a
path reaches the logs; and ``extra`` fields whose name says secret are blanked, in case
a future ``log.info(..., extra={"password": ...})`` slips through review.
"""
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-Id"
# A proxy's UUID, a trace id, a ULID: letters, digits and a few separators, bounded.
# Anything else (spaces, newlines that would forge log lines, 4 kB of junk) is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")

# ``extra`` keys whose value is blanked, whatever the logger (substring match, lower case).
_SECRET_WORDS = ("password", "passphrase", "secret", "token", "cookie", "authorization", "claim_code",
                 "door_code", "typed_code", "otp", "signature", "challenge", "iban")
REDACTED = "[redacted]"

access_log = logging.getLogger("mentoring.access")


def request_id_from(value: str | None) -> str:
    """The incoming id when it is sane, else a new one (32 hex digits)."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record logged inside a request (None outside one:
    CLI commands, jobs)."""

    def filter(self, record):
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class SafeJsonFormatter(JsonFormatter):
    """JSON lines with secret-named fields blanked."""

    def process_log_record(self, log_data):
        for key in list(log_data):
            if any(word in key.lower() for word in _SECRET_WORDS):
                log_data[key] = REDACTED
        return super().process_log_record(log_data)


def json_formatter() -> SafeJsonFormatter:
    return SafeJsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}", style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


class _StderrHandler(logging.StreamHandler):
    """stderr as it is when a line is written, not when the handler was made (a test
    runner swaps it; a handler holding the old one writes to a closed file)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def json_handler(stream=None) -> logging.Handler:
    """A handler writing JSON lines with request ids: to ``stream``, or to stderr."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    return handler


_INSTALLED = "_mentoring_json_logs"


def install(level=logging.INFO) -> None:
    """JSON lines on stderr for the whole process (root logger), once however many apps
    the process builds. Flask's own handler on ``app.logger`` is not used: its lines
    reach the root logger and are written there, once."""
    root = logging.getLogger()
    if any(getattr(handler, _INSTALLED, False) for handler in root.handlers):
        return
    handler = json_handler()
    setattr(handler, _INSTALLED, True)
    # gunicorn or a runner (logging.basicConfig) may have put a plain-text stream handler
    # there: one format on stderr only. Other handlers (a file, pytest's capture) stay.
    for old in list(root.handlers):
        if type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def start_request() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def finish_request(response, route: str) -> None:
    """The response carries the id; one access line per request, with no URL, query or body."""
    response.headers[REQUEST_ID_HEADER] = g.request_id
    access_log.info("request", extra={
        "method": request.method, "route": route, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
    })
