from server.errors import Conflict, DomainError, InvalidInput


class KeyMissing(DomainError):
    """A route that moves money was called without an Idempotency-Key (HTTP 400)."""

    code = "idempotency_key_missing"


class KeyInvalid(DomainError):
    """The header is not 1-255 printable ASCII characters, bare or as a quoted string (HTTP 400)."""

    code = "idempotency_key_invalid"


class KeyReused(InvalidInput):
    """The key was used for another request (body, method or path) of the same principal."""

    code = "idempotency_key_reused"


class RequestInProgress(Conflict):
    """Another request with the same key is still running: retry in a moment."""

    code = "idempotency_request_in_progress"


class ReplayUnavailable(Conflict):
    """The first request succeeded but its answer cannot be opened any more (the
    server secret changed): nothing is run again."""

    code = "idempotency_replay_unavailable"
