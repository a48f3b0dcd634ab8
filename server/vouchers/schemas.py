import marshmallow as ma
from marshmallow import validate

from server.vouchers import history


class AllocationIn(ma.Schema):
    school_id = ma.fields.Integer(required=True)
    voucher_count = ma.fields.Integer(required=True, strict=True)


class Allocation(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    campaign_name = ma.fields.String()
    school_id = ma.fields.Integer()
    voucher_count = ma.fields.Integer()
    face_value_cents = ma.fields.Integer()
    codes_issued = ma.fields.Integer()
    claimed = ma.fields.Integer()
    used = ma.fields.Integer()


class CodesIn(ma.Schema):
    count = ma.fields.Integer(required=True, strict=True)


class Code(ma.Schema):
    code = ma.fields.String()
    link = ma.fields.String(metadata={"description": "deep link for the card's QR code"})


class Codes(ma.Schema):
    codes = ma.fields.List(ma.fields.Nested(Code), metadata={"description": "shown once: only hashes are stored"})


class ClaimIn(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(max=40))


class Voucher(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    campaign_name = ma.fields.String()
    sponsors = ma.fields.List(ma.fields.String(), metadata={"description": "offerto da ..."})
    face_value_cents = ma.fields.Integer()
    balance_cents = ma.fields.Integer()
    status = ma.fields.String()
    categories = ma.fields.List(ma.fields.String())
    campaign_valid_until = ma.fields.Date()
    credential = ma.fields.String(metadata={"description": "signed voucher credential (docs/tokens.md)"})
    credential_valid_until = ma.fields.DateTime(allow_none=True)


class DirectIn(ma.Schema):
    device_keys = ma.fields.List(ma.fields.String(validate=validate.Length(max=200)), required=True,
                                 validate=validate.Length(min=1, max=1000),
                                 metadata={"description": "students' wallet device keys (SEC1 hex), read from their wallet QR"})


class DirectVoucher(ma.Schema):
    voucher_id = ma.fields.Integer()
    credential = ma.fields.String()


class DirectOut(ma.Schema):
    vouchers = ma.fields.List(ma.fields.Nested(DirectVoucher))


class HistoryEntry(ma.Schema):
    at = ma.fields.DateTime()
    kind = ma.fields.String(validate=validate.OneOf(history.KINDS))
    amount_cents = ma.fields.Integer(metadata={"description": "positive: money in; negative: spent"})
    voucher_id = ma.fields.Integer()
    venue_name = ma.fields.String(allow_none=True)
    event_title = ma.fields.String(allow_none=True)


class History(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(HistoryEntry),
                             metadata={"description": f"newest first, at most {history.HISTORY_LIMIT}"})
