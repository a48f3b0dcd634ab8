from server.errors import Conflict


class InsufficientFunds(Conflict):
    """An account would go below zero. Which account and its balance are for the log
    only (the ledger logs them): the person refused sees no account kind or owner id.
    A use case that knows the money is the caller's own (a sponsor's campaign, a
    student's voucher) passes the amounts on with ``for_holder()``."""

    code = "insufficient_funds"

    def __init__(self, *, available_cents: int, requested_cents: int):
        super().__init__("Fondi insufficienti per questa operazione.")
        self.available_cents = available_cents
        self.requested_cents = requested_cents

    def for_holder(self) -> "InsufficientFunds":
        """This refusal with what is there and what was asked, for the holder of the money."""
        self.params = {"available_cents": self.available_cents, "requested_cents": self.requested_cents}
        return self


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"
