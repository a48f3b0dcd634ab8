import marshmallow as ma
from marshmallow import validate

from server.http.fields import Id, Instant, Int32, Int64, Text
from server.vouchers import history


class AllocationIn(ma.Schema):
    school_id = Id(required=True)
    voucher_count = Int32(required=True, strict=True)


class Allocation(ma.Schema):
    id = Id()
    campaign_id = Id()
    campaign_name = ma.fields.String()
    school_id = Id()
    voucher_count = Int32(0)
    face_value_cents = Int32(0)
    codes_issued = Int32(0)
    held_by_jobs = Int32(0, metadata={"description": "vouchers that queued or running direct issuance jobs hold "
                                                     "and have yet to issue"})
    room = Int32(0, metadata={"description": "how many a request may still have, as codes or issued to "
                                             "wallets: voucher_count less codes_issued less held_by_jobs"})
    # No claimed / used here: figures about students are in GET /schools/<id>/report only.


class CodesIn(ma.Schema):
    count = Int32(required=True, strict=True)


class Code(ma.Schema):
    serial = Int32(1, metadata={"description": "the card's number in its allocation, printed on it (not secret)"})
    code = ma.fields.String()
    link = ma.fields.String(metadata={"description": "deep link for the card's QR code"})


class Codes(ma.Schema):
    codes = ma.fields.List(ma.fields.Nested(Code), metadata={"description": "shown once: only hashes are stored"})


class ClaimIn(ma.Schema):
    code = Text(40, required=True)


class Voucher(ma.Schema):
    id = Id()
    campaign_id = Id()
    campaign_name = ma.fields.String()
    sponsors = ma.fields.List(ma.fields.String(), metadata={"description": "offerto da ..."})
    face_value_cents = Int32(0)
    balance_cents = Int64()
    status = ma.fields.String(validate=validate.OneOf(("active", "frozen", "spent", "recovered")), metadata={
        "description": "active: spendable; frozen: suspended, no credential (status_reason says why); spent: "
                       "nothing left; recovered: its balance moved to another voucher (server/recovery)"})
    status_reason = ma.fields.String(allow_none=True, metadata={
        "description": "frozen: overspend (spent twice offline) | under_review (the operator is checking) | "
                       "recovery_started (the school started a recovery: claim the recovery code); recovered: "
                       "other_device (moved to another phone) | reissued (moved to a new voucher in this wallet); "
                       "null otherwise"})
    categories = ma.fields.List(ma.fields.String())
    campaign_valid_until = ma.fields.Date()
    credential = ma.fields.String(allow_none=True, metadata={
        "description": "signed voucher credential (docs/tokens.md); null in lists: ask for one with "
                       "POST /wallet/vouchers/{voucher_id}/credential"})
    credential_valid_until = Instant(allow_none=True)
    door_code_key = ma.fields.String(metadata={
        "description": "with a credential only: hex key of the six-digit door code shown under the QR "
                       "(docs/tokens.md, typed door code); secret, this wallet's alone"})


class DirectIn(ma.Schema):
    # Up to a whole allocation; above DIRECT_IN_REQUEST keys the answer is a job (202).
    device_keys = ma.fields.List(Text(200), required=True,
                                 validate=validate.Length(min=1, max=10_000),
                                 metadata={"description": "students' wallet device keys (SEC1 hex), read from their "
                                                          "wallet QR; more than 1,000 are issued by a job (202)"})


class DirectVoucher(ma.Schema):
    voucher_id = Id()
    credential = ma.fields.String()


class DirectOut(ma.Schema):
    vouchers = ma.fields.List(ma.fields.Nested(DirectVoucher))


class HistoryEntry(ma.Schema):
    at = Instant()
    kind = ma.fields.String(validate=validate.OneOf(history.KINDS))
    amount_cents = Int64(metadata={"description": "positive: money in; negative: spent"})
    voucher_id = Id()
    venue_name = ma.fields.String(allow_none=True)
    event_title = ma.fields.String(allow_none=True)
    covered_by_reserve_cents = Int64(metadata={
        "description": "of a redemption spent offline beyond the balance: the part of amount_cents the "
                       "sponsor's reserve paid (0 otherwise)"})


class History(ma.Schema):
    entries = ma.fields.List(ma.fields.Nested(HistoryEntry),
                             metadata={"description": f"newest first, at most {history.HISTORY_LIMIT}"})


def Serial(**kwargs) -> Int32:  # noqa: N802 (a field, like the others)
    """A card number: 1 to the largest allocation (api.MAX_ALLOCATION)."""
    return Int32(1, 10_000, strict=True, **kwargs)


class ReissueIn(ma.Schema):
    serials = ma.fields.List(Serial(), required=True, validate=validate.Length(min=1, max=1000),
                             metadata={"description": "numbers of the cards to void and reissue"})


class PostedCard(ma.Schema):
    serial = Serial(required=True)
    code = Text(40, required=True)


class CardsIn(ma.Schema):
    cards = ma.fields.List(ma.fields.Nested(PostedCard), required=True, validate=validate.Length(min=1, max=1000),
                           metadata={"description": "codes from the answer that issued them; checked, not stored"})
    label = Text(20, load_default="", metadata={"description": "the class (\"3B\"), printed on each card"})
