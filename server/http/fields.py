"""Marshmallow fields every schema uses, so that what a request may carry matches what
the database can hold and what a person can read.

- Integers have a range matching their column (`Id`, `Int32`, `Int64`): an id past
  2**31-1 is a 422, not PostgreSQL's "integer out of range" or SQLite's OverflowError.
  The OpenAPI document shows each range as `minimum`/`maximum`
  (tests/server/hostile/test_openapi_bounds.py checks every one is there).
- `Text` refuses control characters: NUL (PostgreSQL cannot store it in text), CR/LF in
  a single line (mail headers, log lines), C1 controls, lone surrogates (not encodable
  as UTF-8) and the bidirectional overrides that make a name display as something else.
  Multi-line text (descriptions, comments) keeps tab and line breaks.
- `JsonBoolean` is JSON's true or false only (marshmallow's Boolean also takes 1,
  "yes", "on"): a confirmation someone gives is given in so many words.
- `Instant` writes every date-time with its UTC offset; `AwareInstant` and `Day` read
  them within `FIRST_DAY`..`LAST_DAY`, so that no computation on them leaves the range
  Python's dates can hold (9999-12-31 plus a day is an OverflowError).
"""
import re
from datetime import date, timezone

import marshmallow as ma
from marshmallow import validate

MIN_INT32, MAX_INT32 = -(2**31), 2**31 - 1
MIN_INT64, MAX_INT64 = -(2**63), 2**63 - 1
# The largest id an `Integer` primary key holds (PostgreSQL `integer`).
MAX_ID = MAX_INT32

_ASCII_INTEGER = re.compile(r"-?[0-9]{1,20}")


class _BoundedInteger(ma.fields.Integer):
    """An integer in [minimum, maximum]. Besides JSON integers it reads the ASCII digits of
    a query string or path, and nothing marshmallow would round or transliterate on its
    own (2.5 becomes 2, an Arabic-Indic "٣" becomes 3)."""

    def __init__(self, minimum: int, maximum: int, **kwargs):
        bounds = validate.Range(minimum, maximum)
        extra = kwargs.pop("validate", None)
        extra = [] if extra is None else list(extra) if isinstance(extra, (list, tuple)) else [extra]
        super().__init__(validate=[bounds, *extra], **kwargs)

    def _validated(self, value):
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value):
            raise self.make_error("invalid", input=value)
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class Id(_BoundedInteger):
    """A row id: 1 to 2**31-1."""

    def __init__(self, **kwargs):
        super().__init__(1, MAX_ID, **kwargs)


class Int32(_BoundedInteger):
    """An `Integer` column (cents of a price or face value, counts, basis points); a
    narrower range where the rule is the schema's own."""

    def __init__(self, minimum: int = MIN_INT32, maximum: int = MAX_INT32, **kwargs):
        super().__init__(max(minimum, MIN_INT32), min(maximum, MAX_INT32), **kwargs)


class Int64(_BoundedInteger):
    """A `BigInteger` column or a sum over one (ledger balances, report totals)."""

    def __init__(self, minimum: int = MIN_INT64, maximum: int = MAX_INT64, **kwargs):
        super().__init__(max(minimum, MIN_INT64), min(maximum, MAX_INT64), **kwargs)


def Count(**kwargs) -> Int64:
    """How many rows (a COUNT is a bigint on PostgreSQL)."""
    return Int64(0, **kwargs)


# C0 and C1 controls, line and paragraph separators, bidirectional embeddings, overrides
# and isolates, lone surrogates. Written as escapes: the OpenAPI `pattern` carries the
# same text, and ECMAScript and Python read it alike.
_FORBIDDEN_ALWAYS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_LINE_BREAKS = r"\t\n\r"
CONTROL_CHARACTERS = "Caratteri di controllo non ammessi."


class NoControlCharacters(validate.Validator):
    """Refuses the characters above (and, on one line, tab, CR and LF). `regex` is what
    apispec documents as the field's `pattern`."""

    def __init__(self, *, multiline: bool = False):
        forbidden = _FORBIDDEN_ALWAYS if multiline else _FORBIDDEN_ALWAYS + _LINE_BREAKS
        self.regex = re.compile(f"^[^{forbidden}]*$")

    def __call__(self, value: str) -> str:
        # fullmatch, not the pattern's `$`: in Python it also matches before a final "\n".
        if not self.regex.fullmatch(value):
            raise ma.ValidationError(CONTROL_CHARACTERS)
        return value


class Text(ma.fields.String):
    """A string of at most `max_length` characters (`min_length` at least) with no
    control characters; `multiline` keeps tab, CR and LF."""

    def __init__(self, max_length: int, *, min_length: int | None = None, multiline: bool = False, **kwargs):
        validators = [validate.Length(min=min_length, max=max_length), NoControlCharacters(multiline=multiline)]
        extra = kwargs.pop("validate", None)
        extra = [] if extra is None else list(extra) if isinstance(extra, (list, tuple)) else [extra]
        super().__init__(validate=[*validators, *extra], **kwargs)


class JsonBoolean(ma.fields.Boolean):
    """true or false, nothing else: marshmallow's Boolean also takes 1, "yes", "on"...,
    which the OpenAPI document (type boolean) says are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Instant(ma.fields.DateTime):
    """A date-time written with its offset, always. Our columns give aware UTC values
    (server/db_types.UtcDateTime); a naive value can only be UTC read back by SQLite
    through a query that lost the column type, so it is written as UTC rather than as
    local time without a zone, which a browser would read an hour or two off."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


# Far enough either side of anything the platform plans or reports on.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
OUT_OF_RANGE = f"Data fuori dall'intervallo ammesso ({FIRST_DAY.isoformat()} – {LAST_DAY.isoformat()})."


class Day(ma.fields.Date):
    """A calendar day between `FIRST_DAY` and `LAST_DAY`."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ma.ValidationError(OUT_OF_RANGE)
        return day


class AwareInstant(ma.fields.AwareDateTime):
    """An ISO 8601 date-time with its offset, read as UTC, within `FIRST_DAY`..`LAST_DAY`."""

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        try:
            instant = instant.astimezone(timezone.utc)
        except OverflowError:  # 9999-12-31T23:00-05:00 is past year 9999 in UTC
            raise ma.ValidationError(OUT_OF_RANGE) from None
        if not FIRST_DAY <= instant.date() <= LAST_DAY:
            raise ma.ValidationError(OUT_OF_RANGE)
        return instant
