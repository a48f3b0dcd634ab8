from server.errors import Conflict, InvalidInput, NotFound


class InvalidCode(InvalidInput):
    code = "invalid_claim_code"


class CodeAlreadyClaimed(Conflict):
    code = "code_already_claimed"


class NoCodesLeft(Conflict):
    code = "no_codes_left"


class VoucherNotFound(NotFound):
    code = "voucher_not_found"


class VoucherFrozen(Conflict):
    code = "voucher_frozen"


class NotASchool(InvalidInput):
    code = "not_a_school"
