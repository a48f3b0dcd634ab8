import marshmallow as ma

from server.http.fields import Id, Instant, Int64


class Receipt(ma.Schema):
    id = Id()
    topup_id = Id()
    campaign_name = ma.fields.String()
    number = ma.fields.String(attribute="label", metadata={"description": 'per year, e.g. "2026/000123"'})
    issued_at = Instant()
    amount_cents = Int64(0)
    reference = ma.fields.String(metadata={"description": "the top-up's RF reference"})
    pdf_url = ma.fields.Function(lambda receipt: f"/api/v1/topups/{receipt.topup_id}/receipt.pdf")
