from server.errors import Conflict, InvalidInput, NotFound


class CutOffInFuture(InvalidInput):
    code = "settlement_cut_off_in_future"


class RunNotFound(NotFound):
    code = "settlement_run_not_found"


class PayoutNotFound(NotFound):
    code = "payout_not_found"


class HoldNotFound(NotFound):
    code = "settlement_hold_not_found"


class LineNotFound(NotFound):
    """No unpaid line of that kind and id: it does not exist, is not payable, or a payout has it."""

    code = "settlement_line_not_found"


class LineAlreadyHeld(Conflict):
    code = "settlement_line_already_held"


class HoldAlreadyReleased(Conflict):
    code = "settlement_hold_already_released"


class NothingToExport(Conflict):
    code = "settlement_run_has_no_payouts"


class NotExported(Conflict):
    """Only money that left in a payment file can be confirmed paid."""

    code = "settlement_not_exported"


class RunInProgress(Conflict):
    """A run is being computed by a job: the next one waits until it is done."""

    code = "settlement_run_in_progress"


class RunComputing(Conflict):
    """The run's payouts are still being computed: nothing of it can be exported or paid yet."""

    code = "settlement_run_computing"
