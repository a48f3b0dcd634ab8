"""The revocation list: frozen vouchers, cancelled tickets, lost devices."""
from datetime import datetime

import sqlalchemy as sa

from server.extensions import db
from server.door.models import DEVICE_KEY, TICKET, VOUCHER, RevocationEntry
from signing import Revocations

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


def known_at(instant: datetime, *, voucher_id: int | None = None, ticket_id: int | None = None,
             device_key: bytes = b"") -> Revocations:
    """The entries about this credential that a scanner could have known at ``instant``
    (made before it). Only the rows that matter are read: the list can be long."""
    wanted = [(DEVICE_KEY, device_key.hex())]
    if voucher_id is not None:
        wanted.append((VOUCHER, str(voucher_id)))
    if ticket_id is not None:
        wanted.append((TICKET, str(ticket_id)))
    rows = db.session.execute(
        sa.select(RevocationEntry.kind, RevocationEntry.value)
        .where(sa.tuple_(RevocationEntry.kind, RevocationEntry.value).in_(wanted),
               RevocationEntry.created_at <= instant)).all()
    found = {kind: value for kind, value in rows}
    return Revocations(
        voucher_ids=frozenset({voucher_id} if VOUCHER in found else ()),
        ticket_ids=frozenset({ticket_id} if TICKET in found else ()),
        device_keys=frozenset({device_key} if DEVICE_KEY in found else ()),
    )
