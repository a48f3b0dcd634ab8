"""Imported bank statements and each booked transaction in them (server/banking/README.md)."""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

# What became of a transaction line.
MATCHED = "matched"  # confirmed a top-up or paid a payout on import
QUEUED = "queued"  # waiting for the operator
CONFIRMED = "confirmed"  # the operator confirmed a top-up with it
SET_ASIDE = "set_aside"  # the operator: to refund, or handled outside the platform
LINE_STATUSES = (MATCHED, QUEUED, CONFIRMED, SET_ASIDE)

# Why a line waits (queue_reason).
PARTIAL, EXCESS, DUPLICATE, UNKNOWN = "partial", "excess", "duplicate", "unknown"
TOPUP_CANCELLED, WRONG_CURRENCY, REVERSAL, AMOUNT_MISMATCH = "topup_cancelled", "wrong_currency", "reversal", \
    "amount_mismatch"
PAYOUT_NOT_EXPORTED = "payout_not_exported"  # a debit for a payout no pain.001 has carried yet

# An import: a big file is imported by a job (importing → imported); a small one at once.
IMPORTING, IMPORTED = "importing", "imported"
# What the API says of an import still `importing` whose job failed (server/banking/jobs.py
# `status_of`). Never stored: the job row is the truth about the job, so a resume that
# puts the job back in the queue cannot leave the two saying different things.
IMPORT_FAILED = "failed"


def _now():
    return datetime.now(timezone.utc)


class BankStatement(db.Model):
    """One imported file. The same file twice is one import (sha256 is unique)."""

    __tablename__ = "bank_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(16))  # camt.053 | camt.054
    version: Mapped[str] = mapped_column(sa.String(8))  # 001.02 | 001.08
    message_id: Mapped[str] = mapped_column(sa.String(35))
    account_iban: Mapped[str] = mapped_column(sa.String(34))
    # Booked transactions already known from an earlier file (a camt.054 and the day's
    # camt.053 report the same movement): counted, not stored twice.
    already_known: Mapped[int] = mapped_column(sa.Integer, default=0)
    not_booked: Mapped[int] = mapped_column(sa.Integer, default=0)  # pending entries, ignored
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    imported_by: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=IMPORTED, server_default=IMPORTED)
    # The uploaded file while a job imports it (up to 2 MiB: too big for the job's
    # args, which every claim and sweep would carry); erased once imported.
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)


class BankLine(db.Model):
    """One booked movement of a statement: a credit (a sponsor's transfer, we hope) or a
    debit (a payout to a venue, we hope)."""

    __tablename__ = "bank_line"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_statement.id"), index=True)
    # The bank's reference for the movement (AcctSvcrRef; '#n' for the n-th part of a
    # batch booking; a content hash when the bank gave none). Unique: a movement is
    # acted on once, whichever file reports it.
    bank_reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    direction: Mapped[str] = mapped_column(sa.String(8))  # credit | debit
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    booked_on: Mapped[date] = mapped_column(sa.Date)
    reference: Mapped[str | None] = mapped_column(sa.String(35), index=True)  # the RF reference read, if any
    end_to_end_id: Mapped[str | None] = mapped_column(sa.String(35), index=True)
    counterparty_name: Mapped[str | None] = mapped_column(sa.String(140))
    counterparty_iban: Mapped[str | None] = mapped_column(sa.String(34))
    remittance: Mapped[str] = mapped_column(sa.String(500), default="")
    bank_transaction_code: Mapped[str | None] = mapped_column(sa.String(35))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    queue_reason: Mapped[str | None] = mapped_column(sa.String(32))
    topup_id: Mapped[int | None] = mapped_column(sa.ForeignKey("topup.id"), index=True)
    # The payout a debit paid (found and marked through server.settlement.api only).
    payout_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payout.id"), index=True)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.String(500))
