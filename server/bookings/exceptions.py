from server.errors import Conflict, InvalidInput, NotFound


class SoldOut(Conflict):
    code = "sold_out"


class BookingClosed(Conflict):
    code = "booking_closed"


class NotSpendableHere(InvalidInput):
    code = "voucher_not_valid_for_event"


class BookingNotFound(NotFound):
    code = "booking_not_found"


class AlreadyCancelled(Conflict):
    code = "already_cancelled"


class CannotRateYet(Conflict):
    code = "cannot_rate_yet"
