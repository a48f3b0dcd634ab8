"""A big statement import through Redis and real worker processes: the worker SIGKILLed
in the middle of the import's second chunk (its top-ups confirmed, not committed), and
the import finished once by the next worker after the sweep: each credit acted on once,
receipts numbered without a gap."""
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.banking.models import BankLine, BankStatement
from server.documents.models import SponsorReceipt
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import DONE, QUEUED, RUNNING, Job
from server.ledger import api as ledger_api
from server.ledger.models import Transfer
from tests.server.banking.builder import Camt

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).parents[1] / "jobs" / "worker_process.py"
CHUNK = 2


def _worker(app, *args):
    env = {**os.environ, "MENTORING_DATABASE_URL": app.config["DATABASE_URL"],
           "MENTORING_JOBS_REDIS_URL": app.config["JOBS_REDIS_URL"],
           "MENTORING_JOBS_QUEUE_PREFIX": app.config["JOBS_QUEUE_PREFIX"],
           "MENTORING_STATEMENT_JOB_CHUNK": str(CHUNK), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _state(app, job_id):
    with app.app_context():
        job = db.session.get(Job, job_id)
        statement = db.session.get(BankStatement, job.args["statement_id"])
        lines = db.session.scalar(sa.select(sa.func.count()).select_from(BankLine).filter_by(statement_id=statement.id))
        return job.state, job.progress_done, job.attempts, statement.status, lines


def test_a_killed_worker_s_import_is_finished_once_by_the_next_worker(desk, redis_url):
    app = desk.app
    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_QUEUE_PREFIX=f"test-{uuid.uuid4().hex}:",
                      STATEMENT_INLINE_MAX_LINES=CHUNK)
    statement, topups = Camt(message_id=f"REDIS-{uuid.uuid4().hex[:8]}"), []
    for n in range(5):
        topup_id, reference = desk.topup(40_000 + n)
        topups.append(topup_id)
        statement.credit(40_000 + n, reference=reference, name=f"Sponsor {n}")
    statement.credit(999, ustrd="senza causale", name="Ignoto")  # six transactions: chunks of 2, 2, 2
    answer = desk.import_(statement.xml())
    assert answer.status_code == 202, answer.get_json()
    job_id = answer.get_json()["id"]
    assert _state(app, job_id) == (QUEUED, 0, 0, "importing", 0)  # in Redis now, waiting for a worker

    stalling = _worker(app, "stall", "server.banking.api:import_lines")
    try:
        assert stalling.stdout.readline().strip() == "stalled"  # mid-way through its second chunk
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait()
    # The first chunk stayed, the second died with its transaction.
    assert _state(app, job_id) == (RUNNING, 2, 1, "importing", 2)
    assert [desk.status(t) for t in topups] == ["confirmed"] * 2 + ["pending"] * 3

    with app.app_context():
        lease_over = datetime.now(timezone.utc) + timedelta(seconds=jobs_api.DEFAULT_LEASE.total_seconds() + 1)
        assert jobs_api.sweep(now=lease_over) == [job_id]
    finishing = _worker(app)
    assert finishing.wait(timeout=600) == 0

    assert _state(app, job_id) == (DONE, 6, 2, "imported", 6)
    assert [desk.status(t) for t in topups] == ["confirmed"] * 5
    with app.app_context():
        received = db.session.execute(sa.select(Transfer.idempotency_key, sa.func.count())
                                      .where(Transfer.kind == "topup_received").group_by(Transfer.idempotency_key))
        assert dict(received.all()) == {f"topup:{t}:received": 1 for t in topups}
        receipts = db.session.execute(sa.select(SponsorReceipt.topup_id, SponsorReceipt.number)
                                      .order_by(SponsorReceipt.number)).all()
        assert sorted(topup for topup, _ in receipts) == topups
        numbers = [number for _, number in receipts]
        assert numbers == list(range(numbers[0], numbers[0] + 5))
        assert ledger_api.account("bank").balance_cents == sum(40_000 + n for n in range(5))
        assert ledger_api.check_books() == []
        db.session.rollback()
    followed = desk.api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert followed["result"] == {"statement_id": answer.get_json()["statement_id"], "credits_matched": 5,
                                  "debits_matched": 0, "queued": 1, "already_known": 0}
