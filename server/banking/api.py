"""Bank statement use cases: preview, import, the queue and its decisions. They
flush, never commit."""
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from server.accounts.models import User
from server.banking import camt, matching
from server.banking.models import (CONFIRMED, IMPORTED, IMPORTING, MATCHED, QUEUED, SET_ASIDE, BankLine,
                                   BankStatement)
from server.errors import Conflict, InvalidInput, NotFound
from server.extensions import db
from server.payments import api as payments_api
from server.payments.models import PENDING
from server.settlement import api as settlement_api

log = logging.getLogger(__name__)

CONFIRM_TOPUP, SET_ASIDE_ACTION = "confirm_topup", "set_aside"


@dataclass
class Preview:
    """What an import of the file would do; nothing is stored."""
    statement: camt.Statement
    plan: matching.Plan
    already_imported: BankStatement | None


def read(data: bytes, *, platform_iban: str) -> camt.Statement:
    return camt.parse(data, platform_iban=platform_iban)


def statement_by_sha256(sha256: str) -> BankStatement | None:
    return db.session.scalar(sa.select(BankStatement).filter_by(sha256=sha256))


def preview(data: bytes, *, platform_iban: str) -> Preview:
    statement = read(data, platform_iban=platform_iban)
    return Preview(statement, matching.plan(statement), statement_by_sha256(statement.sha256))


def import_statement(data: bytes, *, file_name: str, platform_iban: str, operator: User,
                     now: datetime) -> tuple[BankStatement, bool]:
    """Store the statement and act on its exact matches: a credit confirms its top-up
    (the ledger moves), a debit marks its payout paid. Returns the import and whether
    it is new: the same file again answers with its first import and changes nothing."""
    return import_parsed(read(data, platform_iban=platform_iban), file_name=file_name, operator=operator, now=now)


def import_parsed(statement: camt.Statement, *, file_name: str, operator: User,
                  now: datetime) -> tuple[BankStatement, bool]:
    """``import_statement`` of a file already read, all of it in the caller's transaction."""
    _take_turn()  # the same file uploaded twice at once: the second finds the first
    existing = statement_by_sha256(statement.sha256)
    if existing is not None:
        return existing, False
    row = _new_import(statement, file_name=file_name, operator=operator, now=now, status=IMPORTED)
    import_lines(row, statement, statement.transactions, operator=operator, now=now)
    log.info("bank statement imported", extra={"statement_id": row.id, "kind": row.kind,
                                                "lines": len(statement.transactions),
                                                "already_known": row.already_known})
    return row, True


def start_import(statement: camt.Statement, data: bytes, *, file_name: str, operator: User,
                 now: datetime) -> BankStatement:
    """Record a big file's import for a job (server/banking/jobs.py): the statement,
    ``importing``, with the file to read again; no line is matched yet."""
    row = _new_import(statement, file_name=file_name, operator=operator, now=now, status=IMPORTING)
    row.content = data
    db.session.flush()
    return row


def finish_import(row: BankStatement) -> None:
    """Every line of a job's import is in: the file is no longer needed."""
    row.status, row.content = IMPORTED, None
    db.session.flush()
    log.info("bank statement imported", extra={"statement_id": row.id, "kind": row.kind,
                                                "already_known": row.already_known})


def _new_import(statement: camt.Statement, *, file_name: str, operator: User, now: datetime,
                status: str) -> BankStatement:
    row = BankStatement(sha256=statement.sha256, file_name=file_name[:255], kind=statement.kind,
                        version=statement.version, message_id=statement.message_id,
                        account_iban=statement.account_iban, not_booked=statement.skipped_not_booked,
                        already_known=0, imported_at=now, imported_by=operator.id, status=status)
    db.session.add(row)
    db.session.flush()
    return row


def import_lines(row: BankStatement, statement: camt.Statement, transactions: list[camt.Transaction], *,
                 operator: User, now: datetime) -> None:
    """Store these transactions of the statement as its lines and act on the exact
    matches. A job calls it chunk by chunk: what earlier chunks stored counts (a
    movement already stored is known, a top-up or payout already matched is a
    duplicate), as it does for an earlier file."""
    _take_turn()
    plan = matching.plan(dataclasses.replace(statement, transactions=list(transactions)), lock=True)
    for planned in plan.lines:
        if planned.outcome == matching.ALREADY_IMPORTED:
            row.already_known += 1
            continue
        tx = planned.transaction
        line = BankLine(statement_id=row.id, bank_reference=tx.bank_reference, direction=tx.direction,
                        amount_cents=tx.amount_cents, currency=tx.currency, booked_on=tx.booked_on,
                        reference=planned.reference, end_to_end_id=tx.end_to_end_id,
                        counterparty_name=tx.counterparty_name, counterparty_iban=tx.counterparty_iban,
                        remittance=tx.unstructured, bank_transaction_code=tx.bank_transaction_code,
                        status=MATCHED if planned.outcome == MATCHED else QUEUED, queue_reason=planned.reason,
                        topup_id=planned.topup.id if planned.topup is not None else None,
                        payout_id=planned.payout.id if planned.payout is not None else None)
        db.session.add(line)
        if planned.outcome == MATCHED and planned.topup is not None:
            payments_api.confirm_topup(topup=planned.topup, operator=operator, now=now)
        elif planned.outcome == MATCHED and planned.payout is not None:
            settlement_api.mark_payout_paid(planned.payout, booked_on=tx.booked_on,
                                            bank_reference=tx.bank_reference, now=now)
    db.session.flush()


def _take_turn() -> None:
    """Imports take turns, on payout_in_transit: the lock every path that pays payouts
    takes before the bank's account (server/settlement/README.md), so an import that
    confirms a top-up (the bank's account) and then pays a payout cannot deadlock with
    the operator confirming that payout. Taken before anything is read, so a second
    import of the same file or of the same movement (a camt.054, then the day's
    camt.053) finds what the first stored instead of failing on its unique keys."""
    settlement_api.lock_payouts_paid()


def get_statement(statement_id: int) -> BankStatement:
    row = db.session.get(BankStatement, statement_id)
    if row is None:
        raise NotFound("Estratto conto non trovato.", code="statement_not_found")
    return row


def statements(*, limit: int = 100) -> list[BankStatement]:
    return list(db.session.scalars(sa.select(BankStatement).order_by(BankStatement.id.desc()).limit(limit)))


def lines_of(statement: BankStatement) -> list[BankLine]:
    return list(db.session.scalars(sa.select(BankLine).filter_by(statement_id=statement.id).order_by(BankLine.id)))


def counts(statement: BankStatement) -> dict:
    rows = db.session.execute(sa.select(BankLine.direction, BankLine.status, sa.func.count(),
                                        sa.func.sum(BankLine.amount_cents))
                              .where(BankLine.statement_id == statement.id)
                              .group_by(BankLine.direction, BankLine.status))
    result = {"credits_matched": 0, "debits_matched": 0, "queued": 0, "decided": 0, "credit_cents": 0,
              "debit_cents": 0, "already_known": statement.already_known, "not_booked": statement.not_booked}
    for direction, status, count, cents in rows:
        result[f"{direction}_cents"] += int(cents or 0)
        if status == MATCHED:
            result[f"{direction}s_matched"] += count
        elif status == QUEUED:
            result["queued"] += count
        else:
            result["decided"] += count
    return result


def queue() -> list[BankLine]:
    return list(db.session.scalars(sa.select(BankLine).filter_by(status=QUEUED).order_by(BankLine.id)))


def get_line(line_id: int, *, for_update: bool = False) -> BankLine:
    select = sa.select(BankLine).filter_by(id=line_id)
    line = db.session.scalar(select.with_for_update() if for_update else select)
    if line is None:
        raise NotFound("Movimento non trovato.", code="bank_line_not_found")
    return line


def decide(*, line: BankLine, action: str, operator: User, now: datetime, topup_id: int | None = None,
           note: str | None = None) -> BankLine:
    """The operator's decision on a queued line: it confirms a pending top-up of exactly
    its amount, or is set aside (to refund, or handled outside) with a note. Money that
    belongs to no top-up never enters the ledger."""
    if line.status != QUEUED:
        raise Conflict("Questo movimento è già stato deciso.", code="bank_line_decided")
    if action == CONFIRM_TOPUP:
        if line.direction != camt.CREDIT:
            raise InvalidInput("Solo un accredito conferma una ricarica.", code="bank_line_not_credit",
                               field="action")
        if topup_id is None:
            raise InvalidInput("Indica la ricarica da confermare.", code="topup_required", field="topup_id")
        topup = payments_api.get_topup(topup_id, for_update=True)
        if topup.status != PENDING:
            raise Conflict("La ricarica non è in attesa di pagamento.", code="topup_not_pending")
        if topup.amount_cents != line.amount_cents or line.currency != matching.EUR:
            raise InvalidInput("L'importo del movimento non è quello della ricarica.", code="topup_amount_differs",
                               field="topup_id", params={"line_amount_cents": line.amount_cents,
                                                         "topup_amount_cents": topup.amount_cents})
        payments_api.confirm_topup(topup=topup, operator=operator, now=now)
        line.status, line.topup_id = CONFIRMED, topup.id
    elif action == SET_ASIDE_ACTION:
        if not note or not note.strip():
            raise InvalidInput("Scrivi una nota: perché il movimento resta fuori.", code="note_required",
                               field="note")
        line.status = SET_ASIDE
    else:  # pragma: no cover - the schema allows only the two
        raise InvalidInput("Decisione sconosciuta.", code="invalid_input", field="action")
    line.decided_by, line.decided_at, line.decision_note = operator.id, now, (note or "").strip() or None
    db.session.flush()
    log.info("bank line decided", extra={"line_id": line.id, "action": action})
    return line
