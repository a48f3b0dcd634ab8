"""The job table: the durable truth about background work. Redis (RQ) only carries
"job 17 is ready" to a worker; whatever Redis loses, this row still knows."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)


def _now():
    return datetime.now(timezone.utc)


class Job(db.Model):
    """One piece of background work: ``kind`` names its handler, ``args`` its input.

    ``key`` makes enqueueing idempotent (a retried request finds the job it already
    made). ``attempts`` counts claims: a worker's checkpoints only land while the job is
    still its own attempt, so a worker thought dead that wakes up cannot write over the
    one that took its place. ``lease_until`` is when a running job counts as abandoned
    (its worker killed) and may be swept back to the queue."""

    __tablename__ = "job"
    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(STATES), name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    args: Mapped[dict] = mapped_column(sa.JSON)
    state: Mapped[str] = mapped_column(sa.String(10), default=QUEUED, index=True)
    progress_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    progress_total: Mapped[int] = mapped_column(sa.Integer, default=0)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    # A stable error code (server/errors.py), never a message with data in it.
    error: Mapped[str | None] = mapped_column(sa.String(60))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    run_after: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
