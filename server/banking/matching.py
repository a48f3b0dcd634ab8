"""What each booked transaction of a statement is, before anything is done with it.

Credits are sponsors' transfers: matched to a top-up by its RF reference (the
structured field, else found in the free text) and amount. Debits are our payouts to
venues: matched by the EndToEndId we wrote in the pain.001 (server.settlement.api).
Only an exact match acts on import; everything else waits for the operator with a
reason (README.md). Planning reads and never writes, so the same plan is the upload's
preview and what the import then does.
"""
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from server.banking import camt
from server.banking.models import (AMOUNT_MISMATCH, CONFIRMED, DUPLICATE, EXCESS, MATCHED, PARTIAL,
                                   PAYOUT_NOT_EXPORTED, REVERSAL, TOPUP_CANCELLED, UNKNOWN, WRONG_CURRENCY, BankLine)
from server.extensions import db
from server.payments import reference as rf
from server.payments.models import CANCELLED, PENDING, TopUp
from server.settlement import api as settlement_api
from server.settlement import models as settlement_models

ALREADY_IMPORTED = "already_imported"
QUEUED = "queued"
EUR = "EUR"
MAX_SUGGESTIONS = 5

# "RF", two check digits, then letters, digits and the spaces of the printed groups.
_RF_IN_TEXT = re.compile(r"R\s?F\s?[0-9]{2}[0-9A-Z ]{1,30}")


@dataclass
class LinePlan:
    transaction: camt.Transaction
    outcome: str  # matched | queued | already_imported
    reason: str | None = None
    reference: str | None = None  # the RF reference read from the transfer
    topup: TopUp | None = None
    payout: object | None = None


@dataclass
class Plan:
    statement: camt.Statement
    lines: list[LinePlan] = field(default_factory=list)


def references_in(transaction: camt.Transaction) -> list[str]:
    """Valid RF references the transfer carries, the structured one first. In free text
    the printed groups may be spaced and followed by other words: every valid prefix of
    what follows "RF" is a candidate (a top-up's reference must also match, below)."""
    found = []
    if transaction.structured_reference and rf.is_valid_rf(transaction.structured_reference):
        found.append(rf.compact(transaction.structured_reference))
    for match in _RF_IN_TEXT.finditer(transaction.unstructured.upper()):
        compacted = rf.compact(match.group(0))
        for end in range(len(compacted), 4, -1):
            candidate = compacted[:end]
            if candidate not in found and rf.is_valid_rf(candidate):
                found.append(candidate)
    return found


def plan(statement: camt.Statement, *, lock: bool = False) -> Plan:
    """``lock``: the import takes the rows it will change (FOR UPDATE); a preview does not."""
    result = Plan(statement)
    known = set(db.session.scalars(sa.select(BankLine.bank_reference).where(
        BankLine.bank_reference.in_([t.bank_reference for t in statement.transactions]))))
    claimed_topups, claimed_payouts = set(), set()
    for transaction in statement.transactions:
        if transaction.bank_reference in known:
            result.lines.append(LinePlan(transaction, ALREADY_IMPORTED))
            continue
        known.add(transaction.bank_reference)
        if transaction.direction == camt.CREDIT:
            line = _credit(transaction, claimed_topups, lock=lock)
        else:
            line = _debit(transaction, claimed_payouts, lock=lock)
        result.lines.append(line)
    return result


def _credit(transaction, claimed: set, *, lock: bool) -> LinePlan:
    candidates = references_in(transaction)
    topup = None
    if candidates:
        select = sa.select(TopUp).where(TopUp.reference.in_(candidates)).order_by(TopUp.id)
        topup = db.session.scalars(select.with_for_update() if lock else select).first()
    reference = topup.reference if topup is not None else (candidates[0] if candidates else None)

    def queued(reason):
        return LinePlan(transaction, QUEUED, reason, reference=reference, topup=topup)
    if transaction.reversal:
        return queued(REVERSAL)
    if transaction.currency != EUR:
        return queued(WRONG_CURRENCY)
    if topup is None:
        return queued(UNKNOWN)
    if topup.status == CANCELLED:
        return queued(TOPUP_CANCELLED)
    # A top-up confirmed by hand before its statement came is matched by its first
    # credit; a second credit for it is a duplicate payment.
    if topup.id in claimed or _topup_has_line(topup.id):
        return queued(DUPLICATE)
    if transaction.amount_cents < topup.amount_cents:
        return queued(PARTIAL)
    if transaction.amount_cents > topup.amount_cents:
        return queued(EXCESS)
    claimed.add(topup.id)
    return LinePlan(transaction, MATCHED, reference=reference, topup=topup)


def _topup_has_line(topup_id: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BankLine).where(
        BankLine.topup_id == topup_id, BankLine.status.in_((MATCHED, CONFIRMED)))) > 0


def _debit(transaction, claimed: set, *, lock: bool) -> LinePlan:
    if transaction.reversal:
        return LinePlan(transaction, QUEUED, REVERSAL)
    payout = None
    if transaction.end_to_end_id:
        payout = settlement_api.find_payout_by_end_to_end_id(transaction.end_to_end_id)
    if payout is None:
        return LinePlan(transaction, QUEUED, UNKNOWN)
    if transaction.currency != EUR:
        return LinePlan(transaction, QUEUED, WRONG_CURRENCY, payout=payout)
    if payout.id in claimed or db.session.scalar(sa.select(sa.func.count()).select_from(BankLine).where(
            BankLine.payout_id == payout.id, BankLine.status == MATCHED)):
        return LinePlan(transaction, QUEUED, DUPLICATE, payout=payout)
    if transaction.amount_cents != payout.amount_cents:
        return LinePlan(transaction, QUEUED, AMOUNT_MISMATCH, payout=payout)
    if payout.status not in (settlement_models.EXPORTED, settlement_models.PAID):
        # The bank paid what we never sent it: the operator finds out why.
        return LinePlan(transaction, QUEUED, PAYOUT_NOT_EXPORTED, payout=payout)
    claimed.add(payout.id)
    return LinePlan(transaction, MATCHED, payout=payout)


# --- suggestions for the queue --------------------------------------------------------

SAME_AMOUNT, SIMILAR_REFERENCE, SAME_PAYER = "same_amount", "similar_reference", "same_payer"


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, giving up (limit + 1) once past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _tokens(line: BankLine) -> list[str]:
    """Reference-like words of the transfer: what a payer may have typed for ours."""
    words = re.split(r"[^0-9A-Z]+", (line.remittance or "").upper())
    return [word for word in words if len(word) >= 8] + ([line.reference] if line.reference else [])


def _similar(tokens: list[str], topup: TopUp) -> bool:
    # Against the whole reference, and without "RF" and its check digits (often left out).
    if not topup.reference:
        return False
    targets = (topup.reference, topup.reference[4:])
    return any(_distance(token, target) <= 2 for token in tokens for target in targets)


def suggestions(lines: list[BankLine]) -> dict[int, list[tuple[TopUp, list[str]]]]:
    """For each queued credit: pending top-ups it may be, with why, best first."""
    credits = [line for line in lines if line.direction == camt.CREDIT]
    if not credits:
        return {}
    pending = list(db.session.scalars(sa.select(TopUp).filter_by(status=PENDING).order_by(TopUp.id)))
    payers = {}
    names = {line.counterparty_name.lower() for line in credits if line.counterparty_name}
    if names:
        rows = db.session.execute(sa.select(sa.func.lower(BankLine.counterparty_name), TopUp.sponsor_id)
                                  .join(TopUp, TopUp.id == BankLine.topup_id)
                                  .where(sa.func.lower(BankLine.counterparty_name).in_(names),
                                         BankLine.status.in_((MATCHED, CONFIRMED))))
        for name, sponsor_id in rows:
            payers.setdefault(name, set()).add(sponsor_id)
    result = {}
    for line in credits:
        tokens = _tokens(line)
        sponsors = payers.get((line.counterparty_name or "").lower(), set())
        ranked = []
        for topup in pending:
            why = []
            if topup.amount_cents == line.amount_cents:
                why.append(SAME_AMOUNT)
            if _similar(tokens, topup):
                why.append(SIMILAR_REFERENCE)
            if topup.sponsor_id in sponsors:
                why.append(SAME_PAYER)
            if why:
                ranked.append((topup, why))
        ranked.sort(key=lambda pair: (-len(pair[1]), pair[0].id))
        result[line.id] = ranked[:MAX_SUGGESTIONS]
    return result
