"""The new accounts of a bulk funding (``api.fund_new_accounts``) and their postings.

On PostgreSQL both go in as one statement that the server expands from the owner ids
(one packed text parameter, ``bulk.packed_ids``): the accounts' ids never travel to
Python and back, and no row is built in Python (100,000 vouchers would mean 200,000
row objects). Elsewhere the portable
multi-row inserts of server/bulk.py.
"""
from datetime import datetime, timezone

import sqlalchemy as sa

from server import bulk
from server.extensions import db
from server.ledger.models import Account, Posting

_OPEN_AND_FUND = sa.text(
    "WITH opened AS ("
    " INSERT INTO ledger_account (kind, owner_id, normal_side, may_go_negative, balance_cents, created_at)"
    " SELECT :kind, owner, :normal_side, :may_go_negative, :balance, :created_at"
    f" FROM unnest({bulk.PACKED_IDS % ':owners'}) WITH ORDINALITY AS o(owner, n) ORDER BY n RETURNING id)"
    " INSERT INTO ledger_posting (transfer_id, account_id, amount_cents)"
    " SELECT :transfer_id, id, :amount FROM opened"
).bindparams(sa.bindparam("created_at", type_=Account.__table__.c.created_at.type))


def open_funded_accounts(*, transfer_id: int, kind: str, normal_side: str, may_go_negative: bool,
                         owner_ids: list[int], amount_each: int) -> None:
    """One account per owner holding ``amount_each``, each with its posting (a credit
    of ``amount_each``) in transfer ``transfer_id``."""
    created_at = datetime.now(timezone.utc)
    if bulk.is_postgresql():
        db.session.flush()
        db.session.execute(_OPEN_AND_FUND, {
            "kind": kind, "normal_side": normal_side, "may_go_negative": may_go_negative, "balance": amount_each,
            "created_at": created_at, "owners": bulk.packed_ids(owner_ids), "transfer_id": transfer_id,
            "amount": -amount_each})
        return
    account_ids = bulk.insert_returning_ids(Account.__table__, [
        {"kind": kind, "owner_id": owner, "normal_side": normal_side, "may_go_negative": may_go_negative,
         "balance_cents": amount_each, "created_at": created_at} for owner in owner_ids])
    bulk.insert(Posting.__table__, [{"transfer_id": transfer_id, "account_id": account_id, "amount_cents": -amount_each}
                                    for account_id in account_ids])
