"""Ledger use cases. They flush, never commit: the request boundary commits."""
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from server import bulk
from server.extensions import db
from server.ledger import bulk as ledger_bulk
from server.ledger.exceptions import IdempotencyConflict, InsufficientFunds
from server.ledger.models import CREDIT, DEBIT, Account, Posting, Transfer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountKind:
    normal_side: str
    may_go_negative: bool = False


# Every kind of account there is. Adding a vertical (sport) adds none: it is configuration.
ACCOUNT_KINDS = {
    "bank": AccountKind(DEBIT),  # the platform's bank account: money really held
    "sponsor": AccountKind(CREDIT),  # a sponsor's funds not yet in a campaign
    "campaign": AccountKind(CREDIT),  # a campaign's unallocated budget
    "campaign_risk": AccountKind(CREDIT, may_go_negative=True),  # reserve for offline overspend
    "school_allocation": AccountKind(CREDIT),  # vouchers allocated to a school, not yet claimed
    "voucher": AccountKind(CREDIT),  # a student's spendable balance
    "venue_payable": AccountKind(CREDIT),  # owed to a venue until settlement
    "payout_in_transit": AccountKind(CREDIT),  # settled to venues, not yet seen leaving the bank
    "platform_fees": AccountKind(CREDIT),
}
PLATFORM = 0  # owner id of the platform's own accounts


def account(kind: str, owner_id: int = PLATFORM) -> Account:
    """The account of that kind for that owner, created on first use."""
    spec = ACCOUNT_KINDS[kind]
    found = db.session.scalar(sa.select(Account).filter_by(kind=kind, owner_id=owner_id))
    if found is None:
        found = Account(kind=kind, owner_id=owner_id, normal_side=spec.normal_side,
                        may_go_negative=spec.may_go_negative, balance_cents=0)
        try:
            # A savepoint: if a concurrent request created the same account first,
            # only this insert is undone and we use theirs.
            with db.session.begin_nested():
                db.session.add(found)
        except IntegrityError:
            found = db.session.scalar(sa.select(Account).filter_by(kind=kind, owner_id=owner_id))
    return found


def locked_account(kind: str, owner_id: int = PLATFORM) -> Account:
    """The account, row-locked until the transaction ends, with its balance re-read:
    for rules that decide from a balance before posting (e.g. offline overspend)."""
    found = account(kind, owner_id)
    db.session.flush()
    return db.session.scalar(sa.select(Account).filter_by(id=found.id).with_for_update()
                             .execution_options(populate_existing=True))


def locked_accounts(kind: str, owner_ids: list[int]) -> list[Account]:
    """Several accounts of one kind, created if needed, row-locked in id order (the
    order every locker uses, so two transactions cannot deadlock) with fresh balances."""
    locked = lock_accounts([(kind, owner_id) for owner_id in owner_ids])
    return sorted(locked.values(), key=lambda acc: acc.id)


def lock_accounts(wanted: list[tuple[str, int]]) -> dict[tuple[str, int], Account]:
    """Accounts of any kinds, by (kind, owner): created if needed, then all row-locked in
    one statement in id order, balances re-read. A use case that moves money between
    several accounts takes every lock it needs here at once, before reading any sum."""
    by_kind: dict[str, set[int]] = {}
    for kind, owner_id in wanted:
        by_kind.setdefault(kind, set()).add(owner_id)
    if not by_kind:
        return {}
    which = sa.or_(*(sa.and_(Account.kind == kind, bulk.any_of(Account.owner_id, sorted(owners)))
                     for kind, owners in by_kind.items()))

    def lock():
        return {(acc.kind, acc.owner_id): acc for acc in db.session.scalars(
            sa.select(Account).where(which).order_by(Account.id)
            .with_for_update().execution_options(populate_existing=True))}

    db.session.flush()
    locked = lock()
    missing = [(kind, owner) for kind, owners in by_kind.items() for owner in owners if (kind, owner) not in locked]
    if missing:  # rare: accounts are made when their owner is
        for kind, owner_id in missing:
            account(kind, owner_id)
        db.session.flush()
        locked = lock()
    return locked


def balance(account_: Account) -> int:
    return account_.balance_cents


def post(*, idempotency_key: str, kind: str, entries: list[tuple[Account, int]]) -> Transfer:
    """Record one transfer: ``entries`` are (account, signed cents), debits positive.

    Idempotent by key. Locks the accounts (in id order) and refuses to take any
    account below zero on its normal side, except those allowed to."""
    if not entries or sum(amount for _, amount in entries) != 0:
        raise ValueError("a transfer's postings must sum to zero")
    if any(not isinstance(amount, int) or isinstance(amount, bool) for _, amount in entries):
        raise TypeError("amounts are integer cents")

    existing = db.session.scalar(sa.select(Transfer).filter_by(idempotency_key=idempotency_key))
    if existing is not None:
        return _same_or_conflict(existing, kind, entries)

    db.session.flush()  # accounts created in this unit of work need their ids
    ids = sorted({acc.id for acc, _ in entries})
    locked = {
        acc.id: acc
        for acc in db.session.scalars(
            # populate_existing: re-read balances under the lock, another transaction
            # may have moved them since this session loaded the rows.
            sa.select(Account).where(bulk.any_of(Account.id, ids)).order_by(Account.id)
            .with_for_update().execution_options(populate_existing=True)
        )
    }
    deltas: dict[int, int] = {}
    for acc, amount in entries:
        deltas[acc.id] = deltas.get(acc.id, 0) + (amount if acc.normal_side == DEBIT else -amount)
    for account_id, delta in deltas.items():
        acc = locked[account_id]
        if acc.balance_cents + delta < 0 and not acc.may_go_negative:
            _refuse(acc, requested_cents=-delta)
    transfer = Transfer(idempotency_key=idempotency_key, kind=kind)
    db.session.add(transfer)
    db.session.flush()
    # One multi-row insert: a sync batch posts one transfer with many postings.
    bulk.insert(Posting.__table__, [
        {"transfer_id": transfer.id, "account_id": acc.id, "amount_cents": amount} for acc, amount in entries])
    _set_balances({account_id: locked[account_id].balance_cents + delta for account_id, delta in deltas.items()},
                  locked)
    log.info("ledger transfer", extra={"transfer_kind": kind, "idempotency_key": idempotency_key,
                                       "transfer_id": transfer.id})
    return transfer


def _refuse(account_: Account, *, requested_cents: int):
    """Which account said no stays in the log; the refusal itself names none."""
    log.info("insufficient funds", extra={"account_kind": account_.kind, "owner_id": account_.owner_id,
                                          "balance_cents": account_.balance_cents, "requested_cents": requested_cents})
    raise InsufficientFunds(available_cents=account_.balance_cents, requested_cents=requested_cents)


def _set_balances(balances: dict[int, int], accounts: dict[int, Account]) -> None:
    """New balances of locked accounts in one UPDATE (a sync batch moves dozens of
    vouchers at once; the ORM would send one statement per account). The loaded
    objects are told their new balance as already stored."""
    changed = {account_id: cents for account_id, cents in balances.items()
               if accounts[account_id].balance_cents != cents}
    if not changed:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        # Two array parameters, one statement the server parses once, whatever the count.
        db.session.execute(sa.text(
            "UPDATE ledger_account SET balance_cents = new.cents FROM unnest(CAST(:ids AS integer[]), "
            "CAST(:cents AS bigint[])) AS new(id, cents) WHERE ledger_account.id = new.id"),
            {"ids": list(changed), "cents": list(changed.values())})
    else:
        db.session.execute(sa.update(Account).where(Account.id.in_(changed))
                           .values(balance_cents=sa.case(changed, value=Account.id))
                           .execution_options(synchronize_session=False))
    for account_id, cents in changed.items():
        set_committed_value(accounts[account_id], "balance_cents", cents)


def fund_new_accounts(*, idempotency_key: str, kind: str, source: Account, new_kind: str, owner_ids: list[int],
                      amount_each: int) -> Transfer:
    """One transfer from ``source`` into many accounts created now (e.g. 100,000 new
    vouchers), written with multi-row inserts. Same rules as ``post``: balanced,
    idempotent, source locked and never below zero."""
    return debit_funding(open_funded(idempotency_key=idempotency_key, kind=kind, source=source, new_kind=new_kind,
                                     owner_ids=owner_ids, amount_each=amount_each))


@dataclass
class Funding:
    """A bulk funding written but not yet taken from its source (``open_funded``)."""

    transfer: Transfer
    source_id: int
    total_cents: int  # 0: the transfer existed already (a repeated key), nothing to take


def open_funded(*, idempotency_key: str, kind: str, source: Account, new_kind: str, owner_ids: list[int],
                amount_each: int) -> Funding:
    """The first half of ``fund_new_accounts``: the transfer, its postings and the new
    accounts, without locking the source. ``debit_funding`` must follow in the same
    transaction. Split so that an issuance job writes two chunks at once, each taking
    the source's lock only for the debit (server/jobs/issuance.py)."""
    spec = ACCOUNT_KINDS[new_kind]
    if amount_each <= 0 or spec.normal_side != CREDIT or source.normal_side != CREDIT:
        raise ValueError("funds move from a credit-normal account into new credit-normal accounts")
    existing = db.session.scalar(sa.select(Transfer).filter_by(idempotency_key=idempotency_key))
    if existing is not None:
        return Funding(existing, source.id, 0)
    total = amount_each * len(owner_ids)
    transfer = Transfer(idempotency_key=idempotency_key, kind=kind)
    db.session.add(transfer)
    db.session.flush()
    bulk.insert(Posting.__table__, [{"transfer_id": transfer.id, "account_id": source.id, "amount_cents": total}])
    ledger_bulk.open_funded_accounts(transfer_id=transfer.id, kind=new_kind, normal_side=spec.normal_side,
                                     may_go_negative=spec.may_go_negative, owner_ids=owner_ids, amount_each=amount_each)
    log.info("ledger bulk funding", extra={"transfer_kind": kind, "accounts": len(owner_ids)})
    return Funding(transfer, source.id, total)


def debit_funding(funding: Funding) -> Transfer:
    """Lock the source, refuse if it holds too little, take the total from it. The lock
    is FOR NO KEY UPDATE: it waits for every other writer of the balance (they lock
    FOR UPDATE or the same) but not for a transaction whose new postings merely
    reference the account (their foreign key checks hold KEY SHARE). With FOR UPDATE
    the issuance job's two chunks in flight would each wait for the other."""
    if not funding.total_cents:
        return funding.transfer
    db.session.flush()
    source = db.session.scalar(sa.select(Account).filter_by(id=funding.source_id).with_for_update(key_share=True)
                               .execution_options(populate_existing=True))
    if source.balance_cents < funding.total_cents and not source.may_go_negative:
        _refuse(source, requested_cents=funding.total_cents)
    source.balance_cents -= funding.total_cents
    db.session.flush()
    return funding.transfer


def move(*, idempotency_key: str, kind: str, source: Account, destination: Account, amount_cents: int) -> Transfer:
    """Move value from ``source`` to ``destination`` (both credit-normal: what the
    platform holds for one party now held for another)."""
    if amount_cents <= 0:
        raise ValueError("a move is of a positive amount")
    return post(idempotency_key=idempotency_key, kind=kind,
                entries=[(source, amount_cents), (destination, -amount_cents)])


def _same_or_conflict(existing: Transfer, kind: str, entries) -> Transfer:
    wanted = sorted((acc.id, amount) for acc, amount in entries)
    recorded = sorted((p.account_id, p.amount_cents) for p in existing.postings)
    if existing.kind != kind or wanted != recorded:
        raise IdempotencyConflict("Questa chiave di idempotenza è già stata usata per un'altra operazione.")
    return existing


def check_books() -> list[str]:
    """Everything wrong with the books, in words (empty when they balance): postings
    sum to zero, stored balances equal the postings, no forbidden negative balance."""
    problems = []
    total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Posting.amount_cents), 0)))
    if total != 0:
        problems.append(f"postings sum to {total}, not 0")
    sums = dict(db.session.execute(
        sa.select(Posting.account_id, sa.func.sum(Posting.amount_cents)).group_by(Posting.account_id)
    ).all())
    for acc in db.session.scalars(sa.select(Account)):
        raw = sums.get(acc.id, 0)
        expected = raw if acc.normal_side == DEBIT else -raw
        if acc.balance_cents != expected:
            problems.append(f"{acc!r}: stored {acc.balance_cents}, postings say {expected}")
        if expected < 0 and not acc.may_go_negative:
            problems.append(f"{acc!r} is below zero")
    return problems
