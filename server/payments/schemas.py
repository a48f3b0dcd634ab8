import marshmallow as ma

from server.http.fields import Id, Instant, Int32, Int64, Text


class TopUpIn(ma.Schema):
    amount_cents = Int64(required=True, strict=True)
    provider = Text(32, load_default="sepa_transfer")


class TopUp(ma.Schema):
    id = Id()
    campaign_id = Id()
    sponsor_id = Id()
    amount_cents = Int64(0)
    provider = ma.fields.String()
    reference = ma.fields.String()
    status = ma.fields.String()
    created_at = Instant()
    confirmed_at = Instant(allow_none=True)
    cancelled_at = Instant(allow_none=True)


class Instructions(ma.Schema):
    beneficiary_name = ma.fields.String()
    iban = ma.fields.String()
    bic = ma.fields.String()
    amount = ma.fields.String(metadata={"description": "as the bank shows it, e.g. EUR250.00"})
    amount_cents = Int64(0)
    reference = ma.fields.String(metadata={"description": "RF creditor reference: quote it on the transfer"})
    epc_payload = ma.fields.String(metadata={"description": "EPC069-12 QR content"})
    qr_png_url = ma.fields.String()
    qr_svg_url = ma.fields.String()


class TopUpWithInstructions(TopUp):
    instructions = ma.fields.Nested(Instructions)
    risk_reserve_bps = Int32(0, 10_000, metadata={"description": "the campaign's risk reserve, basis points"})
    reserve_cents = Int64(0, metadata={"description": "set aside from this top-up for offline overspend"})
    campaign_cents = Int64(0, metadata={"description": "what reaches the campaign to fund vouchers"})
    receipt_pdf_url = ma.fields.String(allow_none=True, metadata={"description": "once confirmed"})
