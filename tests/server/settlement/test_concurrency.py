"""Two runs at the same moment pay every line once: the second waits for the first's
locks, then finds nothing left (the unique (kind, source) of payout lines backs it)."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.settlement.models import Payout, PayoutLine
from tests.server.concurrency import at_once
from tests.server.settlement.helpers import balance, give_ibans, run


@pytest.mark.postgres
def test_two_runs_at_once_pay_every_line_once(door, now):
    give_ibans(door)
    a, b = door.scanners
    door.sync(a, door.record(a, at=now - 900, amount=400), door.record(a, at=now - 800, amount=300))
    door.sync(b, door.record(b, at=now - 700, amount=200))
    door.sync(door.away, door.record(door.away, at=now - 600, amount=100))
    for _ in range(3):  # a few rounds: which thread wins varies
        results = at_once([lambda: run(door.app), lambda: run(door.app)])
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


def _start_job(app):
    from server.settlement import jobs as run_jobs

    with app.app_context():
        now = datetime.now(timezone.utc)
        try:
            run, _ = run_jobs.start(cut_off=now - timedelta(seconds=1), created_by=None, now=now)
            db.session.commit()
            return run.id
        except Exception:
            db.session.rollback()
            raise


@pytest.mark.postgres
def test_two_big_runs_asked_at_once_make_one_job_and_a_clear_refusal(door, now, monkeypatch):
    from server.jobs import transport
    from server.settlement import exceptions as exc

    monkeypatch.setattr(transport, "send", lambda pending: None)  # the jobs stay queued: a run stays computing
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 900, amount=400))
    results = at_once([lambda: _start_job(door.app), lambda: _start_job(door.app)])
    assert sorted(type(r).__name__ for r in results) == ["RunInProgress", "int"], results
    assert [r.code for r in results if isinstance(r, exc.RunInProgress)] == ["settlement_run_in_progress"]
