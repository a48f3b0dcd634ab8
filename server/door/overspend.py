"""Offline overspend: freezing the voucher and saying which scan crossed its balance.

Scanners sync in any order, so the record that happened to be paid last is not the
one to blame. Among a voucher's redemptions ordered by scan time (then record id), the
voucher covers the earliest ones; the first scan it no longer fully covered *crossed
the balance* and carries the flag; every later one is overspend in full. The total
charged to the campaign's risk account does not depend on the order, so a late record
moves the attribution between records, never money between accounts.
"""
import logging
from datetime import datetime

import sqlalchemy as sa

from server import bulk
from server.door import revocations
from server.door.models import REDEEMED, VOUCHER, ScanRecord
from server.extensions import db
from server.vouchers.models import ACTIVE, FROZEN, Voucher

log = logging.getLogger(__name__)


def freeze(voucher: Voucher, now: datetime) -> None:
    """Stop the voucher everywhere: it enters the revocation list scanners download."""
    if voucher.status != ACTIVE:  # frozen already, or recovered: on the list already
        return
    voucher.status, voucher.frozen_reason = FROZEN, "offline_overspend"
    revocations.add(kind=VOUCHER, value=voucher.id, reason="offline_overspend", now=now)
    log.warning("voucher frozen after offline overspend", extra={"voucher_id": voucher.id})


def attribute(new_rows: list[dict], *, overspent_before: set[int]) -> None:
    """Re-attribute the overspend of every voucher the new rows (not yet stored) paid
    for, over all its redemptions in scan order. Updates the new rows in place and the
    stored ones that change. ``overspent_before``: vouchers with an overspend already
    stored (the sync read them under the lock); a batch with none reads nothing more."""
    new_redeemed = [row for row in new_rows if row["outcome"] == REDEEMED]
    touched = {row["voucher_id"] for row in new_redeemed}
    overspent = {row["voucher_id"] for row in new_redeemed if row["overspend_cents"]}
    overspent |= touched & overspent_before
    if not overspent:
        return
    stored = list(db.session.scalars(sa.select(ScanRecord).where(
        bulk.any_of(ScanRecord.voucher_id, sorted(overspent)), ScanRecord.outcome == REDEEMED)))
    by_voucher: dict[int, list] = {}
    for record in stored:
        by_voucher.setdefault(record.voucher_id, []).append(_Stored(record))
    for row in new_redeemed:
        if row["voucher_id"] in overspent:
            by_voucher.setdefault(row["voucher_id"], []).append(_New(row))
    for entries in by_voucher.values():
        _attribute_one(entries)


def _attribute_one(entries: list) -> None:
    entries.sort(key=lambda entry: (entry.scanned_at, entry.record_id))
    total_over = sum(entry.overspend for entry in entries)
    covered_left = sum(entry.amount for entry in entries) - total_over
    crossed = False
    for entry in entries:
        covered = min(entry.amount, covered_left)
        covered_left -= covered
        over = entry.amount - covered
        crossing = bool(over) and not crossed
        crossed = crossed or crossing
        entry.set(over, crossing)


class _Stored:
    def __init__(self, record: ScanRecord):
        self.record = record
        self.scanned_at, self.record_id = record.scanned_at, record.record_id
        self.amount, self.overspend = record.amount_cents, record.overspend_cents

    def set(self, over: int, crossing: bool) -> None:
        record = self.record
        if (record.overspend_cents, record.crossed_balance) != (over, crossing):
            record.overspend_cents, record.crossed_balance, record.flagged = over, crossing, crossing


class _New:
    def __init__(self, row: dict):
        self.row = row
        self.scanned_at, self.record_id = row["scanned_at"], row["record_id"]
        self.amount, self.overspend = row["amount_cents"], row["overspend_cents"]

    def set(self, over: int, crossing: bool) -> None:
        self.row.update(overspend_cents=over, crossed_balance=crossing, flagged=crossing)
