from datetime import datetime, timezone

from flask_smorest import Blueprint

from server import keys
from server.bookings import api as bookings_api
from server.bookings import schemas
from server.catalogue.models import Event
from server.extensions import db
from server.http import auth, idempotency

bp = Blueprint("bookings", __name__, url_prefix="/api/v1/wallet", description="Wallet bookings and tickets")


def _now():
    return datetime.now(timezone.utc)


def _view(booking, ticket=None) -> dict:
    event = db.session.get(Event, booking.event_id)
    return {**{f: getattr(booking, f) for f in ("id", "event_id", "voucher_id", "price_cents", "status",
                                                  "created_at", "checked_in_at")},
            "event_title": event.title, "starts_at": event.starts_at, "ticket": ticket}


@bp.post("/bookings")
@idempotency.idempotent(idempotency.wallet, required=True)
@bp.arguments(schemas.BookingIn)
@bp.response(201, schemas.Booking)
def book(body):
    """Book a seat paying with a voucher; answers with the ticket credential."""
    wallet = auth.require_wallet()
    now = _now()
    booking = bookings_api.book(wallet=wallet, now=now, **body)
    return _view(booking, bookings_api.ticket(booking=booking, wallet=wallet, keyset=keys.issuer_keyset(), now=now))


@bp.get("/bookings")
@bp.response(200, schemas.Booking(many=True))
def bookings():
    return [_view(b) for b in bookings_api.bookings_of(auth.require_wallet())]


@bp.post("/bookings/<int:booking_id>/cancel")
@idempotency.idempotent(idempotency.wallet, required=True)
@bp.response(200, schemas.Booking)
def cancel(booking_id):
    wallet = auth.require_wallet()
    return _view(bookings_api.cancel(booking=bookings_api.wallet_booking(wallet=wallet, booking_id=booking_id),
                                     now=_now()))


@bp.post("/bookings/<int:booking_id>/ticket")
@bp.response(200, schemas.Booking)
def refresh_ticket(booking_id):
    wallet = auth.require_wallet()
    booking = bookings_api.wallet_booking(wallet=wallet, booking_id=booking_id)
    return _view(booking, bookings_api.ticket(booking=booking, wallet=wallet, keyset=keys.issuer_keyset(), now=_now()))


@bp.post("/bookings/<int:booking_id>/rating")
@idempotency.idempotent(idempotency.wallet, required=False)
@bp.arguments(schemas.RatingIn)
@bp.response(200, schemas.Rating)
def rate(body, booking_id):
    """After the event: 1-5 stars and a short comment."""
    wallet = auth.require_wallet()
    booking = bookings_api.wallet_booking(wallet=wallet, booking_id=booking_id)
    return bookings_api.rate(booking=booking, stars=body["stars"], comment=body["comment"], now=_now())
