"""A settlement run through Redis and real worker processes: the worker SIGKILLed in
the middle of the run's second chunk, and the run finished once by the next worker
after the sweep, every venue paid once."""
import os
import signal
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.door.models import ScanRecord
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import DONE, QUEUED, RUNNING, Job
from server.settlement.models import Payout, SettlementRun
from tests.server import factories
from tests.server.settlement.helpers import balance, give_ibans

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).parents[1] / "jobs" / "worker_process.py"


def _worker(app, *args):
    env = {**os.environ, "MENTORING_DATABASE_URL": app.config["DATABASE_URL"],
           "MENTORING_JOBS_REDIS_URL": app.config["JOBS_REDIS_URL"],
           "MENTORING_JOBS_QUEUE_PREFIX": app.config["JOBS_QUEUE_PREFIX"],
           "MENTORING_SETTLEMENT_JOB_CHUNK": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _state(app, job_id):
    with app.app_context():
        job = db.session.get(Job, job_id)
        run = db.session.get(SettlementRun, job.args["run_id"])
        payouts = db.session.scalar(sa.select(sa.func.count()).select_from(Payout).filter_by(run_id=run.id))
        return job.state, job.progress_done, job.attempts, run.status, payouts


def test_a_killed_worker_s_run_is_finished_once_by_the_next_worker(door, now, redis_url):
    app = door.app
    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_QUEUE_PREFIX=f"test-{uuid.uuid4().hex}:")
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    door.sync(door.away, door.record(door.away, at=now - 500, amount=300))
    with app.app_context():
        db.session.execute(sa.update(ScanRecord).values(scanned_at=datetime.now(timezone.utc) - timedelta(days=2)))
        admin = factories.user(admin=True)
        db.session.commit()
        email = admin.email
    api = factories.ApiClient(app.test_client()).login(email)
    answer = api.post("/api/v1/admin/settlement-runs", json={"cut_off": (date.today() - timedelta(days=1)).isoformat()},
                      headers={"Prefer": "respond-async"})
    assert answer.status_code == 202, answer.get_json()
    job_id = answer.get_json()["id"]
    assert _state(app, job_id) == (QUEUED, 0, 0, "computing", 0)  # in Redis now, waiting for a worker

    stalling = _worker(app, "stall", "server.settlement.api:settle_next_venues")
    try:
        assert stalling.stdout.readline().strip() == "stalled"  # mid-way through its second chunk
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait()
    # The first venue's chunk stayed, the second died with its transaction.
    assert _state(app, job_id) == (RUNNING, 1, 1, "computing", 1)
    assert balance(app, "payout_in_transit") == 700

    with app.app_context():
        lease_over = datetime.now(timezone.utc) + timedelta(seconds=jobs_api.DEFAULT_LEASE.total_seconds() + 1)
        assert jobs_api.sweep(now=lease_over) == [job_id]
    finishing = _worker(app)
    assert finishing.wait(timeout=600) == 0

    assert _state(app, job_id) == (DONE, 2, 2, "open", 2)
    assert balance(app, "payout_in_transit") == 1_000
    assert balance(app, "venue_payable", door.venue_id) == balance(app, "venue_payable", door.away_venue_id) == 0
    followed = api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert followed["result"] == {"run_id": answer.get_json()["run_id"], "venues": 2, "status": "open"}
