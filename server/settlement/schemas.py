import marshmallow as ma

from server.http.fields import Count, Day, Id, Instant, Int64, Text
from server.jobs import schemas as jobs_schemas
from server.settlement.models import LINE_KINDS


class RunIn(ma.Schema):
    cut_off = Day(required=True, metadata={"description": "the last day paid (Italian calendar day, inclusive)"})


class PaidIn(ma.Schema):
    booked_on = Day(required=True, metadata={"description": "the day the bank booked the transfer"})
    bank_reference = Text(140, load_default=None, allow_none=True)


class HoldIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(LINE_KINDS))
    source_id = Id(required=True, strict=True, metadata={"description": "scan record or booking id"})
    reason = Text(200, min_length=1, required=True)


class ReleaseIn(ma.Schema):
    reason = Text(200, min_length=1, required=True)


class HoldsQuery(ma.Schema):
    active = ma.fields.Boolean(load_default=True)


class PayoutLine(ma.Schema):
    id = Id()
    kind = ma.fields.String()
    source_id = Int64(0)
    occurred_at = Instant()
    label = ma.fields.String()
    amount_cents = Int64(0)


class Payout(ma.Schema):
    id = Id()
    run_id = Id()
    venue_id = Id()
    venue_name = ma.fields.String(allow_none=True)
    amount_cents = Int64(0)
    iban = ma.fields.String()
    end_to_end_id = ma.fields.String()
    remittance = ma.fields.String()
    statement_number = ma.fields.String()
    status = ma.fields.String()
    paid_at = Instant(allow_none=True)
    booked_on = ma.fields.Date(allow_none=True)
    bank_reference = ma.fields.String(allow_none=True)
    line_count = Count()


class PayoutWithLines(Payout):
    lines = ma.fields.List(ma.fields.Nested(PayoutLine))


class SkippedVenue(ma.Schema):
    venue_id = Id()
    venue_name = ma.fields.String(allow_none=True)
    reason = ma.fields.String(metadata={"description": "no_iban | venue_not_approved"})
    amount_cents = Int64(0)
    line_count = Count()


class Hold(ma.Schema):
    id = Id()
    kind = ma.fields.String()
    source_id = Int64(0)
    venue_id = Id()
    venue_name = ma.fields.String(allow_none=True)
    amount_cents = Int64(0)
    reason = ma.fields.String(metadata={"description": "open_anomaly (a flagged scan), or the operator's words"})
    run_id = Id(allow_none=True)
    created_at = Instant()
    released_at = Instant(allow_none=True)
    release_reason = ma.fields.String(allow_none=True)


class UnpaidLine(ma.Schema):
    kind = ma.fields.String()
    source_id = Int64(0)
    venue_id = Id()
    occurred_at = Instant()
    label = ma.fields.String()
    amount_cents = Int64(0)
    hold_id = Id(allow_none=True)


class Run(ma.Schema):
    id = Id()
    cut_off = Instant(metadata={"description": "lines before this instant were settled"})
    cut_off_day = ma.fields.Date(metadata={"description": "the last day settled"})
    status = ma.fields.String(metadata={"description": "computing (a job is making its payouts) | open | exported | "
                                                       "paid"})
    created_by = Id(allow_none=True)
    created_at = Instant()
    exported_at = Instant(allow_none=True)
    paid_at = Instant(allow_none=True)
    message_id = ma.fields.String(allow_none=True)
    pain_version = ma.fields.String(allow_none=True)
    payout_count = Count()
    total_cents = Int64(0)
    skipped_count = Count()
    job_id = Id(allow_none=True, metadata={"description": "the job that computed (or computes) a big run"})


class RunDetail(Run):
    payouts = ma.fields.List(ma.fields.Nested(Payout))
    skipped = ma.fields.List(ma.fields.Nested(SkippedVenue))
    holds = ma.fields.List(ma.fields.Nested(Hold), metadata={"description": "lines this run held back"})


class RunJob(jobs_schemas.Job):
    """The 202 of a run computed by a job: the job, and the run it computes."""
    run_id = Id()
