"""A student's thanks: which preset choice, for which voucher, when. Nothing else about
the student (no text, no device, no wallet: the voucher leads to the wallet already)."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db


class Thanks(db.Model):
    __tablename__ = "thanks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One per voucher: the unique index is the last word if two taps race.
    voucher_id: Mapped[int] = mapped_column(sa.ForeignKey("voucher.id"), unique=True)
    choice: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
