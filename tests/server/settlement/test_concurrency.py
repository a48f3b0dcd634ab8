"""Two runs at the same moment pay every line once: the second waits for the first's
locks, then finds nothing left (the unique (kind, source) of payout lines backs it)."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.settlement import api as settlement
from server.settlement.models import Payout, PayoutLine
from tests.server.concurrency import at_once
from tests.server.settlement.helpers import balance, give_ibans


def _run(app):
    with app.app_context():
        now = datetime.now(timezone.utc)
        made = settlement.run_settlement(cut_off=now - timedelta(seconds=1), created_by=None, now=now)
        db.session.commit()
        return made.id


@pytest.mark.postgres
def test_two_runs_at_once_pay_every_line_once(door, now):
    give_ibans(door)
    a, b = door.scanners
    door.sync(a, door.record(a, at=now - 900, amount=400), door.record(a, at=now - 800, amount=300))
    door.sync(b, door.record(b, at=now - 700, amount=200))
    door.sync(door.away, door.record(door.away, at=now - 600, amount=100))
    for _ in range(3):  # a few rounds: which thread wins varies
        results = at_once([lambda: _run(door.app), lambda: _run(door.app)])
        assert all(isinstance(r, int) for r in results), results
    with door.app.app_context():
        lines = db.session.execute(sa.select(PayoutLine.kind, PayoutLine.source_id)).all()
        paid = db.session.scalar(sa.select(sa.func.sum(Payout.amount_cents)))
        runs_with_payouts = db.session.scalar(sa.select(sa.func.count(sa.distinct(Payout.run_id))))
    assert len(lines) == len(set(lines)) == 4
    assert paid == 1_000
    assert runs_with_payouts == 1
    assert balance(door.app, "payout_in_transit") == 1_000
    assert balance(door.app, "venue_payable", door.venue_id) == 0
