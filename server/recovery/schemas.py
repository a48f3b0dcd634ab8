import marshmallow as ma
from marshmallow import validate

from server.http.fields import Count, Id, Instant, Int32, Int64, Text
from server.recovery.models import RECOVER, UNFREEZE

CARD_STATES = ("active", "spent", "suspended", "recovering", "recovered", "resolved")


class Card(ma.Schema):
    card_number = Int32(1, metadata={"description": "the number printed on the card, within its allocation"})
    allocation_id = Id()
    campaign_name = ma.fields.String()
    status = ma.fields.String(validate=validate.OneOf(CARD_STATES), metadata={
        "description": "of the voucher the card's money sits on now: active; spent (nothing left); suspended "
                       "(status_reason: overspend | under_review); recovering (a recovery code was handed out, "
                       "not claimed yet); recovered (moved to a new phone, active there); resolved (the operator "
                       "unfroze it)"})
    status_reason = ma.fields.String(allow_none=True)
    balance_cents = Int64()


class SchoolCards(ma.Schema):
    cards = ma.fields.List(ma.fields.Nested(Card), metadata={
        "description": "claimed cards only, by allocation and number; no student or wallet data"})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=Count(), metadata={"description": "cards by status"})
    truncated = ma.fields.Boolean()


class RecoveryCode(ma.Schema):
    card_number = Int32(1)
    code = ma.fields.String(metadata={"description": "one-time recovery code, shown once: only its HMAC is stored. "
                                                    "The new wallet types it where claim codes go"})
    link = ma.fields.String(metadata={"description": "deep link that claims it (for a QR)"})


class VoucherDecisionIn(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf((UNFREEZE, RECOVER)), metadata={
        "description": "unfreeze: the balance moves at once to a fresh voucher in the same wallet; recover: keep "
                       "it frozen (under review) for the school to start a recovery"})
    note = Text(500, required=True)


class VoucherDecision(ma.Schema):
    voucher_id = Id()
    decision = ma.fields.String()
    note = ma.fields.String()
    decided_at = Instant()
