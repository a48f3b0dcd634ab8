from datetime import datetime, timezone

from flask import current_app
from flask_smorest import Blueprint

from server.banking import api as banking_api
from server.banking import camt, matching, schemas
from server.banking import jobs as statement_jobs  # also registers the statement import job
from server.banking.models import IMPORT_FAILED, IMPORTING, BankLine, BankStatement
from server.http import auth, idempotency
from server.http import jobs as http_jobs
from server.jobs import schemas as jobs_schemas

bp = Blueprint("banking", __name__, url_prefix="/api/v1",
               description="Bank statements (camt.053/054): top-ups and payouts reconcile themselves")


def _platform_iban() -> str:
    return current_app.config["PLATFORM_IBAN"]


def _line(line: BankLine, suggestions=()) -> dict:
    return {**{column: getattr(line, column) for column in (
        "id", "bank_reference", "direction", "amount_cents", "currency", "booked_on", "reference", "end_to_end_id",
        "counterparty_name", "counterparty_iban", "remittance", "bank_transaction_code", "status", "queue_reason",
        "topup_id", "payout_id", "decided_at", "decision_note")},
        "suggestions": [_suggestion(topup, why) for topup, why in suggestions]}


def _suggestion(topup, why) -> dict:
    return {"topup_id": topup.id, "reference": topup.reference, "amount_cents": topup.amount_cents,
            "sponsor_id": topup.sponsor_id, "campaign_id": topup.campaign_id, "reasons": why}


def _summary(statement: BankStatement) -> dict:
    job = statement_jobs.job_of(statement) if statement.status == IMPORTING else None
    return {**{column: getattr(statement, column) for column in (
        "id", "file_name", "kind", "version", "message_id", "account_iban", "imported_at")},
        "status": statement_jobs.status_of(statement, job), "counts": banking_api.counts(statement),
        "job_id": job.id if job is not None else None}


def _detail(statement: BankStatement, *, replayed: bool) -> dict:
    lines = banking_api.lines_of(statement)
    found = matching.suggestions([line for line in lines if line.status == "queued"])
    return {**_summary(statement), "replayed": replayed,
            "lines": [_line(line, found.get(line.id, ())) for line in lines]}


@bp.post("/admin/bank-statements/preview")
@bp.arguments(schemas.StatementUpload)
@bp.response(200, schemas.StatementPreview)
def preview_statement(body):
    """What importing the file would do (dry run: nothing is stored or moved)."""
    auth.require_admin()
    data = camt.decode_upload(body["content"])
    seen = banking_api.preview(data, platform_iban=_platform_iban())
    lines, counts = [], {"credits_matched": 0, "debits_matched": 0, "queued": 0, "decided": 0, "credit_cents": 0,
                         "debit_cents": 0, "already_known": 0, "not_booked": seen.statement.skipped_not_booked}
    for planned in seen.plan.lines:
        tx = planned.transaction
        if planned.outcome == matching.ALREADY_IMPORTED:
            counts["already_known"] += 1
        elif planned.outcome == "matched":
            counts[f"{tx.direction}s_matched"] += 1
        else:
            counts["queued"] += 1
        if planned.outcome != matching.ALREADY_IMPORTED:
            counts[f"{tx.direction}_cents"] += tx.amount_cents
        lines.append({"id": None, "bank_reference": tx.bank_reference, "direction": tx.direction,
                      "amount_cents": tx.amount_cents, "currency": tx.currency, "booked_on": tx.booked_on,
                      "reference": planned.reference, "end_to_end_id": tx.end_to_end_id,
                      "counterparty_name": tx.counterparty_name, "counterparty_iban": tx.counterparty_iban,
                      "remittance": tx.unstructured, "bank_transaction_code": tx.bank_transaction_code,
                      "status": planned.outcome, "queue_reason": planned.reason,
                      "topup_id": planned.topup.id if planned.topup is not None else None,
                      "payout_id": planned.payout.id if planned.payout is not None else None,
                      "decided_at": None, "decision_note": None, "suggestions": []})
    statement = seen.statement
    return {"kind": statement.kind, "version": statement.version, "message_id": statement.message_id,
            "account_iban": statement.account_iban, "counts": counts, "lines": lines,
            "already_imported_id": seen.already_imported.id if seen.already_imported is not None else None}


@bp.post("/admin/bank-statements")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.StatementUpload)
@bp.response(201, schemas.StatementImport)
@bp.alt_response(200, schema=schemas.StatementImport, description="this file was imported before: its first import")
@bp.alt_response(202, schema=schemas.StatementJob, description="more booked transactions than "
                                                               "STATEMENT_INLINE_MAX_LINES, or `Prefer: "
                                                               "respond-async`: a job imports it (GET /jobs/<id>)")
def import_statement(body):
    """Import a statement: exact matches confirm top-ups and mark payouts paid; the rest
    waits in the queue. The same file again answers 200 with its first import (202 with
    its job while a job is still importing it). A big file is imported by a job (202)."""
    operator = auth.require_admin()
    data = camt.decode_upload(body["content"])
    now = datetime.now(timezone.utc)
    statement = banking_api.read(data, platform_iban=_platform_iban())
    existing = banking_api.statement_by_sha256(statement.sha256)
    if existing is not None and existing.status == IMPORTING:
        job = statement_jobs.job_of(existing)
        # A failed import falls through to its first import (200, status failed): the
        # operator resumes it (POST .../resume), the upload does not start it again.
        if statement_jobs.status_of(existing, job) != IMPORT_FAILED:
            return _accepted(existing, job)
    if existing is None and (http_jobs.prefers_async() or len(statement.transactions) > statement_jobs.inline_max()):
        row, job = statement_jobs.start(statement, data, file_name=body["file_name"], operator=operator, now=now)
        return _accepted(row, job)
    statement, created = banking_api.import_parsed(statement, file_name=body["file_name"], operator=operator,
                                                   now=now)
    return _detail(statement, replayed=not created), 201 if created else 200


@bp.post("/admin/bank-statements/<int:statement_id>/resume")
@idempotency.idempotent(idempotency.member, required=True)
@bp.response(202, schemas.StatementJob)
def resume_statement(statement_id):
    """Resume an import whose job failed: the same job goes on from the statement's
    checkpoint (what earlier chunks matched stays, and is not matched again). 409
    `statement_import_not_failed` for an import that is not failed."""
    auth.require_admin()
    row, job = statement_jobs.resume(statement_id)
    return _accepted(row, job)


def _accepted(row: BankStatement, job):
    return http_jobs.accepted(schemas.StatementJob().dump({**jobs_schemas.job_view(job), "statement_id": row.id}),
                              job.id)


@bp.get("/admin/bank-statements")
@bp.response(200, schemas.StatementSummary(many=True))
def list_statements():
    """Imports, newest first."""
    auth.require_admin()
    return [_summary(statement) for statement in banking_api.statements()]


@bp.get("/admin/bank-statements/<int:statement_id>")
@bp.response(200, schemas.StatementImport)
def get_statement(statement_id):
    auth.require_admin()
    return _detail(banking_api.get_statement(statement_id), replayed=False)


@bp.get("/admin/bank-lines")
@bp.response(200, schemas.Line(many=True))
def bank_queue():
    """Movements waiting for the operator, with the top-ups a credit may be."""
    auth.require_admin()
    lines = banking_api.queue()
    found = matching.suggestions(lines)
    return [_line(line, found.get(line.id, ())) for line in lines]


@bp.post("/admin/bank-lines/<int:line_id>/decision")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.DecisionIn)
@bp.response(200, schemas.Line)
def decide(body, line_id):
    """Confirm the top-up a queued credit pays (same amount), or set the line aside
    (to refund / handled outside) with a note."""
    operator = auth.require_admin()
    line = banking_api.get_line(line_id, for_update=True)
    return _line(banking_api.decide(line=line, operator=operator, now=datetime.now(timezone.utc), **body))
