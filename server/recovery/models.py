"""What recovery and the operator's decisions keep: which voucher moved to which,
how (a lost phone, an unfrozen overspend) and who decided. No names, no wallet
links beyond the vouchers' own: the school keeps the card-to-child link on paper."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

# A voucher whose balance moved to another voucher (Voucher.status): its credentials
# are revoked and it is never credentialled again.
RECOVERED = "recovered"

PENDING, COMPLETED, SUPERSEDED = "pending", "completed", "superseded"
LOST_PHONE, REISSUE = "lost_phone", "reissue"  # VoucherRecovery.kind
UNFREEZE, RECOVER = "unfreeze", "recover"  # VoucherDecision.decision


def _now():
    return datetime.now(timezone.utc)


class VoucherRecovery(db.Model):
    """A voucher's balance moving to a new voucher. ``lost_phone``: started by the
    school from the card's number; the one-time code (stored as an HMAC only) is
    claimed by the new wallet. ``reissue``: the operator unfroze an overspent voucher,
    so its balance moves at once to a fresh voucher id in the same wallet (scanners
    keep refusing the revoked id for ever)."""

    __tablename__ = "voucher_recovery"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    old_voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    # The card (claim code) the voucher came from, when it came from one.
    claim_code_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claim_code.id"), index=True)
    code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    new_voucher_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher.id"), unique=True)
    moved_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Until when the old phone's last credential verifies offline: the overlap window
    # whose spends the campaign's risk account pays (README.md beside this file).
    old_credential_valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VoucherDecision(db.Model):
    """The operator's word on a frozen voucher: ``unfreeze`` (with a note) or
    ``recover`` (keep it frozen; the school starts a recovery)."""

    __tablename__ = "voucher_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), index=True)
    decision: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.String(500))
    decided_by: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    # Unfreeze: the fresh voucher the balance moved to.
    recovery_id: Mapped[int | None] = mapped_column(sa.ForeignKey("voucher_recovery.id"))
