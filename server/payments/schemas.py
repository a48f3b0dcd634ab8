import marshmallow as ma
from marshmallow import validate


class TopUpIn(ma.Schema):
    amount_cents = ma.fields.Integer(required=True, strict=True)
    provider = ma.fields.String(load_default="sepa_transfer", validate=validate.Length(max=32))


class TopUp(ma.Schema):
    id = ma.fields.Integer()
    campaign_id = ma.fields.Integer()
    sponsor_id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    provider = ma.fields.String()
    reference = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    confirmed_at = ma.fields.DateTime(allow_none=True)


class Instructions(ma.Schema):
    beneficiary_name = ma.fields.String()
    iban = ma.fields.String()
    bic = ma.fields.String()
    amount = ma.fields.String(metadata={"description": "as the bank shows it, e.g. EUR250.00"})
    amount_cents = ma.fields.Integer()
    reference = ma.fields.String(metadata={"description": "RF creditor reference: quote it on the transfer"})
    epc_payload = ma.fields.String(metadata={"description": "EPC069-12 QR content"})
    qr_png_url = ma.fields.String()
    qr_svg_url = ma.fields.String()


class TopUpWithInstructions(TopUp):
    instructions = ma.fields.Nested(Instructions)
