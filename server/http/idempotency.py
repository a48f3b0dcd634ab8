"""The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header) on
the POSTs that move money or create something. A route opts in with one decorator,
placed right under `@bp.post` (above `@bp.arguments`, so a retry is recognised before
its body is parsed):

    @bp.post("/campaigns/<int:campaign_id>/allocations")
    @idempotency.idempotent(idempotency.member, required=True)

Same key and same request → the first answer again (status, body, and the headers a
client acts on: `KEPT_HEADERS`), with `Idempotency-Replayed: true`, and no second
effect; same key, another request → 422 `idempotency_key_reused`; the same key still
running → wait for it, or 409 `idempotency_request_in_progress` after
IDEMPOTENCY_WAIT_SECONDS. Which routes, why, and for how long keys are kept:
server/idempotency/README.md.
"""
import functools
import http
import re
from copy import deepcopy
from datetime import datetime, timedelta, timezone

import http_sf
from flask import Response, current_app, request

from server.http import auth, problems
from server.idempotency import api as idempotency_api
from server.idempotency import exceptions as exc

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
MAX_KEY_LENGTH = 255
_KEY = re.compile(r"[\x20-\x7e]{1,%d}" % MAX_KEY_LENGTH)

# Defaults; the app configuration may set either.
TTL_SECONDS = 24 * 3600
WAIT_SECONDS = 5.0
# A concurrent retry told to come back: in about this many seconds.
RETRY_AFTER_SECONDS = 1
# The headers of an answer that a replay carries again: what the client acts on as it
# would on the first answer (where the job or the thing made is, what was done with its
# Prefer). The others describe the moment of each answer (Server-Time, rate limits).
KEPT_HEADERS = ("Location", "Content-Location", "Preference-Applied")


def member() -> str:
    """The logged-in member (401 `login_required` otherwise)."""
    return f"user:{auth.require_user().id}"


def wallet() -> str:
    """The wallet of the bearer token (401 `wallet_required` otherwise)."""
    return f"wallet:{auth.require_wallet().id}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def parse_key(value: str | None) -> str | None:
    """The key in the header's value, or None when there is no header.

    The draft makes the field an sf-string (`"8e03978e-40d5-…"`, RFC 9651); many
    clients send the bare text, so that is accepted too: both spell the same key.
    Either way the key is 1 to 255 printable ASCII characters (`KeyInvalid`)."""
    if value is None:
        return None
    value = value.strip(" \t")
    if value.startswith('"'):
        try:
            item, parameters = http_sf.parse(value.encode("latin-1"), tltype="item")
        except (http_sf.StructuredFieldError, UnicodeEncodeError):
            raise _invalid() from None
        if type(item) is not str or parameters:
            raise _invalid()
        value = item
    if not _KEY.fullmatch(value):
        raise _invalid()
    return value


def _invalid():
    return exc.KeyInvalid(f"{HEADER} deve essere un testo da 1 a {MAX_KEY_LENGTH} caratteri ASCII stampabili.",
                          field=HEADER)


def idempotent(principal, *, required: bool):
    """Make a POST route honour Idempotency-Key. ``principal`` is ``member`` or
    ``wallet``: whose keys these are (it also refuses a caller without that identity,
    before anything else). ``required``: a request without the header is refused with
    400 `idempotency_key_missing` (the routes that move money); otherwise it runs
    unprotected, as before."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            who = principal()
            key = parse_key(request.headers.get(HEADER))
            if key is None:
                if required:
                    raise exc.KeyMissing(f"Manca l'intestazione {HEADER}: serve a non ripetere un pagamento "
                                         "se la richiesta viene rinviata.", field=HEADER)
                return view(*args, **kwargs)
            attempt = idempotency_api.Attempt(principal=who, key=key, method=request.method, path=request.path,
                                              body=request.get_data(cache=True))
            config = current_app.config
            try:
                record, replay = idempotency_api.begin(
                    attempt, now=_now(), ttl=timedelta(seconds=config.get("IDEMPOTENCY_TTL_SECONDS", TTL_SECONDS)),
                    wait_seconds=config.get("IDEMPOTENCY_WAIT_SECONDS", WAIT_SECONDS))
            except exc.RequestInProgress as error:
                response = problems.from_domain_error(error)
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                return response
            if replay:
                body = idempotency_api.stored_answer(record, attempt, secret=current_app.secret_key)
                response = Response(body, status=record.response_status, content_type=record.response_content_type)
                response.headers.update(idempotency_api.stored_headers(record, attempt, secret=current_app.secret_key))
                response.headers[REPLAYED_HEADER] = "true"
                return response
            response = current_app.make_response(view(*args, **kwargs))
            # Only a success is kept: an error rolls the whole transaction back (this
            # record with it), so nothing happened and the same key may run again.
            if 200 <= response.status_code < 300:
                idempotency_api.complete(record, attempt, status=response.status_code,
                                         content_type=response.content_type, body=response.get_data(),
                                         secret=current_app.secret_key,
                                         headers={name: response.headers[name] for name in KEPT_HEADERS
                                                  if name in response.headers})
            return response

        wrapper._apidoc = _documented(deepcopy(getattr(view, "_apidoc", {})), required=required)
        return wrapper

    return decorator


def _documented(apidoc: dict, *, required: bool) -> dict:
    """The header, its refusals and the replay marker in the OpenAPI document."""
    parameter = {
        "in": "header", "name": HEADER, "required": required,
        "description": ("One key per user action, sent again unchanged when that action is retried: the retry gets "
                        "the first answer instead of a second effect. 1-255 printable ASCII characters, as an "
                        'sf-string ("…") or bare. Kept for 24 hours.'),
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH + 2},
    }
    manual = apidoc.setdefault("manual_doc", {})
    manual["parameters"] = [*manual.get("parameters", []), parameter]
    responses = apidoc.setdefault("response", {}).setdefault("responses", {})
    for status in (400, 409, 422):
        responses.setdefault(status, []).append(http.HTTPStatus(status).name)
    replayed = {"description": "`true` when this is the stored answer to an earlier request with the same key",
                "schema": {"type": "string", "enum": ["true"]}}
    for status in apidoc.get("success_status_codes", []):
        responses.setdefault(status, []).append({"headers": {REPLAYED_HEADER: replayed}, "content_type": None})
    return apidoc
