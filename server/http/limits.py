"""Limits on what a request body may be, checked before anything reads it.

Size: `MAX_CONTENT_LENGTH` bytes. A body that says it is larger (Content-Length) is
refused before a byte of it is read; a chunked body with no length is read only up to
the limit, then refused. Either way: 413 `payload_too_large`.

JSON: parsed once here with limits that the standard library does not have, so that no
later reader (webargs, the rate limiter's key functions) meets a body that could crash
it: nesting deeper than `MAX_JSON_DEPTH` (the C parser recurses, and 100,000 brackets
raise RecursionError), integer literals of more than `MAX_JSON_INTEGER_DIGITS` digits
(5,000 trip Python's int-digits limit), numbers too large for a float, and the
non-standard NaN/Infinity Python would otherwise accept. Each is a 400 problem with its
own code. Integers that are merely out of a column's range are the schemas' to refuse
(422).
"""
import json
import math

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from server.http import problems

# The largest legitimate body is a scanner's sync batch: 500 records of at most 4,096
# characters each (server/door/schemas.py SyncIn), about 2.05 MB as JSON. Direct
# issuance, the next largest, is 1,000 device keys of at most 200 characters (~0.2 MB).
# 3 MiB leaves room for a client that escapes or pretty-prints, and no more.
MAX_CONTENT_LENGTH = 3 * 1024 * 1024

# Our deepest legitimate body is an object holding a list of strings (depth 2).
MAX_JSON_DEPTH = 20

# Integer literals longer than this are refused as such (Python's own limit is 4,300
# digits, and converting is quadratic). Shorter ones, 2**63 or 10**25 included, reach the
# schemas, whose ranges match the columns (server/http/fields.py) and answer 422.
MAX_JSON_INTEGER_DIGITS = 50


class JsonRefused(ValueError):
    def __init__(self, code: str, detail: str):
        super().__init__(code)
        self.code = code
        self.detail = detail


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INTEGER_DIGITS:
        raise JsonRefused("json_number_too_large", "Un numero nella richiesta è troppo grande.")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRefused("json_number_too_large", "Un numero nella richiesta è troppo grande.")
    return value


def _constant(name: str):
    raise JsonRefused("invalid_json", f"Il corpo della richiesta non è JSON valido ({name}).")


def loads(data: bytes | str):
    """`json.loads` with the limits above; `JsonRefused` says which one was crossed."""
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise JsonRefused("json_too_deep", "Il corpo della richiesta è annidato troppo in profondità.") from None
    except JsonRefused:
        raise
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        raise JsonRefused("invalid_json", "Il corpo della richiesta non è JSON valido.") from None
    _check_depth(value)
    return value


def _check_depth(value) -> None:
    """Iterative, so that it cannot itself recurse too deep; only containers are visited."""
    level = [value] if isinstance(value, (list, dict)) else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise JsonRefused("json_too_deep", "Il corpo della richiesta è annidato troppo in profondità.")
        level = [child for container in level
                 for child in (container.values() if isinstance(container, dict) else container)
                 if isinstance(child, (list, dict))]


def _too_large():
    return problems.problem(413, "payload_too_large", "Content Too Large",
                            "La richiesta è troppo grande.")


def check_body():
    """`before_request`: registered ahead of every other hook (rate limits read bodies too)."""
    length, limit = request.content_length, request.max_content_length
    if length is not None and limit is not None and length > limit:
        return _too_large()
    if not request.is_json:
        return None  # webargs reads JSON bodies only; anything else is never parsed
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return _too_large()
    if length is None and limit is not None and len(data) >= limit:
        # A chunked body: werkzeug's LimitedStream stops reading at the limit and returns
        # what it has, without a word; what was cut off would be parsed as the body.
        return _too_large()
    if not data:
        return None
    try:
        loads(data)
    except JsonRefused as refused:
        return problems.problem(400, refused.code, "Bad Request", refused.detail)
    return None


def init_app(app) -> None:
    """Before the rate limiter's `init_app`: hooks run in the order they are registered."""
    app.before_request(check_body)
