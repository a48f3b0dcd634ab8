from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

PENDING, CONFIRMED, CANCELLED = "pending", "confirmed", "cancelled"


def _now():
    return datetime.now(timezone.utc)


class TopUp(db.Model):
    """A sponsor's payment into a campaign: pending until the money is seen arriving."""

    __tablename__ = "topup"
    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    provider: Mapped[str] = mapped_column(sa.String(32), default="sepa_transfer")
    reference: Mapped[str | None] = mapped_column(sa.String(35), unique=True)  # RF creditor reference
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The sponsor gave up on this transfer (payments.api.cancel_topup): it can no longer
    # be confirmed, and money arriving for it needs the operator's decision.
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
