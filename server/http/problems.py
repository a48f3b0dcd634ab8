"""Errors leave the API in one shape: RFC 9457 `application/problem+json` with
`type`, `title`, `status`, `detail` and a stable machine-readable `code`."""
import json

from flask import Response
from werkzeug.exceptions import HTTPException

from server import errors

MEDIA_TYPE = "application/problem+json"

# Stable codes for the HTTP errors raised by Flask/Werkzeug themselves. Clients
# switch on these, so they are spelled here rather than derived from library text.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_content",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def problem(status, code, title, detail=None):
    """Build a problem+json response. `title` should be the HTTP status phrase
    (the `type` is `about:blank`); `code` tells clients what exactly went wrong."""
    body = {"type": "about:blank", "title": title, "status": status, "code": code}
    if detail is not None:
        body["detail"] = detail
    return Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)


def too_many_requests(retry_after: int):
    """429 from a rate limit: when to try again, in whole seconds, both in `Retry-After`
    and in the params (`retry_after_seconds`) for the client to say in words. Never the
    limit's own wording ("10 per 1 minute"): it tells an attacker the budget and a student
    nothing."""
    if retry_after < 90:
        wait = "1 secondo" if retry_after == 1 else f"{retry_after} secondi"
    else:
        minutes = -(-retry_after // 60)
        wait = "1 minuto" if minutes == 1 else f"{minutes} minuti"
    response = problem(429, HTTP_CODES[429], "Too Many Requests", f"Troppi tentativi: riprova tra {wait}.")
    body = json.loads(response.get_data())
    body["params"] = {"retry_after_seconds": retry_after}
    response.set_data(json.dumps(body))
    response.headers["Retry-After"] = str(retry_after)
    return response


# Domain error families → HTTP status (the one place this mapping lives).
DOMAIN_STATUSES = (
    (errors.InvalidInput, 422, "Unprocessable Content"),
    (errors.NotFound, 404, "Not Found"),
    (errors.Conflict, 409, "Conflict"),
    (errors.Forbidden, 403, "Forbidden"),
    (errors.Unauthenticated, 401, "Unauthorized"),
)


def from_domain_error(error: errors.DomainError):
    for family, status, title in DOMAIN_STATUSES:
        if isinstance(error, family):
            break
    else:
        status, title = 400, "Bad Request"
    response = problem(status, error.code, title, error.message)
    if error.field or error.params:
        body = json.loads(response.get_data())
        if error.field:
            body["field"] = error.field
        if error.params:
            body["params"] = error.params  # what the PWA's `error.<code>` text is filled with
        response.set_data(json.dumps(body))
    return response


def from_http_exception(error: HTTPException):
    """Error handler for every HTTPException, including the InternalServerError
    Flask raises for unhandled exceptions. Only Werkzeug's generic description is
    sent, never the original exception or a traceback (Flask logs those)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")  # webargs: the request failed its schema
    response = problem(
        error.code,
        "invalid_input" if messages else HTTP_CODES.get(error.code, f"http_{error.code}"),
        error.name,
        "La richiesta contiene campi non validi." if messages else error.description,
    )
    if messages:
        body = json.loads(response.get_data())
        body["errors"] = messages
        response.set_data(json.dumps(body))
    # Keep headers that carry meaning, such as `Allow` on 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
