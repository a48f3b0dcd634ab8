"""The job table's rules: sent after commit, claimed once, checkpoints only for the
attempt that holds the job, abandoned work swept back to the queue."""
from datetime import datetime, timedelta, timezone

import pytest

from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.exceptions import LeaseLost
from server.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

runs = []


@jobs_api.handler("test.counted")
def counted(job, run):
    runs.append(job.id)
    return {"seen": job.args["n"]}


@jobs_api.handler("test.crashes")
def crashes(job, run):
    raise RuntimeError("a bug, with a secret in its message")


@pytest.fixture(autouse=True)
def _forget_runs():
    runs.clear()


def test_a_committed_job_runs_inline_without_redis(app):
    with app.app_context():
        job_id = jobs_api.enqueue("test.counted", {"n": 3}).id
        assert runs == []  # not before the commit
        db.session.commit()
        job = db.session.get(Job, job_id)
        assert (job.state, job.result, job.attempts, runs) == (DONE, {"seen": 3}, 1, [job_id])


def test_a_rolled_back_job_is_neither_stored_nor_run(app):
    with app.app_context():
        jobs_api.enqueue("test.counted", {"n": 1})
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0 and runs == []


def test_the_same_key_gives_the_same_job(app):
    with app.app_context():
        first = jobs_api.enqueue("test.counted", {"n": 1}, key="k-1")
        again = jobs_api.enqueue("test.counted", {"n": 1}, key="k-1")
        db.session.commit()
        assert first.id == again.id and len(runs) == 1


def test_a_job_delivered_twice_runs_once(app, held_jobs):
    with app.app_context():
        job_id = jobs_api.enqueue("test.counted", {"n": 1}).id
        db.session.commit()
        assert jobs_api.run(job_id) == DONE
        assert jobs_api.run(job_id) is None
        assert runs == [job_id]


def test_a_crash_fails_the_job_with_a_code_not_a_message(app, held_jobs):
    with app.app_context():
        job_id = jobs_api.enqueue("test.crashes", {}).id
        db.session.commit()
        assert jobs_api.run(job_id) == FAILED
        assert db.session.get(Job, job_id).error == "job_crashed"


def test_a_checkpoint_of_a_replaced_attempt_is_refused(app, held_jobs):
    with app.app_context():
        job_id = jobs_api.enqueue("test.counted", {"n": 1}).id
        db.session.commit()
        attempt = jobs_api._claim(job_id)
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(hours=1))  # its worker looked dead
        assert jobs_api._claim(job_id) == attempt + 1  # and another took it
        with pytest.raises(LeaseLost):
            jobs_api.Run(job_id, attempt).checkpoint(done=1)
        jobs_api.Run(job_id, attempt + 1).checkpoint(done=1)
        assert db.session.get(Job, job_id).progress_done == 1


def test_the_sweep_takes_back_only_expired_leases_and_lost_messages(app, held_jobs):
    with app.app_context():
        running = jobs_api.enqueue("test.counted", {"n": 1}).id
        lost = jobs_api.enqueue("test.counted", {"n": 2}).id
        db.session.commit()
        jobs_api._claim(running)
        now = datetime.now(timezone.utc)
        assert jobs_api.sweep(now=now) == []
        held_jobs.clear()
        assert sorted(jobs_api.sweep(now=now + timedelta(hours=1))) == sorted([running, lost])
        assert sorted(held_jobs) == sorted([running, lost])
        assert db.session.get(Job, running).state == QUEUED
        assert jobs_api.run(running) == DONE


def test_a_running_job_keeps_running_under_the_sweep_while_its_lease_holds(app, held_jobs):
    with app.app_context():
        job_id = jobs_api.enqueue("test.counted", {"n": 1}).id
        db.session.commit()
        jobs_api._claim(job_id)
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(seconds=30))
        assert db.session.get(Job, job_id).state == RUNNING
