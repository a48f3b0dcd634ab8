"""Rows in bulk (server/bulk.py): the ids handed back are the rows' own, in order, on
SQLite (given under the write lock) and PostgreSQL (reserved from the sequence)."""
from datetime import datetime, timezone

import sqlalchemy as sa

from server import bulk
from server.accounts.models import Wallet
from server.extensions import db
from signing import DeviceKey


def _keys(count):
    return [DeviceKey.generate().public_bytes for _ in range(count)]


def test_ids_come_back_in_the_order_of_the_rows_after_rows_added_earlier_in_the_transaction(app):
    now = datetime.now(timezone.utc)
    with app.app_context():
        earlier = Wallet(device_key=_keys(1)[0], created_at=now)
        db.session.add(earlier)  # pending, not flushed: bulk must not hand out its id again
        keys = _keys(12)

        ids = bulk.insert_returning_ids(Wallet.__table__, [{"device_key": key, "created_at": now} for key in keys])
        db.session.commit()

        assert len(set(ids)) == 12 and earlier.id not in ids
        stored = dict(db.session.execute(sa.select(Wallet.id, Wallet.device_key).where(Wallet.id.in_(ids))).all())
        assert [stored[new_id] for new_id in ids] == keys


def test_any_of_finds_exactly_the_values_listed(app):
    now = datetime.now(timezone.utc)
    with app.app_context():
        keys = _keys(5)
        bulk.insert(Wallet.__table__, [{"device_key": key, "created_at": now} for key in keys])
        db.session.commit()
        wanted = [keys[1], keys[3], _keys(1)[0]]

        found = db.session.scalars(sa.select(Wallet.device_key).where(bulk.any_of(Wallet.device_key, wanted))).all()

        assert sorted(found) == sorted([keys[1], keys[3]])
