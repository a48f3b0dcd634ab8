"""Background jobs: enqueue, claim, checkpoint, finish, sweep. The ``job`` row is the
truth; the transport (server/jobs/transport.py) only says "run job N".

Delivery is at least once (a job may reach workers twice: a sweep re-enqueues what a
killed worker held, Redis may deliver again), so running is made idempotent here:

- a worker *claims* the job (queued -> running, ``attempts + 1``) in one conditional
  UPDATE; a second delivery finds it running or done and does nothing;
- a handler works in chunks; each chunk's changes and its ``checkpoint`` (progress, a
  longer lease) commit in one transaction, and only while ``attempts`` is still the
  claim's own. A worker killed mid-chunk loses that chunk only; the next attempt
  resumes from ``progress_done``.

Handlers are registered by kind with ``@handler("vouchers.issue_direct")``; they take
``(job, run)`` and return the job's result (a small JSON object).
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

import sqlalchemy as sa
from flask import current_app

from server.errors import DomainError
from server.extensions import db
from server.jobs import transport
from server.jobs.exceptions import JobNotFound, LeaseLost, RetryLater
from server.jobs.models import DONE, FAILED, QUEUED, RUNNING, Job

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)
# A queued job not started this long after it became due lost its message (a crash
# between commit and enqueue, a Redis flush): the sweep sends it again.
STALE_QUEUED = timedelta(minutes=2)


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable
    # Run on a thread of its own when jobs are inline (no Redis) outside tests: mail,
    # whose SMTP conversation must not lengthen the answer that asked for it.
    background_when_inline: bool = False
    # The RQ queue: mail has its own, so a login link never waits behind an issuance.
    queue: str = "default"


KINDS: dict[str, Kind] = {}


def handler(name: str, *, background_when_inline: bool = False, queue: str = "default"):
    def register(function):
        KINDS[name] = Kind(name, function, background_when_inline, queue)
        return function
    return register


def _now():
    return datetime.now(timezone.utc)


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config.get("JOBS_LEASE_SECONDS") or DEFAULT_LEASE.total_seconds())


def enqueue(kind: str, args: dict, *, key: str | None = None, total: int = 0, created_by: int | None = None,
            organisation_id: int | None = None, now: datetime | None = None) -> Job:
    """Record a job in the caller's transaction; it is sent to a worker after the
    commit (a rolled back request leaves no job and sends nothing). With ``key``, a
    second call returns the first job instead of making another."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if key is not None:
        existing = db.session.scalar(sa.select(Job).filter_by(key=key))
        if existing is not None:
            return existing
    job = Job(kind=kind, key=key, args=args, state=QUEUED, progress_done=0, progress_total=total, attempts=0,
              created_by=created_by, organisation_id=organisation_id, created_at=now or _now())
    db.session.add(job)
    db.session.flush()
    transport.send_after_commit(job.id, queue=KINDS[kind].queue)
    log.info("job queued", extra={"job_id": job.id, "kind": kind})
    return job


class Run:
    """One attempt at a job, handed to its handler."""

    def __init__(self, job_id: int, attempt: int):
        self.job_id, self.attempt = job_id, attempt

    def lock(self) -> int:
        """Lock the job row for this chunk's transaction and return its progress (what
        is already done); LeaseLost if another attempt has taken the job. Only the
        progress is read: ``args`` may be megabytes (a million device keys)."""
        done = db.session.scalar(sa.select(Job.progress_done)
                                 .filter_by(id=self.job_id, attempts=self.attempt, state=RUNNING).with_for_update())
        if done is None:
            raise LeaseLost(self.job_id)
        return done

    def checkpoint(self, *, done: int, total: int | None = None) -> None:
        """Record progress and renew the lease, then commit the chunk with it."""
        values = {"progress_done": done, "lease_until": _now() + _lease()}
        if total is not None:
            values["progress_total"] = total
        updated = db.session.execute(sa.update(Job).where(Job.id == self.job_id, Job.attempts == self.attempt,
                                                          Job.state == RUNNING).values(**values))
        if updated.rowcount != 1:
            db.session.rollback()
            raise LeaseLost(self.job_id)
        db.session.commit()


def run(job_id: int) -> str | None:
    """Run a job if it is there to be run; the state it ends in (None: nothing to do,
    it is running elsewhere or already finished). Never raises for the job's own failure."""
    attempt = _claim(job_id)
    if attempt is None:
        return None
    job = db.session.get(Job, job_id)
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise LookupError(job.kind)  # a worker older than the app that queued it
        result = kind.run(job, Run(job_id, attempt))
    except LeaseLost:
        db.session.rollback()
        log.warning("job lease lost", extra={"job_id": job_id, "attempt": attempt})
        return None
    except RetryLater as later:
        db.session.rollback()
        return _end(job_id, attempt, state=QUEUED, error=later.code, run_after=_now() + later.delay)
    except DomainError as error:
        db.session.rollback()
        log.info("job failed", extra={"job_id": job_id, "code": error.code})
        return _end(job_id, attempt, state=FAILED, error=error.code)
    except Exception:
        db.session.rollback()
        log.exception("job crashed", extra={"job_id": job_id})
        return _end(job_id, attempt, state=FAILED, error="job_crashed")
    return _end(job_id, attempt, state=DONE, result=result or {})


def _claim(job_id: int) -> int | None:
    now = _now()
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.state == QUEUED,
                             sa.or_(Job.run_after.is_(None), Job.run_after <= now))
        .values(state=RUNNING, attempts=Job.attempts + 1, lease_until=now + _lease(), run_after=None,
                started_at=sa.func.coalesce(Job.started_at, now)))
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    attempt = db.session.scalar(sa.select(Job.attempts).filter_by(id=job_id))
    db.session.commit()
    log.info("job started", extra={"job_id": job_id, "attempt": attempt})
    return attempt


def _end(job_id: int, attempt: int, *, state: str, result: dict | None = None, error: str | None = None,
         run_after: datetime | None = None) -> str | None:
    values = {"state": state, "lease_until": None, "error": error, "run_after": run_after}
    if state in (DONE, FAILED):
        values["finished_at"] = _now()
    if result is not None:
        values["result"] = result
    ended = db.session.execute(sa.update(Job).where(Job.id == job_id, Job.attempts == attempt, Job.state == RUNNING)
                               .values(**values))
    if ended.rowcount != 1:
        db.session.rollback()
        return None
    if state == QUEUED:
        kind = KINDS.get(db.session.scalar(sa.select(Job.kind).filter_by(id=job_id)))
        transport.send_after_commit(job_id, queue=kind.queue, delay=run_after - _now())
    db.session.commit()
    log.info("job ended", extra={"job_id": job_id, "state": state, "code": error})
    return state


def requeue_failed(job_id: int) -> bool:
    """Put a failed job back in the queue, in the caller's transaction (sent once it
    commits): its next attempt resumes from ``progress_done`` as after a killed worker,
    since a failed chunk rolled back whole. For an operator's "try again" once the cause
    is mended; nothing retries a failed job by itself. False, changing nothing, when the
    job is not failed (queued, running or done): the caller says what that means."""
    requeued = db.session.execute(sa.update(Job).where(Job.id == job_id, Job.state == FAILED)
                                  .values(state=QUEUED, error=None, finished_at=None, lease_until=None,
                                          run_after=None))
    if requeued.rowcount != 1:
        return False
    kind = KINDS.get(db.session.scalar(sa.select(Job.kind).filter_by(id=job_id)))
    transport.send_after_commit(job_id, queue=kind.queue if kind else "default")
    log.info("failed job back in the queue", extra={"job_id": job_id})
    return True


def sweep(*, now: datetime) -> list[int]:
    """Give abandoned work back to the queue, and send again what was never delivered:
    running jobs whose lease ran out (their worker was killed: a live worker renews
    the lease at every chunk) and queued jobs overdue. Run by ``mentoring jobs sweep``
    (cron, every minute or so). Returns the jobs sent."""
    abandoned = list(db.session.scalars(sa.select(Job.id).where(Job.state == RUNNING, Job.lease_until < now)))
    if abandoned:
        db.session.execute(sa.update(Job).where(Job.id.in_(abandoned), Job.state == RUNNING, Job.lease_until < now)
                           .values(state=QUEUED, lease_until=None))
        log.warning("abandoned jobs back in the queue", extra={"job_ids": abandoned})
    # A retry is due at its run_after; a first run that has not started a while after
    # its creation has lost its message.
    due = sa.or_(Job.run_after <= now, sa.and_(Job.run_after.is_(None), Job.created_at < now - STALE_QUEUED))
    overdue = list(db.session.scalars(sa.select(Job.id).where(Job.state == QUEUED, due,
                                                              Job.id.not_in(abandoned or [0]))))
    if overdue:  # due by the sweep's clock: the claim need not wait for its own
        db.session.execute(sa.update(Job).where(Job.id.in_(overdue), Job.state == QUEUED).values(run_after=None))
    kinds = dict(db.session.execute(sa.select(Job.id, Job.kind).where(Job.id.in_([*abandoned, *overdue]))).all())
    for job_id in [*abandoned, *overdue]:
        kind = KINDS.get(kinds[job_id])
        transport.send_after_commit(job_id, queue=kind.queue if kind else "default")
    db.session.commit()
    return [*abandoned, *overdue]


def visible_job(job_id: int, *, user) -> Job:
    """A job as its creator, a member of its organisation or a platform admin sees it.
    An organisation's job goes with the membership: its creator, once removed, sees it
    no more (a removed person loses the organisation's pages at once)."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise JobNotFound()
    if user.is_platform_admin or (job.created_by == user.id and job.organisation_id is None):
        return job
    if job.organisation_id is not None:
        from server.accounts import api as accounts_api
        from server.accounts.models import Organisation
        from server.errors import Forbidden
        try:
            accounts_api.membership(user=user, organisation=db.session.get(Organisation, job.organisation_id),
                                    must_be_approved=False)
            return job
        except Forbidden:
            pass
    raise JobNotFound()


RECENT_JOBS_LIMIT = 20


def organisation_jobs(organisation_id: int, *, user, limit: int = RECENT_JOBS_LIMIT) -> list[Job]:
    """An organisation's recent jobs, newest first, for its members and platform admins.
    Anyone else, and an organisation that does not exist, get 404 ``job_not_found``: the
    same answer as for a job one may not see. ``args`` is left unread (a direct
    issuance's holds a million device keys)."""
    from server.accounts import api as accounts_api
    from server.accounts.models import Organisation
    from server.errors import Forbidden
    from sqlalchemy.orm import defer

    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise JobNotFound()
    if not user.is_platform_admin:
        try:
            accounts_api.membership(user=user, organisation=organisation, must_be_approved=False)
        except Forbidden:
            raise JobNotFound() from None
    return list(db.session.scalars(
        sa.select(Job).options(defer(Job.args)).filter_by(organisation_id=organisation_id)
        .order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)))
