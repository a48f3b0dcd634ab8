"""Wallet challenges work once.

A challenge is stateless (signed by the server, valid ``WALLET_CHALLENGE_MAX_AGE``
seconds), so nothing in it stops the same challenge and signature from being sent
again, from another client, while it is fresh. Its nonce is therefore marked used when
it opens a session, and kept until the challenge would have expired anyway:

- in Redis when ``REDIS_URL`` is set: ``SET key NX PX ttl`` — atomic, shared by every
  worker, gone by itself at expiry;
- in the database otherwise (table ``used_wallet_challenge``): an insert that does
  nothing on conflict, so of two requests racing with one nonce the second waits for
  the first's transaction and finds the nonce taken (PostgreSQL), or is serialised
  behind it by the write lock (SQLite). The mark is part of the request's transaction:
  a request that fails later leaves the challenge unused.
"""
import math
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from server.accounts.models import UsedWalletChallenge
from server.extensions import db, redis_client

REDIS_PREFIX = "mentoring:wallet-challenge:"
# Expired marks deleted per use, at most: the table stays small without a cron job.
PRUNE_BATCH = 100


def consume(nonce: str, *, expires_at: datetime, now: datetime) -> bool:
    """Mark the nonce used: True the first time, False for every later use."""
    if current_app.config.get("REDIS_URL"):
        ttl_ms = max(1, math.ceil((expires_at - now).total_seconds() * 1000))
        return bool(redis_client().set(REDIS_PREFIX + nonce, b"1", nx=True, px=ttl_ms))
    _prune(now)
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)
    # RETURNING says whether the row went in (psycopg reports no rowcount for this).
    statement = (insert(UsedWalletChallenge).values(nonce=nonce, expires_at=expires_at)
                 .on_conflict_do_nothing(index_elements=["nonce"]).returning(UsedWalletChallenge.nonce))
    return db.session.execute(statement).scalar() is not None


def _prune(now: datetime) -> None:
    # SKIP LOCKED: concurrent logins never wait on each other's clean-up (PostgreSQL;
    # SQLite has one writer at a time and no row locks to skip).
    expired = (sa.select(UsedWalletChallenge.nonce).where(UsedWalletChallenge.expires_at <= now)
               .limit(PRUNE_BATCH).with_for_update(skip_locked=True))
    db.session.execute(sa.delete(UsedWalletChallenge).where(UsedWalletChallenge.nonce.in_(expired)))
