"""A wallet's history: money into and out of its own vouchers, newest first. Read only.

Built from the records that already settle the money, not from a log of its own:
the wallet's vouchers (claimed or issued directly: their face value in), its
bookings (the price out; a cancelled one gives it back at ``cancelled_at``) and the
redemptions synced from scanners (``ScanRecord`` with outcome ``redeemed``: the
amount out, at the venue, at the scan time, and the part of it the voucher no longer
covered, which the campaign's reserve paid: without it an overspent wallet reads
+20 −14 −14 = 0 and the student cannot tell where 8 € came from). Each source is read
newest first and cut at ``limit`` before the merge, so the newest ``limit`` entries are exact
whatever the mix, and the cost does not grow with an old wallet's past.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa

from server.accounts.models import Organisation, Wallet
from server.bookings.models import CANCELLED, Booking
from server.catalogue.models import Event
from server.extensions import db
from server.door.models import REDEEMED, ScanRecord
from server.vouchers.models import Voucher

CLAIM, BOOKING, REFUND, REDEMPTION = "claim", "booking", "refund", "redemption"
KINDS = (CLAIM, BOOKING, REFUND, REDEMPTION)
HISTORY_LIMIT = 200
# Entries at the same instant: what followed comes first (newest first).
_AFTER = {CLAIM: 0, BOOKING: 1, REFUND: 2, REDEMPTION: 3}


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    amount_cents: int  # positive: money in; negative: spent
    voucher_id: int
    venue_name: str | None = None
    event_title: str | None = None
    source_id: int = 0  # the row's id: a stable order between entries at one instant
    # Of a redemption: the part the sponsor's reserve paid (ScanRecord.overspend_cents);
    # included in amount_cents, which stays the whole price.
    covered_by_reserve_cents: int = 0


def _utc(moment: datetime) -> datetime:
    # Voucher.created_at is a plain DateTime(timezone=True): naive on SQLite.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def wallet_history(wallet: Wallet, *, limit: int = HISTORY_LIMIT) -> list[Entry]:
    entries = [*_claims(wallet, limit), *_bookings(wallet, limit), *_refunds(wallet, limit),
               *_redemptions(wallet, limit)]
    entries.sort(key=lambda entry: (entry.at, _AFTER[entry.kind], entry.source_id), reverse=True)
    return entries[:limit]


def _claims(wallet: Wallet, limit: int) -> list[Entry]:
    rows = db.session.execute(
        sa.select(Voucher.id, Voucher.created_at, Voucher.face_value_cents)
        .where(Voucher.wallet_id == wallet.id)
        .order_by(Voucher.created_at.desc(), Voucher.id.desc()).limit(limit))
    return [Entry(_utc(created_at), CLAIM, face_value, voucher_id, source_id=voucher_id)
            for voucher_id, created_at, face_value in rows]


def _booking_rows(wallet: Wallet):
    return (sa.select(Booking.id, Booking.created_at, Booking.cancelled_at, Booking.price_cents, Booking.voucher_id,
                      Organisation.name, Event.title)
            .join(Event, Event.id == Booking.event_id)
            .join(Organisation, Organisation.id == Event.venue_id)
            .where(Booking.wallet_id == wallet.id))


def _bookings(wallet: Wallet, limit: int) -> list[Entry]:
    rows = db.session.execute(_booking_rows(wallet).order_by(Booking.created_at.desc(), Booking.id.desc())
                              .limit(limit))
    return [Entry(_utc(row.created_at), BOOKING, -row.price_cents, row.voucher_id, row.name, row.title, row.id)
            for row in rows]


def _refunds(wallet: Wallet, limit: int) -> list[Entry]:
    rows = db.session.execute(
        _booking_rows(wallet).where(Booking.status == CANCELLED, Booking.cancelled_at.is_not(None))
        .order_by(Booking.cancelled_at.desc(), Booking.id.desc()).limit(limit))
    return [Entry(_utc(row.cancelled_at), REFUND, row.price_cents, row.voucher_id, row.name, row.title, row.id)
            for row in rows]


def _redemptions(wallet: Wallet, limit: int) -> list[Entry]:
    vouchers = sa.select(Voucher.id).where(Voucher.wallet_id == wallet.id)
    rows = db.session.execute(
        sa.select(ScanRecord.id, ScanRecord.scanned_at, ScanRecord.amount_cents, ScanRecord.overspend_cents,
                  ScanRecord.voucher_id, Organisation.name, Event.title)
        .join(Organisation, Organisation.id == ScanRecord.venue_id)
        # The scanner names the event; only one of its own venue's is shown.
        .outerjoin(Event, sa.and_(Event.id == ScanRecord.event_id, Event.venue_id == ScanRecord.venue_id))
        .where(ScanRecord.outcome == REDEEMED, ScanRecord.voucher_id.in_(vouchers))
        .order_by(ScanRecord.scanned_at.desc(), ScanRecord.id.desc()).limit(limit))
    return [Entry(row.scanned_at, REDEMPTION, -row.amount_cents, row.voucher_id, row.name, row.title, row.id,
                  covered_by_reserve_cents=row.overspend_cents or 0)
            for row in rows]
