from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db
from server.jobs import models as jobs_models  # noqa: F401  (the job table, which reservations name)

UNCLAIMED, CLAIMED, VOIDED = "unclaimed", "claimed", "voided"
ACTIVE, FROZEN = "active", "frozen"


def _now():
    return datetime.now(timezone.utc)


class Allocation(db.Model):
    """Vouchers of a campaign given to a school; the money sits in its own ledger account."""

    __tablename__ = "allocation"
    __table_args__ = (sa.CheckConstraint("voucher_count > 0", name="count_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    voucher_count: Mapped[int] = mapped_column(sa.Integer)
    face_value_cents: Mapped[int] = mapped_column(sa.Integer)
    codes_issued: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class IssuanceReservation(db.Model):
    """Room in an allocation that a direct issuance job holds from the moment it is
    accepted (server/jobs/issuance.py): ``vouchers`` of its keys go to this allocation,
    ``issued`` of them are counted so far (with each chunk, in the chunk's transaction).
    While the job is queued or running, ``vouchers - issued`` is no one else's room
    (``api.room``); once it has failed, its state alone gives that back, so a job that
    dies leaves nothing to clean up."""

    __tablename__ = "issuance_reservation"
    __table_args__ = (sa.CheckConstraint("issued >= 0 AND issued <= vouchers", name="issued_within"),)

    # Allocation first: the room is summed per allocation.
    allocation_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation.id"), primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job.id"), primary_key=True)
    vouchers: Mapped[int] = mapped_column(sa.Integer)
    issued: Mapped[int] = mapped_column(sa.Integer, default=0)


_CURRENT = sa.text("voided_at IS NULL")


class ClaimCode(db.Model):
    """Only the HMAC of the code is stored: the school prints the code once and keeps
    the link between card and child on paper.

    ``serial`` is the card's number within its allocation (1, 2, ...), printed on the
    card and not secret: "card 17 is lost" names a slot without the code. A reissued
    card is a new row with the same serial; the old row is kept, voided, so a student
    typing the old code hears "codice annullato" instead of "codice inesistente".
    """

    __tablename__ = "claim_code"
    __table_args__ = (
        # One live code per card: a reissue voids the old row before adding the new one.
        sa.Index("uq_claim_code_live_serial", "allocation_id", "serial", unique=True,
                 sqlite_where=_CURRENT, postgresql_where=_CURRENT),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation.id"), index=True)
    serial: Mapped[int] = mapped_column(sa.Integer)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=UNCLAIMED)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claim_code.id"))
    voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher.id"), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class Voucher(db.Model):
    """A student's mini-scholarship. Its balance is its ledger account; its holder is a
    pseudonymous wallet."""

    __tablename__ = "voucher"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    allocation_id: Mapped[int] = mapped_column(sa.ForeignKey("allocation.id"), index=True)
    wallet_id: Mapped[int] = mapped_column(sa.ForeignKey("wallet.id"), index=True)
    face_value_cents: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.String(16), default=ACTIVE)
    frozen_reason: Mapped[str | None] = mapped_column(sa.String(64))
    # When the last credential issued for it was made, and until when it is valid.
    credential_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    credential_valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The credential signed when the voucher was issued straight to a wallet (direct
    # issuance, in the same INSERT as the row), kept until the wallet's first fetch
    # serves it instead of signing again (api.credential); emptied then. Text, as the
    # wallet gets it: measured cheaper to store than the bytes, which the signing
    # processes would have to send as well (server/vouchers/README.md).
    issued_credential: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
