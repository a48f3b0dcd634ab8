from server.errors import Conflict, NotFound


class CardNotFound(NotFound):
    """No claimed card with that number among the school's allocations."""

    code = "card_not_found"


class NothingToRecover(Conflict):
    """The card's voucher already moved, or the voucher is not frozen (for a decision)."""

    code = "nothing_to_recover"


class RecoveryStarted(Conflict):
    """The school started a recovery of the voucher: its balance goes to the student's
    new phone with the school's code, not to a decision of the operator."""

    code = "voucher_recovery_started"
