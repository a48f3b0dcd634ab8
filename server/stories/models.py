"""A venue's story of an event (a few lines and maybe a photo) that the sponsors whose
vouchers paid for visits there may read. Names no student."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

MAX_BODY = 500
MAX_HIDDEN_REASON = 300


class Story(db.Model):
    __tablename__ = "story"
    __table_args__ = (
        # The poster confirmed that no minor can be recognised in the photo: a story
        # without that confirmation is never stored.
        sa.CheckConstraint("no_minor_recognisable", name="no_minor_recognisable_confirmed"),
        # A campaign's stories: the venues' newest first.
        sa.Index("ix_story_venue_posted_at", "venue_id", "posted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id"), index=True)
    body: Mapped[str] = mapped_column(sa.String(MAX_BODY))
    no_minor_recognisable: Mapped[bool] = mapped_column(sa.Boolean)
    posted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # Bumped by every photo upload, None without one: it is in the photo's URL, so a
    # browser never shows a replaced photo from its cache.
    photo_version: Mapped[int | None] = mapped_column(sa.Integer)
    # Set by a platform admin; the venue sees that and why, sponsors no longer see it.
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(MAX_HIDDEN_REASON))


class StoryPhoto(db.Model):
    """The story's photo, re-encoded by us as WebP from its pixels alone (no EXIF, so no
    GPS position). Kept apart from the story so that lists never load the bytes."""

    __tablename__ = "story_photo"

    story_id: Mapped[int] = mapped_column(sa.ForeignKey("story.id", ondelete="CASCADE"), primary_key=True)
    width: Mapped[int] = mapped_column(sa.SmallInteger)
    height: Mapped[int] = mapped_column(sa.SmallInteger)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
