from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db_types import UtcDateTime
from server.extensions import db

DRAFT, ACTIVE, CLOSED = "draft", "active", "closed"


def _now():
    return datetime.now(timezone.utc)


campaign_sponsor = sa.Table(
    "campaign_sponsor", db.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaign.id"), primary_key=True),
    sa.Column("sponsor_id", sa.ForeignKey("organisation.id"), primary_key=True),
)


class Campaign(db.Model):
    __tablename__ = "campaign"
    __table_args__ = (
        sa.CheckConstraint("face_value_cents > 0", name="face_value_positive"),
        sa.CheckConstraint("offline_allowance_cents >= 0 AND offline_allowance_cents <= 65535",
                           name="allowance_range"),
        sa.CheckConstraint("risk_reserve_bps >= 0 AND risk_reserve_bps <= 10000", name="reserve_range"),
        sa.CheckConstraint("valid_until >= valid_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.String(2000))
    status: Mapped[str] = mapped_column(sa.String(16), default=ACTIVE)
    face_value_cents: Mapped[int] = mapped_column(sa.Integer)
    offline_allowance_cents: Mapped[int] = mapped_column(sa.Integer)
    # Share of every top-up set aside for offline overspend, in basis points (200 = 2%).
    risk_reserve_bps: Mapped[int] = mapped_column(sa.Integer, default=200)
    category_mask: Mapped[int] = mapped_column(sa.Integer)  # bit n = category code n (docs/tokens.md)
    # ISTAT codes the campaign is for; empty = the whole pilot area.
    territory: Mapped[list] = mapped_column(sa.JSON, default=list)
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    sponsors: Mapped[list["Organisation"]] = relationship(secondary=campaign_sponsor)  # noqa: F821

    @property
    def category_codes(self) -> list[int]:
        return [code for code in range(16) if self.category_mask >> code & 1]
