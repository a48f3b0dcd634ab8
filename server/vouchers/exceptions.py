from server.errors import Conflict, InvalidInput, NotFound


class InvalidCode(InvalidInput):
    code = "invalid_claim_code"


class CodeAlreadyClaimed(Conflict):
    code = "code_already_claimed"


class NoCodesLeft(Conflict):
    """More codes or vouchers asked for than the allocation has left to give."""

    code = "no_codes_left"

    def __init__(self, *, left: int):
        super().__init__(f"Ne restano {left} da assegnare.", params={"left": left})


class VoucherNotFound(NotFound):
    code = "voucher_not_found"


class VoucherFrozen(Conflict):
    code = "voucher_frozen"


class NotASchool(InvalidInput):
    code = "not_a_school"
