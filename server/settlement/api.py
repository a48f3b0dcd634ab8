"""Settlement use cases. They flush, never commit: the request boundary commits."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.extensions import db
from server.settlement import exceptions as exc
from server.settlement.models import Payout


def find_payout_by_end_to_end_id(end_to_end_id: str) -> Payout | None:
    """The payout a bank statement entry names by its EndToEndId, if any."""
    return db.session.scalar(sa.select(Payout).filter_by(end_to_end_id=end_to_end_id))


def get_payout(payout_id: int) -> Payout:
    """A payout with its lines (PayoutNotFound otherwise)."""
    found = db.session.scalar(sa.select(Payout).filter_by(id=payout_id).options(selectinload(Payout.lines)))
    if found is None:
        raise exc.PayoutNotFound("Pagamento non trovato.")
    return found


def payouts_of_venue(venue_id: int) -> list[Payout]:
    """A venue's payouts, newest first."""
    return list(db.session.scalars(sa.select(Payout).filter_by(venue_id=venue_id).order_by(Payout.id.desc())))


def mark_payout_paid(payout: Payout, *, booked_on: date, bank_reference: str | None, now: datetime) -> Payout:
    """The bank paid it: payout_in_transit → bank. Idempotent; the run is paid with its last payout."""
    raise NotImplementedError
