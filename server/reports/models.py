"""Report snapshots: a release of the sponsor's impact, computed once after its month
closed and stored (snapshots.py; README.md beside this file, "Snapshots")."""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db

CAMPAIGN, SPONSOR = "campaign", "sponsor"
SUBJECTS = (CAMPAIGN, SPONSOR)


def _now():
    return datetime.now(timezone.utc)


class ReportSnapshot(db.Model):
    """The released part of one subject's impact (a campaign's report, or a sponsor's
    public page) as it stands once ``month`` has closed.

    ``payload`` holds only what the report publishes: figures rounded, a suppressed
    cell's figures null (impact.released_campaign, released_sponsor); never a row about
    one student. ``method_version`` names the method and the minimum cell it was
    computed with: after a change, the old rows no longer match and are not served.
    One row per subject, month and method (the job may run twice: it stores once)."""

    __tablename__ = "report_snapshot"
    __table_args__ = (
        sa.UniqueConstraint("subject", "subject_id", "month", "method_version", name="uq_report_snapshot_release"),
        sa.CheckConstraint(sa.column("subject").in_(SUBJECTS), name="subject_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A campaign's id or a sponsor organisation's: no foreign key, one column for both
    # kinds (the unique key must hold, and a NULL in it would not).
    subject: Mapped[str] = mapped_column(sa.String(10))
    subject_id: Mapped[int] = mapped_column(sa.Integer)
    # The first day of the last closed month (Europe/Rome) when computed: the report's
    # `as_of` is that month's last day, or earlier when months were merged.
    month: Mapped[date] = mapped_column(sa.Date)
    method_version: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
