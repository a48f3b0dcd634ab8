import marshmallow as ma

from server.http.fields import Id, Instant, Int32, Text


class BookingIn(ma.Schema):
    event_id = Id(required=True)
    voucher_id = Id(required=True)
    request_id = Text(64, min_length=8, required=True,
                                  metadata={"description": "made by the wallet; a retry with it books nothing new"})


class Booking(ma.Schema):
    id = Id()
    event_id = Id()
    event_title = ma.fields.String()
    starts_at = Instant()
    voucher_id = Id()
    price_cents = Int32(0)
    status = ma.fields.String()
    created_at = Instant()
    checked_in_at = Instant(allow_none=True)
    ticket = ma.fields.String(allow_none=True, metadata={"description": "signed ticket credential (MT:...)"})


class RatingIn(ma.Schema):
    stars = Int32(required=True, strict=True)
    comment = Text(280, multiline=True, load_default=None, allow_none=True)


class Rating(ma.Schema):
    booking_id = Id()
    stars = Int32(1, 5)
    comment = ma.fields.String(allow_none=True)
