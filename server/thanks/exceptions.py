from server.errors import Conflict, InvalidInput


class UnknownChoice(InvalidInput):
    code = "thanks_choice_unknown"


class VoucherNotUsedYet(Conflict):
    """Thanks come after a visit: the voucher paid at a door or a ticket of it was checked in."""

    code = "thanks_voucher_not_used"


class AlreadySent(Conflict):
    code = "thanks_already_sent"
