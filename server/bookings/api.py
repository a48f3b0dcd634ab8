"""Booking use cases. They flush, never commit; money moves only through the ledger."""
import logging
from datetime import datetime

import sqlalchemy as sa

from server.accounts.models import Wallet
from server.bookings import exceptions as exc
from server.bookings.models import CANCELLED, CONFIRMED, Booking, Rating
from server.campaigns.models import Campaign
from server.catalogue import api as catalogue_api
from server.catalogue.models import PUBLISHED, Event
from server.errors import InvalidInput
from server.extensions import db
from server.ledger import api as ledger
from server.ledger.exceptions import InsufficientFunds
from server.onboarding import territory
from server.door import revocations
from server.door.models import TICKET
from server.vouchers import api as vouchers_api
from server.vouchers.models import FROZEN
from signing import IssuerKeyset, issue_ticket, to_text

log = logging.getLogger(__name__)


def _closes_at(event: Event) -> datetime:
    return event.booking_deadline or event.starts_at


def book(*, wallet: Wallet, event_id: int, voucher_id: int, request_id: str, now: datetime) -> Booking:
    """One seat, paid from the voucher. The event row is locked, so the last seat is
    sold once; the same ``request_id`` again returns the first booking."""
    existing = db.session.scalar(sa.select(Booking).filter_by(wallet_id=wallet.id, request_id=request_id))
    if existing is not None:
        return existing
    voucher = vouchers_api.wallet_voucher(wallet=wallet, voucher_id=voucher_id)
    if voucher.status == FROZEN:
        raise exc.NotSpendableHere("Questo buono è sospeso.", code="voucher_frozen")
    event = catalogue_api.get_event(event_id, for_update=True)
    if event.status != PUBLISHED or now >= _closes_at(event):
        raise exc.BookingClosed("Le prenotazioni per questo evento sono chiuse.")
    campaign = db.session.get(Campaign, voucher.campaign_id)
    if event.category_code not in campaign.category_codes:
        raise exc.NotSpendableHere("Questo buono non vale per questa categoria di eventi.")
    if not territory.covers(campaign.territory, event.municipality_code):
        raise exc.NotSpendableHere("Questo buono non vale in questo comune.")
    if now.date() > campaign.valid_until:
        raise exc.NotSpendableHere("La campagna di questo buono è terminata.")
    if event.seats_taken >= event.capacity:
        raise exc.SoldOut("Posti esauriti.")
    booking = Booking(event_id=event.id, wallet_id=wallet.id, voucher_id=voucher.id, request_id=request_id,
                      price_cents=event.price_cents, status=CONFIRMED, created_at=now)
    db.session.add(booking)
    db.session.flush()
    if event.price_cents:
        try:
            ledger.move(idempotency_key=f"booking:{booking.id}", kind="booking",
                        source=ledger.account("voucher", voucher.id),
                        destination=ledger.account("venue_payable", event.venue_id), amount_cents=event.price_cents)
        except InsufficientFunds as error:
            raise error.for_holder()  # the student's own voucher: its balance against the price
    event.seats_taken += 1
    db.session.flush()
    log.info("booked", extra={"booking_id": booking.id, "event_id": event.id})
    return booking


def wallet_booking(*, wallet: Wallet, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.wallet_id != wallet.id:
        raise exc.BookingNotFound("Prenotazione non trovata.")
    return booking


def cancel(*, booking: Booking, now: datetime) -> Booking:
    """Before the deadline: the seat is freed, the voucher refunded, the ticket revoked."""
    if booking.status == CANCELLED:
        raise exc.AlreadyCancelled("Prenotazione già annullata.")
    event = catalogue_api.get_event(booking.event_id, for_update=True)
    if now >= _closes_at(event):
        raise exc.BookingClosed("Non si può più annullare: il termine è passato.")
    if booking.price_cents:
        ledger.move(idempotency_key=f"booking:{booking.id}:refund", kind="booking_refund",
                    source=ledger.account("venue_payable", event.venue_id),
                    destination=ledger.account("voucher", booking.voucher_id), amount_cents=booking.price_cents)
    event.seats_taken -= 1
    booking.status, booking.cancelled_at = CANCELLED, now
    revocations.add(kind=TICKET, value=booking.id, reason="booking_cancelled", now=now)
    db.session.flush()
    return booking


def ticket(*, booking: Booking, wallet: Wallet, keyset: IssuerKeyset, now: datetime) -> str:
    """The signed ticket credential: this event, this venue, this phone, until the event ends."""
    if booking.status == CANCELLED:
        raise exc.AlreadyCancelled("Prenotazione annullata: nessun biglietto.")
    event = db.session.get(Event, booking.event_id)
    return to_text(issue_ticket(keyset, now=int(now.timestamp()), ticket_id=booking.id, event_id=event.id,
                                venue_id=event.venue_id, valid_from=int(now.timestamp()),
                                valid_until=int(event.ends_at.timestamp()), device_key=wallet.device_key))


def rate(*, booking: Booking, stars: int, comment: str | None, now: datetime) -> Rating:
    event = db.session.get(Event, booking.event_id)
    if booking.status != CONFIRMED or now < event.starts_at:
        raise exc.CannotRateYet("Potrai dare un voto dopo l'evento.")
    if not 1 <= stars <= 5:
        raise InvalidInput("Il voto va da 1 a 5.", code="invalid_stars", field="stars")
    found = db.session.scalar(sa.select(Rating).filter_by(booking_id=booking.id))
    if found is None:
        found = Rating(booking_id=booking.id, event_id=event.id)
        db.session.add(found)
    found.stars, found.comment, found.created_at = stars, (comment or "").strip()[:280] or None, now
    db.session.flush()
    return found


def bookings_of(wallet: Wallet) -> list[Booking]:
    return list(db.session.scalars(sa.select(Booking).filter_by(wallet_id=wallet.id).order_by(Booking.id.desc())))
