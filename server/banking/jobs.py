"""A big bank statement imported by a background job (issue 14): the request reads and
checks the file (a refusal is still its 422), stores it on the statement (status
``importing``) and records the job; a worker matches its transactions in chunks of
``STATEMENT_JOB_CHUNK``, each chunk's lines, top-up confirmations, paid payouts and the
job's checkpoint committed together. A worker killed mid-chunk loses that chunk only,
and the next attempt starts at ``progress_done``: no top-up is confirmed twice, no
payout paid twice (README.md, "A big file"). A job that failed (an error in a chunk)
leaves its import ``failed`` with the chunks before it in; the operator resumes it
(``resume``) and the same job goes on from its checkpoint.
"""
import logging
from datetime import datetime, timezone

from flask import current_app

from server.accounts.models import User
from server.banking import api as banking_api
from server.banking import camt
from server.banking.models import IMPORT_FAILED, IMPORTED, IMPORTING, BankStatement
from server.errors import Conflict
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import FAILED

log = logging.getLogger(__name__)

KIND = "banking.import_statement"
# Transactions matched per chunk: each may confirm a top-up (a few ledger rows).
DEFAULT_CHUNK = 200
# Up to this many booked transactions, a file is imported in its request
# (config STATEMENT_INLINE_MAX_LINES).
DEFAULT_INLINE_MAX = 200


def job_key(statement_id: int) -> str:
    return f"{KIND}:{statement_id}"


def inline_max() -> int:
    configured = current_app.config.get("STATEMENT_INLINE_MAX_LINES")
    return DEFAULT_INLINE_MAX if configured is None else int(configured)


def start(statement: camt.Statement, data: bytes, *, file_name: str, operator: User,
          now: datetime) -> tuple[BankStatement, jobs_api.Job]:
    """Record the import and its job in the caller's transaction (sent once it commits)."""
    row = banking_api.start_import(statement, data, file_name=file_name, operator=operator, now=now)
    job = jobs_api.enqueue(KIND, {"statement_id": row.id}, key=job_key(row.id), total=len(statement.transactions),
                           created_by=operator.id)
    return row, job


def job_of(row: BankStatement) -> jobs_api.Job | None:
    return db.session.scalar(db.select(jobs_api.Job).filter_by(key=job_key(row.id)))


def status_of(row: BankStatement, job: jobs_api.Job | None) -> str:
    """The import's status as the operator sees it: ``imported``, ``importing`` while its
    job is queued or running, ``failed`` once the job failed (until it is resumed)."""
    if row.status == IMPORTING and job is not None and job.state == FAILED:
        return IMPORT_FAILED
    return row.status


def resume(statement_id: int) -> tuple[BankStatement, jobs_api.Job]:
    """Put a failed import's job back in the queue, in the caller's transaction: it goes
    on from the statement's checkpoint (``progress_done``: the chunks committed before
    the failure), so no line is matched twice. 409 ``statement_import_not_failed`` for
    an import that is not failed (imported, or its job queued or running: a second
    click)."""
    row = db.session.scalar(db.select(BankStatement).filter_by(id=statement_id).with_for_update())
    if row is None:
        banking_api.get_statement(statement_id)  # its 404
    job = job_of(row) if row.status == IMPORTING else None
    # The job's own conditional update decides a race between two resumes: one wins.
    if job is None or not jobs_api.requeue_failed(job.id):
        raise Conflict("Questa importazione non è fallita: non c'è niente da riprendere.",
                       code="statement_import_not_failed", params={"status": status_of(row, job)})
    log.info("statement import resumed", extra={"statement_id": row.id, "job_id": job.id,
                                                "done": job.progress_done})
    return row, job


def _result(row: BankStatement) -> dict:
    counts = banking_api.counts(row)
    return {"statement_id": row.id, **{name: counts[name] for name in (
        "credits_matched", "debits_matched", "queued", "already_known")}}


@jobs_api.handler(KIND)
def import_statement(job, run) -> dict:
    statement_id = job.args["statement_id"]
    row = banking_api.get_statement(statement_id)
    if row.status == IMPORTED:  # a second delivery after the last chunk: the file is gone
        result = _result(row)
        db.session.rollback()
        return result
    # Read again as the request read it (the account it named, whatever the configuration
    # says now): the request already refused what cannot be read.
    statement = camt.parse(row.content, platform_iban=row.account_iban)
    transactions = statement.transactions
    chunk = int(current_app.config.get("STATEMENT_JOB_CHUNK") or DEFAULT_CHUNK)
    db.session.commit()  # end the read transaction: on SQLite it would hold the write lock
    while True:
        done = run.lock()
        row = db.session.scalar(db.select(BankStatement).filter_by(id=statement_id).with_for_update()
                                .execution_options(populate_existing=True))
        operator = db.session.get(User, row.imported_by)
        now = datetime.now(timezone.utc)
        if done >= len(transactions):
            banking_api.finish_import(row)
            result = _result(row)
            run.checkpoint(done=done)
            return result
        part = transactions[done:done + chunk]
        banking_api.import_lines(row, statement, part, operator=operator, now=now)
        run.checkpoint(done=done + len(part))
        log.info("statement chunk", extra={"job_id": run.job_id, "statement_id": statement_id,
                                           "done": done + len(part), "total": len(transactions)})
