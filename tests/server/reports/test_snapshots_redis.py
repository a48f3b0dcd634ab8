"""The snapshot job through Redis and a real worker process (`mentoring worker
--burst`): the worker knows the kind and stores the month's releases."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.accounts.models import SPONSOR
from server.extensions import db
from server.jobs.models import DONE, QUEUED, Job
from server.reports import snapshots
from server.reports.models import ReportSnapshot
from tests.server import factories
from tests.server.reports.conftest import months_ahead

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[3]
WORKER = ROOT / "tests" / "server" / "jobs" / "worker_process.py"


def test_a_worker_process_stores_the_months_snapshots(app, redis_url):
    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_QUEUE_PREFIX=f"test-{uuid.uuid4().hex}:")
    now = months_ahead(1)
    with app.app_context():
        campaign_ids = [factories.funded_campaign(factories.organisation(SPONSOR)).id for _ in range(2)]
        job_id = snapshots.enqueue_month(snapshots.last_closed_month(now), now=now).id
        db.session.commit()
        assert db.session.get(Job, job_id).state == QUEUED  # in Redis, waiting for a worker
        db.session.remove()

    env = {**os.environ, "MENTORING_DATABASE_URL": app.config["DATABASE_URL"],
           "MENTORING_JOBS_REDIS_URL": redis_url, "MENTORING_JOBS_QUEUE_PREFIX": app.config["JOBS_QUEUE_PREFIX"],
           "PYTHONPATH": str(ROOT)}
    worker = subprocess.run([sys.executable, str(WORKER)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert worker.returncode == 0, worker.stderr[-2000:]

    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.state, job.progress_done, job.attempts) == (DONE, 2, 1)
        stored = db.session.execute(sa.select(ReportSnapshot.subject, ReportSnapshot.subject_id)).all()
        assert sorted(stored) == [("campaign", campaign_id) for campaign_id in campaign_ids]
