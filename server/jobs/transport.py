"""How a committed job reaches a worker.

With ``JOBS_REDIS_URL`` (MENTORING_JOBS_REDIS_URL) jobs travel through RQ to
``mentoring worker`` processes. Without it (``make demo``, most tests) they run
inline, synchronously, right after the commit that recorded them, through the same
``api.run``: one code path, two transports.

A job is sent only after its transaction commits (a SQLAlchemy ``after_commit``
hook), so a worker never looks for a row that is not there yet, and a rolled back
request sends nothing. If the process dies between the commit and the send, the row
is still queued and ``mentoring jobs sweep`` sends it.
"""
import logging
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.extensions import db

log = logging.getLogger(__name__)

PENDING = "mentoring.jobs.pending"
REDIS_EXTENSION = "mentoring.jobs.redis"
# Workers take mail first (RQ serves its queues in order); the names are the ones
# /metrics watches by default (server/observability).
QUEUES = ("mail", "default")
# RQ's own timeout would kill a long issuance; our lease and sweep handle dead workers.
RQ_JOB_TIMEOUT = 24 * 3600


def send_after_commit(job_id: int, *, queue: str, delay: timedelta | None = None) -> None:
    db.session.info.setdefault(PENDING, []).append((job_id, queue, delay))


@event.listens_for(Session, "after_commit")
def _send_committed(session):
    pending = session.info.pop(PENDING, None)
    if pending:
        send(pending)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):
    session.info.pop(PENDING, None)


def redis_url() -> str | None:
    return current_app.config.get("JOBS_REDIS_URL")


def queue(name: str):
    """An RQ queue of this app (one Redis connection per app, kept in its extensions).
    ``JOBS_QUEUE_PREFIX`` keeps apart apps sharing a Redis database (tests)."""
    from redis import Redis
    from rq import Queue

    app = current_app._get_current_object()
    if REDIS_EXTENSION not in app.extensions:
        app.extensions[REDIS_EXTENSION] = Redis.from_url(redis_url())
    return Queue((app.config.get("JOBS_QUEUE_PREFIX") or "") + name, connection=app.extensions[REDIS_EXTENSION])


def send(pending: list[tuple[int, str, timedelta | None]]) -> None:
    """Never raises: the caller's commit has happened, and an unsent job is still in
    its table for the sweep."""
    if redis_url():
        _send_to_redis(pending)
    else:
        # A delayed retry waits for the sweep: nothing inline can wake it later.
        _run_inline([job_id for job_id, _, delay in pending if not delay or delay <= timedelta(0)])


def _send_to_redis(pending) -> None:
    try:
        for job_id, name, delay in pending:
            options = {"job_timeout": RQ_JOB_TIMEOUT, "result_ttl": 0, "failure_ttl": 7 * 24 * 3600}
            if delay and delay > timedelta(0):
                queue(name).enqueue_in(delay, perform, job_id, **options)
            else:
                queue(name).enqueue(perform, job_id, **options)
    except Exception as error:  # Redis down: the rows wait for the sweep
        log.error("jobs not sent to Redis: %s", type(error).__name__, extra={"job_ids": [j for j, _, _ in pending]})


def _run_inline(job_ids: list[int]) -> None:
    app = current_app._get_current_object()
    for job_id in job_ids:
        kind = _kind_of(job_id)
        if kind is not None and kind.background_when_inline and not app.testing:
            threading.Thread(target=_perform_in, args=(app, job_id), name="mentoring-job", daemon=True).start()
        else:
            _perform_in(app, job_id)


def _kind_of(job_id: int):
    from server.jobs import api
    from server.jobs.models import Job

    app = current_app._get_current_object()
    with app.app_context():  # a session of its own: the caller's has just committed
        kind_name = db.session.scalar(db.select(Job.kind).filter_by(id=job_id))
    return api.KINDS.get(kind_name)


def _perform_in(app, job_id: int) -> None:
    from server.jobs import api

    # A fresh app context is a fresh database session (Flask-SQLAlchemy scopes them
    # by app context): the job commits its chunks apart from the caller's session.
    with app.app_context():
        try:
            api.run(job_id)
        except Exception:
            log.exception("inline job failed to run", extra={"job_id": job_id})


def perform(job_id: int) -> None:
    """What RQ calls in a worker (``mentoring worker`` runs inside the app)."""
    from server.jobs import api

    app = current_app._get_current_object()
    with app.app_context():
        api.run(job_id)
