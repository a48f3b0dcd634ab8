from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.accounts.models import Organisation
from server.db_types import UtcDateTime
from server.extensions import db

EVENT, COURSE = "event", "course"
EVENT_KINDS = (EVENT, COURSE)
PUBLISHED, CANCELLED = "published", "cancelled"
EVENT_STATUSES = (PUBLISHED, CANCELLED)


def _now():
    return datetime.now(timezone.utc)


class Event(db.Model):
    """A dated event or course a venue sells seats for.

    ``seats_taken`` is only ever changed under a row lock (bookings, and capacity
    changes here), and the check constraint is the last line of defence against
    overselling if a writer forgets.
    """

    __tablename__ = "event"
    __table_args__ = (
        sa.CheckConstraint("price_cents >= 0", name="price_not_negative"),
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint("kind IN ('event', 'course')", name="kind"),
        sa.CheckConstraint("status IN ('published', 'cancelled')", name="status"),
        # The catalogue's own order (starts_at, id) among published events: keyset
        # pages are a range scan on this index.
        sa.Index("ix_event_status_starts_at_id", "status", "starts_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.String(2000))
    category_code: Mapped[int] = mapped_column(sa.SmallInteger, index=True)  # server/catalogue/taxonomy.py
    kind: Mapped[str] = mapped_column(sa.String(16), default=EVENT)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # "Not over yet" (ends_at > now) is in every catalogue query.
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    price_cents: Mapped[int] = mapped_column(sa.Integer)
    capacity: Mapped[int] = mapped_column(sa.Integer)
    seats_taken: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Last moment to book or cancel a booking; None: until the event ends.
    booking_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Copied from the venue when the event is created, so the catalogue filters by
    # place without a join (ISTAT code).
    municipality_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    # Where it happens when not at the venue's own address (a course in a rented hall).
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # Bumped by every poster upload, None without one: it is in the poster's URL, so a
    # cached old poster is never shown for a new one (server/catalogue/posters.py).
    poster_version: Mapped[int | None] = mapped_column(sa.Integer)
    poster_width: Mapped[int | None] = mapped_column(sa.SmallInteger)  # of its largest stored width
    poster_height: Mapped[int | None] = mapped_column(sa.SmallInteger)
    status: Mapped[str] = mapped_column(sa.String(16), default=PUBLISHED)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now, onupdate=_now)
    venue: Mapped[Organisation] = relationship()

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def __repr__(self):
        return f"<Event {self.id} {self.title!r} {self.starts_at} {self.status}>"


class EventPoster(db.Model):
    """One width of an event's poster, re-encoded by us as WebP (no metadata kept).

    Stored in the database rather than a folder, so that every app process serves it
    and a backup holds it; a poster is tens of kilobytes per width.
    """

    __tablename__ = "event_poster"

    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    width: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    height: Mapped[int] = mapped_column(sa.SmallInteger)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
