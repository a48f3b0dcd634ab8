"""A sponsor's public page: opted into by its owner, at an address made from its name.

A row of its own rather than columns on `organisation`: only sponsors that ever opened
the page have one, and the row outlives a switch-off so that the address stays the
same when the page is switched on again (a sticker in a shop window keeps working).
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

SLUG_MAX_LENGTH = 80


class SponsorPublicPage(db.Model):
    __tablename__ = "sponsor_public_page"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    # Made once from the name when the page is first switched on; never changed after,
    # also when the organisation is renamed: printed stickers point here.
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX_LENGTH), unique=True)
    # When the page was last switched on; null while it is off (nothing is shown).
    enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def enabled(self) -> bool:
        return self.enabled_at is not None
