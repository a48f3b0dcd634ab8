"""Sponsor receipts: one per confirmed top-up, numbered per year without gaps.

A receipt is an accounting document: once issued it must read the same forever, so it
keeps its own copy of every detail printed on it (the platform's and the sponsor's
names, VAT numbers and addresses, the campaign's name) instead of reading them again
from rows that may change later.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db


class ReceiptCounter(db.Model):
    """The last receipt number given in a year. Issuing a receipt locks this row
    (SELECT … FOR UPDATE), so two confirmations at once get consecutive numbers and a
    rolled-back one gives its number back: no gaps, no duplicates."""

    __tablename__ = "receipt_counter"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(sa.Integer, default=0)


class SponsorReceipt(db.Model):
    __tablename__ = "sponsor_receipt"
    __table_args__ = (
        sa.UniqueConstraint("year", "number", name="uq_sponsor_receipt_year_number"),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topup_id: Mapped[int] = mapped_column(sa.ForeignKey("topup.id"), unique=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    year: Mapped[int] = mapped_column(sa.Integer)  # of issued_at in Europe/Rome
    number: Mapped[int] = mapped_column(sa.Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    reference: Mapped[str] = mapped_column(sa.String(35))  # the top-up's RF reference
    campaign_name: Mapped[str] = mapped_column(sa.String(200))
    sponsor_name: Mapped[str] = mapped_column(sa.String(200))
    sponsor_vat: Mapped[str | None] = mapped_column(sa.String(11))
    sponsor_address: Mapped[str | None] = mapped_column(sa.String(300))
    platform_name: Mapped[str] = mapped_column(sa.String(200))
    platform_vat: Mapped[str] = mapped_column(sa.String(16))
    platform_address: Mapped[str] = mapped_column(sa.String(300))

    @property
    def label(self) -> str:
        """As printed and quoted: "2026/000123"."""
        return f"{self.year}/{self.number:06d}"
