"""The revocation list: frozen vouchers, cancelled tickets, lost devices."""
from datetime import datetime

import sqlalchemy as sa

from server.extensions import db
from server.door.models import RevocationEntry

MAX_ENTRIES_PER_PAGE = 5_000


def add(*, kind: str, value: str | int, reason: str, now: datetime) -> RevocationEntry:
    entry = RevocationEntry(kind=kind, value=str(value), reason=reason, created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def since(cursor: int) -> tuple[list[RevocationEntry], int, bool]:
    """Entries after ``cursor``, the next cursor, and whether more remain."""
    entries = list(db.session.scalars(
        sa.select(RevocationEntry).where(RevocationEntry.id > cursor).order_by(RevocationEntry.id)
        .limit(MAX_ENTRIES_PER_PAGE + 1)))
    more = len(entries) > MAX_ENTRIES_PER_PAGE
    entries = entries[:MAX_ENTRIES_PER_PAGE]
    return entries, (entries[-1].id if entries else cursor), more
