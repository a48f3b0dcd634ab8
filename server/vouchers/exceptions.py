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


class CodeVoided(Conflict):
    """The code's card was reissued: the school has the new one."""

    code = "claim_code_voided"


class UnknownCards(InvalidInput):
    """Card numbers that are not live cards of the allocation."""

    code = "unknown_cards"

    def __init__(self, *, serials: list[int]):
        super().__init__("Schede inesistenti: " + ", ".join(map(str, serials)) + ".", field="serials",
                         params={"serials": ", ".join(map(str, serials))})


class CardsAlreadyClaimed(Conflict):
    """A claimed card holds a student's voucher: there is nothing left to reissue."""

    code = "cards_already_claimed"

    def __init__(self, *, serials: list[int]):
        super().__init__("Schede già usate da uno studente: " + ", ".join(map(str, serials)) + ".",
                         params={"serials": ", ".join(map(str, serials))})


class CardCodeMismatch(InvalidInput):
    """A card posted back for printing that is not one of the allocation's live cards."""

    code = "card_code_mismatch"
