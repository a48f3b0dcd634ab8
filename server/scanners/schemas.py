import marshmallow as ma
from marshmallow import validate


class EnrollIn(ma.Schema):
    public_key = ma.fields.String(required=True, validate=validate.Length(max=200),
                                  metadata={"description": "the scanner's P-256 public key, SEC1 hex"})
    label = ma.fields.String(load_default="Scanner", validate=validate.Length(max=100))


class Scanner(ma.Schema):
    id = ma.fields.Integer()
    venue_id = ma.fields.Integer()
    label = ma.fields.String()
    status = ma.fields.String(metadata={"description": "active | retired"})
    created_at = ma.fields.DateTime()
    last_bootstrap_at = ma.fields.DateTime(allow_none=True)
    last_sync_at = ma.fields.DateTime(allow_none=True)
    retired_at = ma.fields.DateTime(allow_none=True)


class BootstrapQuery(ma.Schema):
    since = ma.fields.Integer(load_default=0, validate=validate.Range(min=0),
                              metadata={"description": "revocation cursor from the previous bootstrap"})


class Bootstrap(ma.Schema):
    scanner_id = ma.fields.Integer()
    venue_id = ma.fields.Integer()
    venue_categories = ma.fields.List(ma.fields.Integer(), metadata={
        "description": "the venue's category codes: a typed price with no event pays for one the voucher allows"})
    generated_at = ma.fields.DateTime()
    issuer_keys = ma.fields.Dict()
    revocations = ma.fields.Dict()
    events = ma.fields.List(ma.fields.Dict())
    policy = ma.fields.Dict()


class SyncIn(ma.Schema):
    records = ma.fields.List(ma.fields.String(validate=validate.Length(max=4096)), required=True,
                             validate=validate.Length(min=1, max=500),
                             metadata={"description": "signed scanner records (MR:...), oldest first"})


class RecordOutcome(ma.Schema):
    record_id = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(metadata={"description": "redeemed | checked_in | refused | rejected"})
    code = ma.fields.String(allow_none=True)
    overspend_cents = ma.fields.Integer()
    duplicate = ma.fields.Boolean()


class SyncResult(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(RecordOutcome))


class FlaggedRecord(ma.Schema):
    record_id = ma.fields.String()
    scanner_id = ma.fields.Integer()
    venue_id = ma.fields.Integer()
    scanned_at = ma.fields.DateTime()
    outcome = ma.fields.String()
    outcome_code = ma.fields.String(allow_none=True)
    voucher_id = ma.fields.Integer(allow_none=True)
    ticket_id = ma.fields.Integer(allow_none=True)
    amount_cents = ma.fields.Integer()
    overspend_cents = ma.fields.Integer()
