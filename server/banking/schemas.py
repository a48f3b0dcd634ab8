import marshmallow as ma
from marshmallow import validate

from server.banking import camt
from server.jobs import schemas as jobs_schemas
from server.http.fields import Id, Instant, Int64, NoControlCharacters, Text

# Base64 of the largest file we read, and a little slack for padding.
MAX_CONTENT_CHARS = (camt.MAX_STATEMENT_BYTES * 4) // 3 + 4


class StatementUpload(ma.Schema):
    file_name = Text(255, load_default="estratto.xml", metadata={"description": "as the operator's computer named it"})
    # The length is checked by the reader, so that a file too large is named as such
    # (422 statement_too_large, with max_bytes) rather than as a malformed field.
    # Base64 has no control characters; refusing them here also documents the pattern.
    content = ma.fields.String(required=True, validate=[validate.Length(min=1), NoControlCharacters(multiline=True)],
                               metadata={
        "description": "the camt.053 or camt.054 XML file, base64", "format": "byte",
        "maxLength": MAX_CONTENT_CHARS})


class Suggestion(ma.Schema):
    topup_id = Id()
    reference = ma.fields.String()
    amount_cents = Int64(0)
    sponsor_id = Id()
    campaign_id = Id()
    reasons = ma.fields.List(ma.fields.String(), metadata={
        "description": "same_amount | similar_reference | same_payer"})


class Line(ma.Schema):
    """A booked movement, as stored (id) or as a preview plans it (no id)."""
    id = Id(allow_none=True)
    bank_reference = ma.fields.String()
    direction = ma.fields.String(metadata={"description": "credit | debit"})
    amount_cents = Int64(0)
    currency = ma.fields.String()
    booked_on = ma.fields.Date()
    reference = ma.fields.String(allow_none=True, metadata={"description": "the RF reference read from a credit"})
    end_to_end_id = ma.fields.String(allow_none=True)
    counterparty_name = ma.fields.String(allow_none=True)
    counterparty_iban = ma.fields.String(allow_none=True)
    remittance = ma.fields.String()
    bank_transaction_code = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={
        "description": "matched | queued | confirmed | set_aside; in a preview also already_imported"})
    queue_reason = ma.fields.String(allow_none=True, metadata={
        "description": "partial | excess | duplicate | unknown | topup_cancelled | wrong_currency | reversal | "
                       "amount_mismatch | payout_not_exported"})
    topup_id = Id(allow_none=True)
    payout_id = Id(allow_none=True)
    decided_at = Instant(allow_none=True)
    decision_note = ma.fields.String(allow_none=True)
    suggestions = ma.fields.List(ma.fields.Nested(Suggestion))


class Counts(ma.Schema):
    credits_matched = Int64(0)
    debits_matched = Int64(0)
    queued = Int64(0)
    decided = Int64(0)
    credit_cents = Int64(0)
    debit_cents = Int64(0)
    already_known = Int64(0, metadata={"description": "movements an earlier file already brought"})
    not_booked = Int64(0, metadata={"description": "pending entries, not acted on"})


class StatementSummary(ma.Schema):
    id = Id()
    file_name = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "camt.053 | camt.054"})
    version = ma.fields.String()
    message_id = ma.fields.String()
    account_iban = ma.fields.String()
    imported_at = Instant()
    status = ma.fields.String(metadata={"description": "importing (a job is matching its lines) | imported | "
                                                       "failed (its job failed: POST .../resume)"})
    job_id = Id(allow_none=True, metadata={"description": "the job importing it, while it does or once it failed"})
    counts = ma.fields.Nested(Counts)


class StatementImport(StatementSummary):
    replayed = ma.fields.Boolean(metadata={"description": "true: this file was imported before; nothing changed"})
    lines = ma.fields.List(ma.fields.Nested(Line))


class StatementPreview(ma.Schema):
    kind = ma.fields.String()
    version = ma.fields.String()
    message_id = ma.fields.String()
    account_iban = ma.fields.String()
    already_imported_id = Id(allow_none=True, metadata={
        "description": "this very file was imported before: importing it again changes nothing"})
    counts = ma.fields.Nested(Counts)
    lines = ma.fields.List(ma.fields.Nested(Line))


class DecisionIn(ma.Schema):
    action = ma.fields.String(required=True, validate=validate.OneOf(["confirm_topup", "set_aside"]))
    topup_id = Id(load_default=None)
    note = Text(500, load_default=None)


class StatementJob(jobs_schemas.Job):
    """The 202 of a file imported by a job: the job, and the import it fills."""
    statement_id = Id()
