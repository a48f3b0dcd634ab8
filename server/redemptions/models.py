from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

REDEEMED, CHECKED_IN, REFUSED, REJECTED = "redeemed", "checked_in", "refused", "rejected"


def _now():
    return datetime.now(timezone.utc)


class ScanRecord(db.Model):
    """One synced scanner decision and what the server made of it. Stores ids, not the
    scanned text: the least data that settles money and fraud."""

    __tablename__ = "scan_record"
    __table_args__ = (
        sa.Index("ix_scan_record_voucher_scanner", "voucher_id", "scanner_id", "credential_valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # hex of the scanner's UUID
    scanner_id: Mapped[int] = mapped_column(sa.ForeignKey("scanner_device.id"), index=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    event_id: Mapped[int | None] = mapped_column(sa.Integer)
    # What a redeemed voucher paid for: the event's category, or with no event the door
    # category (redemptions.api.door_category). Reports break spending down by it.
    category_code: Mapped[int | None] = mapped_column(sa.SmallInteger)
    amount_cents: Mapped[int] = mapped_column(sa.Integer, default=0)
    scanner_result: Mapped[str] = mapped_column(sa.String(32))  # what the scanner said at the door
    outcome: Mapped[str] = mapped_column(sa.String(16))  # redeemed | checked_in | refused | rejected
    outcome_code: Mapped[str | None] = mapped_column(sa.String(40))  # why, when rejected
    voucher_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    credential_valid_from: Mapped[int | None] = mapped_column(sa.BigInteger)
    overspend_cents: Mapped[int] = mapped_column(sa.Integer, default=0)
    flagged: Mapped[bool] = mapped_column(default=False)
