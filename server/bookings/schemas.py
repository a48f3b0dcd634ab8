import marshmallow as ma
from marshmallow import validate


class BookingIn(ma.Schema):
    event_id = ma.fields.Integer(required=True)
    voucher_id = ma.fields.Integer(required=True)
    request_id = ma.fields.String(required=True, validate=validate.Length(min=8, max=64),
                                  metadata={"description": "made by the wallet; a retry with it books nothing new"})


class Booking(ma.Schema):
    id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    event_title = ma.fields.String()
    starts_at = ma.fields.DateTime()
    voucher_id = ma.fields.Integer()
    price_cents = ma.fields.Integer()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    checked_in_at = ma.fields.DateTime(allow_none=True)
    ticket = ma.fields.String(allow_none=True, metadata={"description": "signed ticket credential (MT:...)"})


class RatingIn(ma.Schema):
    stars = ma.fields.Integer(required=True, strict=True)
    comment = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=280))


class Rating(ma.Schema):
    booking_id = ma.fields.Integer()
    stars = ma.fields.Integer()
    comment = ma.fields.String(allow_none=True)
