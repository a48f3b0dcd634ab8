"""What the door keeps: enrolled scanner phones, the revocation list, synced decisions."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

ACTIVE, RETIRED = "active", "retired"
VOUCHER, TICKET, DEVICE_KEY = "voucher", "ticket", "device_key"
REDEEMED, CHECKED_IN, REFUSED, REJECTED = "redeemed", "checked_in", "refused", "rejected"
FULL_SHARE_BP = 10_000  # a scanner's share of an offline allowance, in basis points


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
    # Which of the venue's scanner slots it holds (1-based) and the part of every voucher
    # credential's offline allowance that slot may accept. Both are fixed at enrolment:
    # a share that changed under a scanner offline would turn its honest scans into losses.
    slot: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    allowance_share_bp: Mapped[int] = mapped_column(sa.Integer, default=FULL_SHARE_BP)
    # The newest revocation entry and moment this scanner has downloaded: what it could know.
    # A sync answer that carried the whole list since its cursor moves it too. With the two
    # bundle downloads below, the history rules.revocations_known_at reads. The one before
    # it too (previous_bootstrap_at): a bundle download landing before the sync of records
    # scanned after an earlier sync answer must not hide the revocations that answer gave.
    last_bootstrap_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    previous_bootstrap_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Its last two bundle downloads (bootstrap only: a sync answer carries no campaigns),
    # what the campaigns its bundle names are as of. Two, not one: a phone back online
    # downloads and syncs at once, and the download may land before the records scanned
    # with the previous bundle (rules.campaign_known_offline).
    bundle_downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    previous_bundle_downloaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A lost or stolen phone is retired: what it recorded before still syncs and is paid,
    # anything dated after is not, and it gets no new bundle.
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)

    def received_whole_list(self, now: datetime) -> None:
        """The scanner now holds the whole revocation list (a bundle, or a sync answer
        that carried everything since its cursor); the moment before is kept."""
        self.previous_bootstrap_at = self.last_bootstrap_at
        self.last_bootstrap_at = now


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


class ScanRecord(db.Model):
    """One synced scanner decision and what the server made of it. Stores ids, not the
    scanned text: the least data that settles money and fraud."""

    __tablename__ = "scan_record"
    __table_args__ = (
        # A record id is the scanner's idempotency key: unique per scanner, so no scanner
        # can spoil another's records by reusing their ids.
        sa.UniqueConstraint("scanner_id", "record_id", name="uq_scan_record_scanner_record"),
        sa.Index("ix_scan_record_voucher_scanner", "voucher_id", "scanner_id", "credential_valid_from"),
        # A presentation (voucher, time step) is paid once on the whole platform. The sync
        # checks it under the voucher's lock; this index is the last word if it did not.
        sa.Index("uq_scan_record_paid_presentation", "voucher_id", "time_step", unique=True,
                 sqlite_where=sa.text("outcome = 'redeemed'"), postgresql_where=sa.text("outcome = 'redeemed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(sa.String(32))  # hex of the scanner's UUID
    scanner_id: Mapped[int] = mapped_column(sa.ForeignKey("scanner_device.id"), index=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    # When the scan happened, on the server's time as the scanner knew it (its clock
    # corrected by the offset it measured on its last contact): every rule judges this.
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The phone's own clock at the scan, from the record's clock trailer; null when the
    # record has none (the scan time is the phone's clock as it was).
    phone_scanned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    # As signed by the scanner (unsigned 32 bits): a crafted value is stored, not overflowed.
    event_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    # What a redeemed voucher paid for: the event's category, or with no event the door
    # category (door.rules.door_category). Reports break spending down by it.
    category_code: Mapped[int | None] = mapped_column(sa.SmallInteger)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    scanner_result: Mapped[str] = mapped_column(sa.String(32))  # what the scanner said at the door
    outcome: Mapped[str] = mapped_column(sa.String(16))  # redeemed | checked_in | refused | rejected
    # Why, when rejected; on a redemption, only outside_campaign_area_not_known (door.rules).
    outcome_code: Mapped[str | None] = mapped_column(sa.String(40))
    voucher_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    credential_valid_from: Mapped[int | None] = mapped_column(sa.BigInteger)
    time_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # of the presentation, when it verified
    # Of a redemption: the part its voucher no longer covered, charged to the campaign's
    # risk account. Attributed by scan time (then record id), whatever the sync order,
    # so it moves to earlier scans as late records arrive; the sum per voucher is what
    # the risk account paid for it.
    overspend_cents: Mapped[int] = mapped_column(sa.Integer, default=0)
    # The redemption that took its voucher below zero, by scan time: the overspend flag.
    crossed_balance: Mapped[bool] = mapped_column(default=False)
    flagged: Mapped[bool] = mapped_column(default=False)
    # Entered as a typed door code (voucher number and six digits) and checked online by
    # the server (door.typed), not read from a QR: the operator tells the two apart.
    typed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
