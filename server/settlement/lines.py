"""What is payable to venues, as SQL: a run turns it into payout lines with one
INSERT ... SELECT, so a million redemptions never become a million Python objects.

A line is payable when its money sits in the venue's venue_payable account, it happened
before the cut-off, no payout has it yet, and no active hold keeps it back:

- a door redemption (scan_record, outcome 'redeemed'): the sync credited the venue;
- a booking checked in at the door: the booking credited the venue when it was made,
  but only a seat actually used is paid. A booking not checked in stays payable (it
  may still be cancelled and refunded to the voucher before the event closes).
"""
from datetime import datetime

import sqlalchemy as sa

from server.bookings.models import CONFIRMED, Booking
from server.catalogue import taxonomy
from server.catalogue.models import Event
from server.door.models import REDEEMED, ScanRecord
from server.extensions import db
from server.settlement.models import BOOKING, REDEMPTION, Hold, PayoutLine

DOOR_LABEL = "Ingresso"  # a redemption with neither event nor door category


def _not_paid(kind: str, source_id) -> sa.ColumnElement:
    return ~sa.exists().where(PayoutLine.kind == kind, PayoutLine.source_id == source_id)


def _not_held(kind: str, source_id) -> sa.ColumnElement:
    return ~sa.exists().where(Hold.kind == kind, Hold.source_id == source_id, Hold.released_at.is_(None))


def _never_held(kind: str, source_id) -> sa.ColumnElement:
    return ~sa.exists().where(Hold.kind == kind, Hold.source_id == source_id)


def _door_label() -> sa.ColumnElement:
    names = {category.code: category.it for category in taxonomy.categories().values()}
    return sa.case(names, value=ScanRecord.category_code, else_=DOOR_LABEL)


def redemptions(cut_off: datetime | None = None) -> sa.Select:
    """Redemption lines not yet paid (kind, source_id, venue_id, occurred_at, label,
    amount_cents), flagged or not. The event joins only if it is the venue's own: the
    scanner signs the event id, the server does not take its word for whose it is."""
    event = sa.orm.aliased(Event)
    query = (sa.select(sa.literal(REDEMPTION).label("kind"), ScanRecord.id.label("source_id"),
                       ScanRecord.venue_id.label("venue_id"), ScanRecord.scanned_at.label("occurred_at"),
                       sa.func.coalesce(event.title, _door_label()).label("label"),
                       ScanRecord.amount_cents.label("amount_cents"))
             .select_from(ScanRecord)
             .outerjoin(event, sa.and_(event.id == ScanRecord.event_id, event.venue_id == ScanRecord.venue_id))
             .where(ScanRecord.outcome == REDEEMED, ScanRecord.amount_cents > 0,
                    _not_paid(REDEMPTION, ScanRecord.id)))
    if cut_off is not None:
        query = query.where(ScanRecord.scanned_at < cut_off)
    return query


def bookings(cut_off: datetime | None = None) -> sa.Select:
    query = (sa.select(sa.literal(BOOKING).label("kind"), Booking.id.label("source_id"),
                       Event.venue_id.label("venue_id"), Booking.checked_in_at.label("occurred_at"),
                       Event.title.label("label"), Booking.price_cents.label("amount_cents"))
             .select_from(Booking).join(Event, Event.id == Booking.event_id)
             .where(Booking.status == CONFIRMED, Booking.checked_in_at.is_not(None), Booking.price_cents > 0,
                    _not_paid(BOOKING, Booking.id)))
    if cut_off is not None:
        query = query.where(Booking.checked_in_at < cut_off)
    return query


def payable(cut_off: datetime, venues: tuple[int, int] | None = None) -> sa.Subquery:
    """Every line a run may pay: unpaid, before the cut-off, not held, and not an open
    anomaly (a flagged redemption nobody has released: the run holds it first, this
    keeps out one flagged meanwhile). ``venues`` (after, up to): only those venues'
    lines, filtered inside each branch so that a job's chunk reads its venues' lines
    by index instead of every payable line."""
    paid_redemptions = redemptions(cut_off).where(
        _not_held(REDEMPTION, ScanRecord.id),
        sa.or_(ScanRecord.flagged.is_(False), ~_never_held(REDEMPTION, ScanRecord.id)))
    paid_bookings = bookings(cut_off).where(_not_held(BOOKING, Booking.id))
    if venues is not None:
        after, up_to = venues
        paid_redemptions = paid_redemptions.where(ScanRecord.venue_id > after, ScanRecord.venue_id <= up_to)
        paid_bookings = paid_bookings.where(Event.venue_id > after, Event.venue_id <= up_to)
    return sa.union_all(paid_redemptions, paid_bookings).subquery("payable")


def open_anomalies(cut_off: datetime) -> sa.Select:
    """Flagged redemptions before the cut-off, unpaid and never held: a run holds them."""
    return redemptions(cut_off).where(ScanRecord.flagged.is_(True), _never_held(REDEMPTION, ScanRecord.id))


def one(kind: str, source_id: int):
    """The unpaid line of that kind and id (a row: venue_id, amount_cents, ...), or None."""
    query = redemptions().where(ScanRecord.id == source_id) if kind == REDEMPTION else \
        bookings().where(Booking.id == source_id)
    return db.session.execute(query).first()
