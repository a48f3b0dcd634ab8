from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

CONFIRMED, CANCELLED = "confirmed", "cancelled"


def _now():
    return datetime.now(timezone.utc)


class Booking(db.Model):
    """A seat paid from a voucher. Its id is the ticket id in the ticket credential."""

    __tablename__ = "booking"
    __table_args__ = (sa.UniqueConstraint("wallet_id", "request_id", name="uq_booking_wallet_request"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    wallet_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet.id"), index=True)
    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    request_id: Mapped[str] = mapped_column(sa.String(64))  # the wallet's idempotency key
    price_cents: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default=CONFIRMED)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Rating(db.Model):
    """A student's rating of an event attended: sponsors see only aggregates."""

    __tablename__ = "rating"
    __table_args__ = (sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(sa.ForeignKey("booking.id"), unique=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    stars: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.String(280))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
