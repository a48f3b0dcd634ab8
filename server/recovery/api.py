"""Recovery without identity, and the operator's decisions on frozen vouchers
(README.md beside this file). Use cases flush, never commit; money moves only
through the ledger.

Lock order, everywhere: the voucher's ledger account, then the voucher row, then its
recoveries. The door's sync takes the account first and may then freeze the voucher
row, so the same order keeps the two from deadlocking.
"""
import logging
from datetime import datetime

import sqlalchemy as sa

from server import bulk
from server.accounts.models import Organisation, User, Wallet
from server.campaigns.models import Campaign
from server.door import revocations
from server.door.models import VOUCHER
from server.errors import InvalidInput
from server.extensions import db
from server.ledger import api as ledger
from server.ledger.models import Account
from server.recovery.exceptions import CardNotFound, NothingToRecover, RecoveryStarted
from server.recovery.models import (
    COMPLETED, LOST_PHONE, PENDING, RECOVER, RECOVERED, REISSUE, SUPERSEDED, UNFREEZE, VoucherDecision,
    VoucherRecovery,
)
from server.vouchers import claim_codes
from server.vouchers.exceptions import CodeAlreadyClaimed
from server.vouchers.models import ACTIVE, CLAIMED, FROZEN, Allocation, ClaimCode, Voucher

log = logging.getLogger(__name__)

# Voucher.frozen_reason values and what the wallet is told (``status_reason``).
RECOVERY_STARTED, UNDER_REVIEW = "recovery", "under_review"
_WALLET_REASONS = {"offline_overspend": "overspend", UNDER_REVIEW: "under_review", RECOVERY_STARTED: "recovery_started"}
MAX_NOTE = 500
MAX_CARDS_LISTED = 2_000


def _recovery_secret(secret: bytes | str) -> bytes:
    # Recovery codes share the claim codes' format and box in the wallet, not their
    # hashes: a separate key, so the two tables can never name the same code.
    return b"recovery:" + (secret.encode("utf-8") if isinstance(secret, str) else secret)


def _lock(voucher_id: int) -> Voucher:
    ledger.locked_account("voucher", voucher_id)
    return db.session.scalars(sa.select(Voucher).filter_by(id=voucher_id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _moves(*, school_id: int | None = None, card_id: int | None = None) -> dict[int, VoucherRecovery]:
    """Completed recoveries of a school's vouchers, or of one card's, by the voucher
    they moved away from."""
    select = sa.select(VoucherRecovery).filter_by(status=COMPLETED)
    if card_id is not None:
        select = select.filter_by(claim_code_id=card_id)
    else:
        select = select.join(Voucher, Voucher.id == VoucherRecovery.old_voucher_id).join(
            Allocation, Allocation.id == Voucher.allocation_id).where(Allocation.school_id == school_id)
    return {r.old_voucher_id: r for r in db.session.scalars(select)}


def _current(voucher_id: int, moves: dict[int, VoucherRecovery]) -> tuple[int, VoucherRecovery | None]:
    """The voucher a card's money sits on now, and the last move that took it there."""
    last = None
    while voucher_id in moves:
        last = moves[voucher_id]
        voucher_id = last.new_voucher_id
    return voucher_id, last


def _revoke(voucher: Voucher, reason: str, now: datetime) -> None:
    """Freeze an active voucher; it enters the revocation list scanners download. A
    frozen one is on it already."""
    if voucher.status == ACTIVE:
        revocations.add(kind=VOUCHER, value=voucher.id, reason=reason, now=now)
    voucher.status = FROZEN


def _supersede_pending(voucher_id: int) -> None:
    for pending in db.session.scalars(sa.select(VoucherRecovery).filter_by(old_voucher_id=voucher_id, status=PENDING)
                                      .with_for_update()):
        pending.status, pending.code_hash = SUPERSEDED, None


def _move(old: Voucher, *, wallet_id: int, recovery: VoucherRecovery, now: datetime) -> Voucher:
    """A new voucher (new id: scanners refuse the old one for ever) holding the old one's
    whole balance, read under the account lock the caller took. Spends of the old
    credential synced later find it empty and are paid by the campaign's risk account."""
    new = Voucher(campaign_id=old.campaign_id, allocation_id=old.allocation_id, wallet_id=wallet_id,
                  face_value_cents=old.face_value_cents, status=ACTIVE, created_at=now)
    db.session.add(new)
    db.session.flush()
    amount = ledger.account("voucher", old.id).balance_cents
    if amount:
        ledger.move(idempotency_key=f"recovery:{recovery.id}", kind="voucher_recovery",
                    source=ledger.account("voucher", old.id), destination=ledger.account("voucher", new.id),
                    amount_cents=amount)
    else:
        ledger.account("voucher", new.id)
    old.status, old.frozen_reason = RECOVERED, None
    recovery.status, recovery.new_voucher_id, recovery.moved_cents, recovery.completed_at = COMPLETED, new.id, amount, now
    db.session.flush()
    log.info("voucher recovered", extra={"recovery_id": recovery.id, "kind": recovery.kind, "moved_cents": amount})
    return new


def _card(school: Organisation, allocation_id: int, card_number: int) -> ClaimCode:
    """The claimed card with this number (``ClaimCode.serial``, printed on it) in the
    school's allocation. A claimed card is never voided, so there is one."""
    card = db.session.scalar(sa.select(ClaimCode).join(Allocation, Allocation.id == ClaimCode.allocation_id).where(
        ClaimCode.allocation_id == allocation_id, ClaimCode.serial == card_number,
        Allocation.school_id == school.id, ClaimCode.status == CLAIMED))
    if card is None:
        raise CardNotFound("Nessuna tessera usata con questo numero.", params={"card_number": card_number})
    return card


def start(*, school: Organisation, allocation_id: int, card_number: int, user: User, secret: bytes | str,
          now: datetime) -> str:
    """The school starts a recovery from the card's number: the card's voucher is revoked
    at once and a one-time recovery code (only its HMAC is kept) is returned, to hand to
    the student. Starting again replaces the code not yet used."""
    card = _card(school, allocation_id, card_number)
    current, _ = _current(card.voucher_id, _moves(card_id=card.id))
    voucher = _lock(current)
    if voucher.status == RECOVERED:  # moved meanwhile, by a concurrent request
        raise NothingToRecover("Il buono di questa tessera è già stato spostato.")
    _supersede_pending(voucher.id)
    _revoke(voucher, "recovery", now)
    voucher.frozen_reason = RECOVERY_STARTED
    while True:
        code = claim_codes.generate()
        digest = claim_codes.hash_code(code, _recovery_secret(secret))
        if db.session.scalar(sa.select(VoucherRecovery.id).filter_by(code_hash=digest)) is None:
            break
    db.session.add(VoucherRecovery(kind=LOST_PHONE, old_voucher_id=voucher.id, claim_code_id=card.id,
                                   code_hash=digest, status=PENDING, started_by=user.id, started_at=now,
                                   old_credential_valid_until=voucher.credential_valid_until))
    db.session.flush()
    log.info("recovery started", extra={"voucher_id": voucher.id, "school_id": school.id})
    return code


def complete(*, wallet: Wallet, code_text: str, secret: bytes | str, now: datetime) -> Voucher | None:
    """A wallet types a recovery code (in the claim box): the balance moves to a new
    voucher in this wallet. None when no recovery has this code. The same wallet
    repeating gets the same voucher (a retry after a lost answer)."""
    digest = claim_codes.hash_code(code_text, _recovery_secret(secret))
    found = db.session.scalar(sa.select(VoucherRecovery).filter_by(code_hash=digest))
    if found is None:
        return None
    voucher = _lock(found.old_voucher_id)
    recovery = db.session.scalars(sa.select(VoucherRecovery).filter_by(id=found.id).with_for_update()
                                  .execution_options(populate_existing=True)).one()
    if recovery.status == COMPLETED:
        new = db.session.get(Voucher, recovery.new_voucher_id)
        if new.wallet_id == wallet.id:
            return new
        raise CodeAlreadyClaimed("Questo codice è già stato usato.")
    if recovery.status != PENDING or voucher.status == RECOVERED:
        return None  # replaced by a newer code
    return _move(voucher, wallet_id=wallet.id, recovery=recovery, now=now)


def decide(*, voucher_id: int, decision: str, note: str, user: User, now: datetime) -> VoucherDecision:
    """The operator closes an anomaly on a frozen voucher. ``unfreeze``: its balance moves
    at once to a fresh voucher in the same wallet (the old id stays revoked).
    ``recover``: it stays frozen, under review, for the school to start a recovery."""
    if decision not in (UNFREEZE, RECOVER):
        raise InvalidInput("Decisione sconosciuta.", code="invalid_decision", field="decision")
    if not note.strip():
        raise InvalidInput("Scrivi una nota.", code="decision_note_required", field="note")
    if db.session.get(Voucher, voucher_id) is None:
        raise NothingToRecover("Nessun buono sospeso con questo numero.")
    voucher = _lock(voucher_id)
    if voucher.status != FROZEN:
        raise NothingToRecover("Il buono non è sospeso.")
    if voucher.frozen_reason == RECOVERY_STARTED:
        # The student lost the phone: an unfreeze would give the balance back to the lost
        # phone's wallet and void the code the school handed out. Read under the lock,
        # so a recovery started while the operator decides is seen.
        raise RecoveryStarted("La scuola ha avviato il recupero di questo buono.")
    made = VoucherDecision(voucher_id=voucher.id, decision=decision, note=note.strip()[:MAX_NOTE],
                           decided_by=user.id, decided_at=now)
    if decision == UNFREEZE:
        _supersede_pending(voucher.id)
        card = db.session.scalar(sa.select(VoucherRecovery.claim_code_id).filter_by(new_voucher_id=voucher.id)) \
            or db.session.scalar(sa.select(ClaimCode.id).filter_by(voucher_id=voucher.id))
        recovery = VoucherRecovery(kind=REISSUE, old_voucher_id=voucher.id, claim_code_id=card, status=PENDING,
                                   started_by=user.id, started_at=now,
                                   old_credential_valid_until=voucher.credential_valid_until)
        db.session.add(recovery)
        db.session.flush()
        _move(voucher, wallet_id=voucher.wallet_id, recovery=recovery, now=now)
        made.recovery_id = recovery.id
    else:
        voucher.frozen_reason = UNDER_REVIEW
    db.session.add(made)
    db.session.flush()
    log.info("voucher decision", extra={"voucher_id": voucher.id, "decision": decision})
    return made


def decisions_for(voucher_ids) -> dict[int, VoucherDecision]:
    """The latest decision on each voucher."""
    ids = sorted(set(voucher_ids))
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(VoucherDecision).where(VoucherDecision.voucher_id.in_(ids))
                              .order_by(VoucherDecision.id))
    return {row.voucher_id: row for row in rows}


def wallet_status(voucher: Voucher, balance_cents: int) -> tuple[str, str | None]:
    """``status`` ∈ active, frozen, spent, recovered and its ``status_reason`` for the wallet."""
    if voucher.status == RECOVERED:
        move = db.session.scalar(sa.select(VoucherRecovery).filter_by(old_voucher_id=voucher.id, status=COMPLETED))
        new_wallet = db.session.scalar(sa.select(Voucher.wallet_id).filter_by(id=move.new_voucher_id)) if move else None
        return RECOVERED, ("reissued" if new_wallet == voucher.wallet_id else "other_device")
    if voucher.status == FROZEN:
        return "frozen", _WALLET_REASONS.get(voucher.frozen_reason, "under_review")
    if balance_cents <= 0:
        return "spent", None
    return "active", None


def school_cards(school: Organisation) -> dict:
    """The school's claimed cards by number with the state of the voucher each one's
    money sits on now, and counts by state. No wallet, no voucher id: the school
    knows which child holds which card, the platform does not."""
    rows = db.session.execute(
        sa.select(ClaimCode.id, ClaimCode.serial, ClaimCode.voucher_id, Allocation.id, Campaign.name)
        .join(Allocation, Allocation.id == ClaimCode.allocation_id).join(Campaign, Campaign.id == Allocation.campaign_id)
        .where(Allocation.school_id == school.id, ClaimCode.status == CLAIMED)
        .order_by(Allocation.id, ClaimCode.serial)).all()
    moves = _moves(school_id=school.id)
    current = {card: _current(voucher_id, moves) for card, _, voucher_id, _, _ in rows}
    voucher_ids = [v for v, _ in current.values()]
    vouchers = {v.id: v for v in db.session.scalars(sa.select(Voucher).where(bulk.any_of(Voucher.id, voucher_ids)))} \
        if voucher_ids else {}
    balances = dict(db.session.execute(sa.select(Account.owner_id, Account.balance_cents).where(
        Account.kind == "voucher", bulk.any_of(Account.owner_id, voucher_ids))).all()) if voucher_ids else {}
    cards, counts = [], {}
    for card, serial, _, allocation_id, campaign_name in rows:
        voucher_id, last_move = current[card]
        state, reason = _school_state(vouchers[voucher_id], balances.get(voucher_id, 0), last_move)
        counts[state] = counts.get(state, 0) + 1
        cards.append({"card_number": serial, "allocation_id": allocation_id, "campaign_name": campaign_name,
                      "status": state, "status_reason": reason, "balance_cents": balances.get(voucher_id, 0)})
    return {"cards": cards[:MAX_CARDS_LISTED], "counts": counts, "truncated": len(cards) > MAX_CARDS_LISTED}


def _school_state(voucher: Voucher, balance_cents: int, last_move: VoucherRecovery | None) -> tuple[str, str | None]:
    if voucher.status == FROZEN:
        if voucher.frozen_reason == RECOVERY_STARTED:
            return "recovering", None
        return "suspended", _WALLET_REASONS.get(voucher.frozen_reason, UNDER_REVIEW)
    if balance_cents <= 0:
        return "spent", None
    if last_move is not None:
        return ("recovered" if last_move.kind == LOST_PHONE else "resolved"), None
    return "active", None
