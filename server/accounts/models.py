from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db_types import UtcDateTime
from server.extensions import db

SPONSOR, SCHOOL, VENUE = "sponsor", "school", "venue"
ORGANISATION_KINDS = (SPONSOR, SCHOOL, VENUE)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
OWNER, MEMBER, STAFF = "owner", "member", "staff"  # staff: venue scanner operators only


def _now():
    return datetime.now(timezone.utc)


class User(db.Model):
    """A person who logs in: platform admin or member of organisations. Never a student."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # SHA-256 of the address's TR39 skeleton (server/accounts/emails.py): a new login that
    # looks like an existing one is refused. Not unique: look-alikes registered before
    # the check keep working.
    email_skeleton: Mapped[bytes | None] = mapped_column(sa.LargeBinary(32), index=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    # Every login moves it; a magic link carries the value it saw, so a link works
    # once and any later login (by link or password) voids the links sent before it.
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    memberships: Mapped[list["Membership"]] = relationship(back_populates="user")

    @property
    def active_memberships(self) -> list["Membership"]:
        return [membership for membership in self.memberships if membership.removed_at is None]


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    vat_number: Mapped[str | None] = mapped_column(sa.String(11))  # sponsors and venues
    school_code: Mapped[str | None] = mapped_column(sa.String(10), unique=True)  # schools
    # Venues are paid here, and only here: the IBAN the operator approved (with the
    # organisation, or later as a change). A change an owner asks for waits in
    # iban_pending until the operator decides (accounts.api.request_iban_change).
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    iban_pending: Mapped[str | None] = mapped_column(sa.String(34))
    iban_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    iban_requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    municipality_code: Mapped[str] = mapped_column(sa.String(6))  # ISTAT
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # Venues: what they offer, bit n = category code n (server/catalogue/taxonomy.py),
    # as Campaign.category_mask. 0 for sponsors and schools.
    category_mask: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)
    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation")

    @property
    def is_approved(self) -> bool:
        return self.status == APPROVED

    @property
    def category_codes(self) -> list[int]:
        return [code for code in range(16) if (self.category_mask or 0) >> code & 1]


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", name="uq_membership_user_organisation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16), default=MEMBER)
    # Set when an owner removes the person. The row stays so that an invitation issued
    # before the removal cannot bring them back (accounts.api.accept_invitation).
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Wallet(db.Model):
    """A student's phone wallet: pseudonymous. No name, no email, no school: only the
    public half of the device key it proves itself with."""

    __tablename__ = "wallet"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_key: Mapped[bytes] = mapped_column(sa.LargeBinary(33), unique=True)  # SEC1 compressed P-256
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=_now)


class LoginSession(db.Model):
    """A member's login in one browser (server/accounts/sessions.py). The signed session
    cookie names it by a random token, stored here only as its SHA-256; deleting the row
    ends the session at once, whatever copies of the cookie exist."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Absolute end, however active the session is; the cookie's own lifetime is the idle limit.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    user: Mapped[User] = relationship()


class UsedWalletChallenge(db.Model):
    """The nonce of a wallet challenge that already opened a session: a challenge works
    once (server/accounts/challenges.py). Kept until the challenge would have expired
    anyway; only used where no Redis is configured."""

    __tablename__ = "used_wallet_challenge"

    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
