"""What a settlement run keeps: the run, one payout per venue, the lines each payout
pays, the venues a run could not pay, and the lines held back from runs."""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db_types import UtcDateTime
from server.extensions import db

# Run and payout states: pending → exported (the pain.001 left) → paid (the bank says so).
# A big run is computed by a job first (computing → open): nothing of it leaves before.
OPEN, PENDING, EXPORTED, PAID, COMPUTING = "open", "pending", "exported", "paid", "computing"
RUN_STATUSES = (COMPUTING, OPEN, EXPORTED, PAID)
PAYOUT_STATUSES = (PENDING, EXPORTED, PAID)
# What a line pays for: a door redemption (scan_record.id) or a checked-in booking (booking.id).
REDEMPTION, BOOKING = "redemption", "booking"
LINE_KINDS = (REDEMPTION, BOOKING)
# Why a venue with money owed got no payout in a run.
NO_IBAN, VENUE_NOT_APPROVED = "no_iban", "venue_not_approved"
# Why a line was held back: an open anomaly (a flagged scan) or the operator's word.
OPEN_ANOMALY = "open_anomaly"


def _now():
    return datetime.now(timezone.utc)


class SettlementRun(db.Model):
    """A period closed at a cut-off: everything payable before it, per venue, became a payout."""

    __tablename__ = "settlement_run"
    __table_args__ = (
        # One run computed by a job at a time: the last word if two requests raced past
        # the lock on payout_in_transit (api.start_run).
        sa.Index("uq_settlement_run_computing", "status", unique=True,
                 sqlite_where=sa.text("status = 'computing'"), postgresql_where=sa.text("status = 'computing'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cut_off: Mapped[datetime] = mapped_column(UtcDateTime)  # lines that happened before this instant
    status: Mapped[str] = mapped_column(sa.String(16), default=OPEN)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # None: the schedule
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    exported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    message_id: Mapped[str | None] = mapped_column(sa.String(35))  # pain.001 MsgId
    # The pain.001 as first downloaded: a re-download is the same file, byte for byte,
    # so a bank that sees it twice recognises the MsgId and refuses the duplicate.
    pain_version: Mapped[str | None] = mapped_column(sa.String(20))
    pain_xml: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    # A computing run's progress: the venues up to this id are settled (each chunk of
    # the job commits its payouts with the new cursor). None for a run made at once.
    venue_cursor: Mapped[int | None] = mapped_column(sa.Integer)
    payouts: Mapped[list["Payout"]] = relationship(back_populates="run", order_by="Payout.id")
    skipped: Mapped[list["SkippedVenue"]] = relationship(order_by="SkippedVenue.venue_id")


class Payout(db.Model):
    """What one run pays one venue: one SEPA credit transfer, one statement."""

    __tablename__ = "payout"
    __table_args__ = (sa.UniqueConstraint("run_id", "venue_id", name="uq_payout_run_venue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("settlement_run.id"), index=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    iban: Mapped[str] = mapped_column(sa.String(34))  # the venue's approved IBAN at the run
    end_to_end_id: Mapped[str] = mapped_column(sa.String(35), unique=True)  # MENT-<run>-<payout>
    remittance: Mapped[str] = mapped_column(sa.String(140))  # names the run and the statement
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    booked_on: Mapped[date | None] = mapped_column(sa.Date)  # the bank's booking date
    bank_reference: Mapped[str | None] = mapped_column(sa.String(140))
    run: Mapped[SettlementRun] = relationship(back_populates="payouts")
    lines: Mapped[list["PayoutLine"]] = relationship(order_by="(PayoutLine.occurred_at, PayoutLine.id)",
                                                     back_populates="payout")

    @property
    def statement_number(self) -> str:
        return statement_number(self.id)


def statement_number(payout_id: int) -> str:
    """The venue statement's number: what the remittance text quotes."""
    return f"P-{payout_id}"


class PayoutLine(db.Model):
    """One thing a payout pays for. A (kind, source) is paid by one payout only, ever:
    the unique constraint is the last word if two runs raced past the locks."""

    __tablename__ = "payout_line"
    __table_args__ = (sa.UniqueConstraint("kind", "source_id", name="uq_payout_line_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(sa.ForeignKey("payout.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # redemption | booking
    source_id: Mapped[int] = mapped_column(sa.BigInteger)  # scan_record.id or booking.id
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)  # scanned at, or checked in at
    label: Mapped[str] = mapped_column(sa.String(200))  # event title, or door category name
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    payout: Mapped[Payout] = relationship(back_populates="lines")


class SkippedVenue(db.Model):
    """A venue owed money that a run could not pay: its lines stay payable."""

    __tablename__ = "settlement_skipped_venue"
    __table_args__ = (sa.UniqueConstraint("run_id", "venue_id", name="uq_settlement_skipped_run_venue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("settlement_run.id"), index=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    reason: Mapped[str] = mapped_column(sa.String(32))  # no_iban | venue_not_approved
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)  # what it would have been paid
    line_count: Mapped[int] = mapped_column(sa.Integer)


class Hold(db.Model):
    """A line kept out of runs until released. A flagged scan is held by the run that
    meets it (reason open_anomaly); the operator holds or releases any unpaid line.
    Once released, a line is paid by the next run even if its scan stays flagged:
    the release is the operator's word on the anomaly."""

    __tablename__ = "settlement_hold"
    __table_args__ = (
        # At most one active hold per line.
        sa.Index("uq_settlement_hold_active", "kind", "source_id", unique=True,
                 sqlite_where=sa.text("released_at IS NULL"), postgresql_where=sa.text("released_at IS NULL")),
        sa.Index("ix_settlement_hold_source", "kind", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[int] = mapped_column(sa.BigInteger)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))  # None: a run
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("settlement_run.id"))  # the run that held it
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    release_reason: Mapped[str | None] = mapped_column(sa.String(200))
