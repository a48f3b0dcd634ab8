"""Member sessions, kept on the server so that they can end.

The session cookie is signed but stateless: a copy taken before a logout would keep
working until it expired. So the cookie carries a random token naming a row here, and
every request looks the row up. Logging out deletes this browser's row; changing the
password or being removed from an organisation deletes all of the person's rows
(``end_all``), and every browser they had is logged out at its next request.

A session lasts ``lifetime`` from its login however active it is (the cookie's own
lifetime, refreshed on each request, is the idle limit).
"""
import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from server.accounts.models import LoginSession, User
from server.extensions import db

log = logging.getLogger(__name__)


def _hash(token: str) -> bytes:
    # Only the hash is stored: a copy of the table opens no session.
    return hashlib.sha256(token.encode("utf-8")).digest()


def start(*, user: User, now: datetime, lifetime: timedelta) -> str:
    """A new session for the user; returns the token for the cookie."""
    # The person's own finished sessions go now: no other request contends for them.
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id,
                                                     LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(token_hash=_hash(token), user_id=user.id, started_at=now, expires_at=now + lifetime))
    db.session.flush()
    return token


def user_of(token, *, now: datetime) -> User | None:
    """The user whose live session the token names; None for an ended or expired one."""
    if not isinstance(token, str) or not token:
        return None
    return db.session.scalar(
        sa.select(User).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _hash(token), LoginSession.expires_at > now))


def end(token) -> None:
    if isinstance(token, str) and token:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.token_hash == _hash(token)))
        db.session.flush()


def end_all(*, user: User) -> int:
    """End every session of the user, on every browser; how many there were."""
    ended = db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
    db.session.flush()
    log.info("sessions ended", extra={"user_id": user.id, "sessions": ended})
    return ended
