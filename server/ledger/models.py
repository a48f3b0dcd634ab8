from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db_types import UtcDateTime
from server.extensions import db

DEBIT, CREDIT = "debit", "credit"


def _now():
    return datetime.now(timezone.utc)


class Account(db.Model):
    __tablename__ = "ledger_account"
    __table_args__ = (sa.UniqueConstraint("kind", "owner_id", name="uq_ledger_account_kind_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    # The id of the campaign, school allocation, voucher, venue... the account belongs
    # to (its table follows from ``kind``); 0 for the platform's own accounts.
    owner_id: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    normal_side: Mapped[str] = mapped_column(sa.String(6))
    may_go_negative: Mapped[bool] = mapped_column(default=False)
    balance_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)

    def __repr__(self):
        return f"<Account {self.kind}:{self.owner_id} {self.balance_cents}c>"


class Transfer(db.Model):
    __tablename__ = "ledger_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    postings: Mapped[list["Posting"]] = relationship(back_populates="transfer", order_by="Posting.id")


class Posting(db.Model):
    __tablename__ = "ledger_posting"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_transfer.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_account.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)  # debit > 0, credit < 0
    transfer: Mapped[Transfer] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship()


@event.listens_for(Posting, "before_update")
@event.listens_for(Posting, "before_delete")
def _postings_are_immutable(mapper, connection, target):
    raise RuntimeError("ledger postings are immutable: post a correcting transfer instead")
