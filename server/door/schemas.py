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
    slot = ma.fields.Integer(metadata={"description": "which of the venue's scanner slots it holds (1-based)"})
    allowance_share_bp = ma.fields.Integer(metadata={
        "description": "its share of every voucher credential's offline allowance, in basis points"})
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
    status = ma.fields.String(metadata={"description": "active (a retired scanner gets 403 scanner_retired)"})
    slot = ma.fields.Integer()
    slots = ma.fields.Integer(metadata={"description": "the venue's scanner slots: the allowance is split among them"})
    allowance_share_bp = ma.fields.Integer(metadata={
        "description": "accept at most floor(offline_allowance_cents × allowance_share_bp / 10000) cents "
                       "per voucher credential on this scanner"})
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
    since = ma.fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**62),
                              metadata={"description": "the revocation cursor of the scanner's bundle: the answer "
                                                       "carries the entries after it"})


class RecordOutcome(ma.Schema):
    record_id = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(metadata={"description": "redeemed | checked_in | refused | rejected"})
    code = ma.fields.String(allow_none=True)
    overspend_cents = ma.fields.Integer()
    duplicate = ma.fields.Boolean()


class ScannerState(ma.Schema):
    status = ma.fields.String(metadata={"description": "active | retired: a retired scanner decides red"})
    retired_at = ma.fields.DateTime(allow_none=True)


class RevocationPage(ma.Schema):
    entries = ma.fields.List(ma.fields.Dict(), metadata={"description": "{kind, value}: voucher | ticket | device_key"})
    since = ma.fields.Integer(metadata={"description": "the cursor to send next time"})
    more = ma.fields.Boolean(metadata={"description": "more entries remain: download the bundle"})
    full = ma.fields.Boolean()


class SyncResult(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(RecordOutcome))
    scanner = ma.fields.Nested(ScannerState)
    revocations = ma.fields.Nested(RevocationPage, allow_none=True, metadata={
        "description": "entries newer than the request's `since` (null without it), this batch's freezes included"})


class FlaggedRecord(ma.Schema):
    record_id = ma.fields.String()
    scanner_id = ma.fields.Integer()
    scanner_label = ma.fields.String(allow_none=True)
    venue_id = ma.fields.Integer()
    venue_name = ma.fields.String(allow_none=True)
    scanned_at = ma.fields.DateTime()
    outcome = ma.fields.String()
    outcome_code = ma.fields.String(allow_none=True)
    voucher_id = ma.fields.Integer(allow_none=True)
    ticket_id = ma.fields.Integer(allow_none=True)
    amount_cents = ma.fields.Integer()
    overspend_cents = ma.fields.Integer()
    crossing = ma.fields.Boolean(metadata={"description": "this redemption crossed the voucher's balance"})


class Flag(FlaggedRecord):
    kind = ma.fields.String(metadata={"description": "overspend | rule_broken | double_check_in"})
    involved = ma.fields.List(ma.fields.Nested(FlaggedRecord), metadata={
        "description": "for an overspend: every redemption of the voucher, by scan time"})
