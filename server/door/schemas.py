import marshmallow as ma
from marshmallow import validate

from server.http.fields import Id, Instant, Int32, Int64, Text


class EnrollIn(ma.Schema):
    public_key = Text(200, required=True,
                                  metadata={"description": "the scanner's P-256 public key, SEC1 hex"})
    label = Text(100, load_default="Scanner")


class Scanner(ma.Schema):
    id = Id()
    venue_id = Id()
    label = ma.fields.String()
    status = ma.fields.String(metadata={"description": "active | retired"})
    slot = Int32(1, metadata={"description": "which of the venue's scanner slots it holds (1-based)"})
    allowance_share_bp = Int32(0, 10_000, metadata={
        "description": "its share of every voucher credential's offline allowance, in basis points"})
    created_at = Instant()
    last_bootstrap_at = Instant(allow_none=True)
    last_sync_at = Instant(allow_none=True)
    retired_at = Instant(allow_none=True)


class BootstrapQuery(ma.Schema):
    since = Int32(0, load_default=0, metadata={"description": "revocation cursor from the previous bootstrap"})


class Bootstrap(ma.Schema):
    scanner_id = Id()
    venue_id = Id()
    status = ma.fields.String(metadata={"description": "active (a retired scanner gets 403 scanner_retired)"})
    slot = Int32(1)
    slots = Int32(1, metadata={"description": "the venue's scanner slots: the allowance is split among them"})
    allowance_share_bp = Int32(0, 10_000, metadata={
        "description": "accept at most floor(offline_allowance_cents × allowance_share_bp / 10000) cents "
                       "per voucher credential on this scanner"})
    venue_categories = ma.fields.List(Int32(0, 31), metadata={
        "description": "the venue's category codes: a typed price with no event pays for one the voucher allows"})
    campaigns_not_here = ma.fields.List(Id(), metadata={
        "description": "campaigns whose territory leaves this venue's municipality out: refuse their vouchers "
                       "(out_of_scope); an event listed elsewhere carries its own list"})
    generated_at = Instant()
    issuer_keys = ma.fields.Dict()
    revocations = ma.fields.Dict()
    events = ma.fields.List(ma.fields.Dict())
    policy = ma.fields.Dict()


class SyncIn(ma.Schema):
    records = ma.fields.List(Text(4096), required=True,
                             validate=validate.Length(min=1, max=500),
                             metadata={"description": "signed scanner records (MR:...), oldest first"})
    since = Int32(0, load_default=None, allow_none=True,
                  metadata={"description": "the revocation cursor of the scanner's bundle: the answer "
                                           "carries the entries after it"})


class RecordOutcome(ma.Schema):
    record_id = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(metadata={"description": "redeemed | checked_in | refused | rejected"})
    code = ma.fields.String(allow_none=True)
    overspend_cents = Int64()
    duplicate = ma.fields.Boolean()


class TypedCodeIn(ma.Schema):
    record = Text(4096, required=True, metadata={
        "description": "a scanner record (MR:...) signed by this scanner, result accepted, scanned text "
                       "typed:<voucher id>:<6 digits> (docs/scanner-protocol.md, typed door code)"})


class TypedCodeResult(RecordOutcome):
    amount_cents = Int64(metadata={"description": "what the venue is paid for it (0 unless redeemed)"})


class ScannerState(ma.Schema):
    status = ma.fields.String(metadata={"description": "active | retired: a retired scanner decides red"})
    retired_at = Instant(allow_none=True)


class RevocationPage(ma.Schema):
    entries = ma.fields.List(ma.fields.Dict(), metadata={"description": "{kind, value}: voucher | ticket | device_key"})
    since = Int32(0, metadata={"description": "the cursor to send next time"})
    more = ma.fields.Boolean(metadata={"description": "more entries remain: download the bundle"})
    full = ma.fields.Boolean()


class SyncResult(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(RecordOutcome))
    scanner = ma.fields.Nested(ScannerState)
    revocations = ma.fields.Nested(RevocationPage, allow_none=True, metadata={
        "description": "entries newer than the request's `since` (null without it), this batch's freezes included"})


class FlaggedRecord(ma.Schema):
    record_id = ma.fields.String()
    scanner_id = Id()
    scanner_label = ma.fields.String(allow_none=True)
    venue_id = Id()
    venue_name = ma.fields.String(allow_none=True)
    scanned_at = Instant()
    outcome = ma.fields.String()
    outcome_code = ma.fields.String(allow_none=True)
    voucher_id = Id(allow_none=True)
    ticket_id = Id(allow_none=True)
    amount_cents = Int64()
    overspend_cents = Int64()
    crossing = ma.fields.Boolean(metadata={"description": "this redemption crossed the voucher's balance"})


class FlagDecision(ma.Schema):
    decision = ma.fields.String(metadata={"description": "unfreeze | recover"})
    note = ma.fields.String()
    decided_at = Instant()


class Flag(FlaggedRecord):
    kind = ma.fields.String(metadata={
        "description": "overspend | rule_broken | double_check_in | outside_area_paid (not flagged: paid outside "
                       "the campaign's territory, which the scanner's bundle could not name)"})
    involved = ma.fields.List(ma.fields.Nested(FlaggedRecord), metadata={
        "description": "for an overspend: every redemption of the voucher, by scan time"})
    voucher_status = ma.fields.String(allow_none=True, metadata={
        "description": "for an overspend: the voucher's state now (frozen, recovered, active)"})
    decision = ma.fields.Nested(FlagDecision, allow_none=True, metadata={
        "description": "for an overspend: the operator's latest decision (POST /admin/vouchers/{id}/decision)"})
