"""Domain errors: what a use case raises when a rule says no.

Each carries a stable ``code``, the ``params`` a person may need to act on it (numbers,
limits: never ledger internals such as account kinds or owner ids) and an Italian
``message`` for API clients and logs. The PWA never shows the message: it owns every
word and translates ``error.<code>`` with the params (pwa/src/i18n/errors.*.js). The HTTP
layer maps the five families below to statuses in one place (server/http/problems.py);
use cases never think about HTTP.
"""


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 params: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        # Amounts in cents end in `_cents`: the PWA shows them as money.
        self.params = dict(params or {})


class InvalidInput(DomainError):
    """The request is understood but its content breaks a rule (HTTP 422)."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request collides with the current state (HTTP 409)."""

    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"
