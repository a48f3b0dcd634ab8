"""A big settlement run as a background job (issue 14): the request records the run
(status ``computing``) and the job; a worker settles the venues owed in chunks of
``SETTLEMENT_JOB_CHUNK`` (by venue id), each chunk's payouts, ledger transfer, the
run's cursor and the job's checkpoint committed together. A worker killed mid-chunk
loses that chunk only; the next attempt goes on from the run's cursor, so no venue is
paid twice and the books balance at every commit. The last chunk opens the run
(README.md, "A run as a job").
"""
import logging
from datetime import datetime, timezone

from flask import current_app

from server.extensions import db
from server.jobs import api as jobs_api
from server.settlement import api as settlement_api
from server.settlement.models import SettlementRun

log = logging.getLogger(__name__)

KIND = settlement_api.JOB_KIND
# Venues settled per chunk: at national scale (20,000 venues) forty commits, each a
# few statements (server/settlement/lines.py) whatever the venues' line counts.
DEFAULT_CHUNK = 500
# Up to this many venues owed, a run is made in its request (config SETTLEMENT_INLINE_MAX).
DEFAULT_INLINE_MAX = 300


def inline_max() -> int:
    configured = current_app.config.get("SETTLEMENT_INLINE_MAX")
    return DEFAULT_INLINE_MAX if configured is None else int(configured)


def start(*, cut_off: datetime, created_by: int | None, now: datetime) -> tuple[SettlementRun, jobs_api.Job]:
    """Record a computing run and the job that computes it, in the caller's
    transaction (the job is sent once it commits)."""
    run = settlement_api.start_run(cut_off=cut_off, created_by=created_by, now=now)
    job = jobs_api.enqueue(KIND, {"run_id": run.id}, key=settlement_api.job_key(run.id),
                           total=settlement_api.owed_venue_count(), created_by=created_by)
    return run, job


@jobs_api.handler(KIND)
def compute_run(job, run) -> dict:
    run_id = job.args["run_id"]
    chunk = int(current_app.config.get("SETTLEMENT_JOB_CHUNK") or DEFAULT_CHUNK)
    db.session.commit()  # end the read transaction: on SQLite it would hold the write lock
    while True:
        done = run.lock()
        now = datetime.now(timezone.utc)
        settled = settlement_api.settle_next_venues(run_id, limit=chunk, now=now)
        if settled:
            cursor = settlement_api.get_run(run_id).venue_cursor
            # The total grows if a venue further on is credited meanwhile: it is in this run.
            run.checkpoint(done=done + settled, total=done + settled + settlement_api.owed_venue_count(after=cursor))
            continue
        status = settlement_api.finish_run(settlement_api.get_run(run_id, for_update=True), now=now).status
        run.checkpoint(done=done, total=done)  # the run opens with the job's last commit
        log.info("settlement run job done", extra={"job_id": run.job_id, "run_id": run_id, "venues": done})
        return {"run_id": run_id, "venues": done, "status": status}
