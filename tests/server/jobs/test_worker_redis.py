"""Jobs through Redis and real worker processes: a worker SIGKILLed in the middle of an
issuance chunk, and the job finished once by the next worker after the sweep."""
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import DONE, QUEUED, RUNNING, Job
from server.vouchers.models import Allocation, Voucher
from tests.server import factories

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("worker_process.py")


@pytest.fixture
def redis_app(app, redis_url):
    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_QUEUE_PREFIX=f"test-{uuid.uuid4().hex}:",
                      JOBS_ISSUANCE_CHUNK=200)
    return app


def _worker(app, *args):
    env = {**os.environ, "MENTORING_DATABASE_URL": app.config["DATABASE_URL"],
           "MENTORING_JOBS_REDIS_URL": app.config["JOBS_REDIS_URL"],
           "MENTORING_JOBS_QUEUE_PREFIX": app.config["JOBS_QUEUE_PREFIX"],
           "MENTORING_JOBS_ISSUANCE_CHUNK": str(app.config["JOBS_ISSUANCE_CHUNK"]),
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(WORKER), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _job(app, job_id):
    with app.app_context():
        job = db.session.get(Job, job_id)
        issued = db.session.scalars(db.select(Voucher.wallet_id).join(Allocation)
                                    .where(Allocation.id == Voucher.allocation_id)).all()
        return job.state, job.progress_done, job.attempts, len(issued), len(set(issued))


def test_a_killed_worker_s_job_is_finished_once_by_the_next_worker(redis_app, scene, device_keys):
    api = factories.ApiClient(redis_app.test_client()).login(scene.member_email)
    answer = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_001)]})
    assert answer.status_code == 202
    job_id = answer.get_json()["id"]
    assert _job(redis_app, job_id)[:2] == (QUEUED, 0)  # in Redis now, waiting for a worker

    stalling = _worker(redis_app, "stall", "server.vouchers.api:settle_direct")
    try:
        assert stalling.stdout.readline().strip() == "stalled"  # mid-way through its second chunk
    finally:
        stalling.send_signal(signal.SIGKILL)
        stalling.wait()
    # The first chunk stayed, the second died with its transaction.
    assert _job(redis_app, job_id) == (RUNNING, 200, 1, 200, 200)

    with redis_app.app_context():
        lease_over = datetime.now(timezone.utc) + timedelta(seconds=jobs_api.DEFAULT_LEASE.total_seconds() + 1)
        assert jobs_api.sweep(now=lease_over) == [job_id]
    finishing = _worker(redis_app)
    assert finishing.wait(timeout=600) == 0

    assert _job(redis_app, job_id) == (DONE, 1_001, 2, 1_001, 1_001)
    followed = api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert followed["state"] == "done" and followed["result"] == {"vouchers": 1_001}


def test_mail_goes_through_the_worker_once(redis_app):
    from server.accounts import mail

    with redis_app.app_context():
        queued = mail.send(mail.message(to="persona@example.it", subject="Prova", body="Ciao"))
        db.session.commit()
        outbox_id = queued.id
    worker = _worker(redis_app)
    assert worker.wait(timeout=300) == 0
    with redis_app.app_context():
        sent = db.session.get(mail.OutboxMessage, outbox_id)
        assert (sent.state, sent.attempts, sent.raw) == (mail.SENT, 1, None)
