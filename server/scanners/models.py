from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

ACTIVE, RETIRED = "active", "retired"
VOUCHER, TICKET, DEVICE_KEY = "voucher", "ticket", "device_key"


def _now():
    return datetime.now(timezone.utc)


class ScannerDevice(db.Model):
    """A phone enrolled at a venue: its key signs every decision it records offline."""

    __tablename__ = "scanner_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    enrolled_by: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(33), unique=True)  # SEC1 compressed P-256
    label: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(16), default=ACTIVE)
    # The newest revocation entry and moment this scanner has downloaded: what it could know.
    last_bootstrap_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A lost or stolen phone is retired: what it recorded before still syncs and is paid,
    # anything dated after is not, and it gets no new bundle.
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class RevocationEntry(db.Model):
    """One line of the revocation list. Ids only grow: a scanner asks for those after
    the last id it has (the since-token)."""

    __tablename__ = "revocation_entry"
    __table_args__ = (sa.Index("ix_revocation_entry_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # voucher | ticket | device_key
    value: Mapped[str] = mapped_column(sa.String(80))  # the id, or the device key in hex
    reason: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now, index=True)
