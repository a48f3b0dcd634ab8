"""Syncs that arrive at the same moment. Every check that reads a sum takes the lock
first: on PostgreSQL row locks, on SQLite the write lock of BEGIN IMMEDIATE."""

import sqlalchemy as sa

from server.door.models import REDEEMED, ScanRecord
from server.extensions import db
from server.ledger import api as ledger
from tests.server.concurrency import at_once
from tests.server.door import population


def test_two_venues_overspending_the_same_voucher_at_once(door, now):
    a, _ = door.scanners
    records = {a: door.record(a, at=now - 60, amount=1_200),
               door.away: door.record(door.away, at=now - 30, amount=1_200)}
    results = at_once([lambda s=s: door.sync(s, records[s])[0] for s in records])
    with door.app.app_context():
        records_now = {r.scanner_id: r for r in db.session.scalars(sa.select(ScanRecord))}
        assert ledger.account("voucher", door.voucher_id).balance_cents == 100
    assert {r["outcome"] for r in results} == {"redeemed"}
    assert sum(r["overspend_cents"] for r in results) == 0  # 24 of 25 EUR


def test_two_batches_of_one_scanner_at_once_stay_within_its_share(app, now):
    """The race of issue 9: each batch has a different record for the same vouchers."""
    town = population.build(app, wallets=12, venues=1)  # 20 EUR allowance, two phones: 10 EUR each
    phone = town.phones[0]
    for round_ in range(3):
        at = now - 600 + 60 * round_
        batches = [[phone.record(at=at + 15 * n, amount=600, text=h.presentation(at + 15 * n)) for h in town.holders]
                   for n in range(2)]
        results = at_once([lambda b=b: town.sync(phone.scanner_id, b) for b in batches])
        per_voucher = list(zip(*results))
        if round_ == 0:
            assert all(sorted(r["outcome"] for r in pair) == ["redeemed", "rejected"] for pair in per_voucher)
    with app.app_context():
        spent = db.session.execute(sa.select(ScanRecord.voucher_id, sa.func.sum(ScanRecord.amount_cents))
                                   .where(ScanRecord.outcome == REDEEMED).group_by(ScanRecord.voucher_id)).all()
    assert {amount for _, amount in spent} == {600}  # one 6 EUR record each: 12 would pass the 10 EUR share
    assert len(spent) == len(town.holders)


def test_the_same_batch_twice_at_once_is_stored_once_and_answered_alike(app, now):
    town = population.build(app, wallets=6, venues=1)
    phone = town.phones[0]
    batch = [phone.record(at=now - 30, amount=500, text=h.presentation(now - 30)) for h in town.holders]
    first, second = at_once([lambda: town.sync(phone.scanner_id, batch), lambda: town.sync(phone.scanner_id, batch)])
    assert [r["outcome"] for r in first] == [r["outcome"] for r in second] == ["redeemed"] * len(batch)
    assert sorted([first[0]["duplicate"], second[0]["duplicate"]]) == [False, True]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ScanRecord)) == len(batch)


def test_one_presentation_at_two_venues_at_once_is_paid_once(app, now):
    town = population.build(app, wallets=8, venues=2, phones_per_venue=1)
    here, there = town.phones
    shown = [h.presentation(now - 20) for h in town.holders]
    batches = [[phone.record(at=now - 20, amount=400, text=text) for text in shown] for phone in (here, there)]
    results = at_once([lambda p=p, b=b: town.sync(p.scanner_id, b) for p, b in zip((here, there), batches)])
    for pair in zip(*results):
        assert sorted((r["outcome"], r["code"]) for r in pair) == [
            ("redeemed", None), ("rejected", "presentation_replayed")]
