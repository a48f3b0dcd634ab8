"""Idempotency keys (draft-ietf-httpapi-idempotency-key-header), without HTTP: find or
claim a principal's key, check that a retry is the same request, keep and open the
first answer, forget expired keys. The rules are in README.md beside this file.

Everything here runs inside the request's own transaction and only flushes: the
record commits with the route's effect or not at all.
"""
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.exc import IntegrityError, OperationalError

from server.extensions import db
from server.idempotency import exceptions as exc
from server.idempotency.models import IdempotencyRecord

# PostgreSQL's SQLSTATE for "lock_timeout expired" (lock_not_available).
LOCK_NOT_AVAILABLE = "55P03"
_NONCE_BYTES = 12


@dataclass(frozen=True)
class Attempt:
    """One request carrying an Idempotency-Key, as the rules need it."""

    principal: str  # "user:<id>" or "wallet:<id>"
    key: str  # 1-255 printable ASCII characters (checked by the HTTP layer)
    method: str
    path: str
    body: bytes

    @property
    def key_digest(self) -> str:
        return hashlib.sha256(self.key.encode("ascii")).hexdigest()

    @property
    def fingerprint(self) -> str:
        """Keyed with the idempotency key: a body holding a claim code cannot be
        recovered from the table by guessing codes, as a plain hash would allow."""
        message = b"\0".join((self.method.encode("ascii"), self.path.encode("utf-8"), self.body))
        return hmac.new(self.key.encode("ascii"), message, hashlib.sha256).hexdigest()


def begin(attempt: Attempt, *, now: datetime, ttl: timedelta, wait_seconds: float) -> tuple[IdempotencyRecord, bool]:
    """The record that answers ``attempt``: ``(record, True)`` when its stored answer
    is to be sent again, ``(record, False)`` when the request is new and must run now
    (then ``complete`` the record with its answer).

    A concurrent request holding the same key has inserted its record but not yet
    committed it: our insert waits on the unique index (PostgreSQL: at most
    ``wait_seconds``, then ``RequestInProgress``; SQLite: its transactions queue
    anyway), and once the other commits we replay its answer; if it rolled back we
    run. So the same key never runs twice at once. Raises ``KeyReused`` when the key
    was used for another request of the same principal."""
    forget_expired(principal=attempt.principal, now=now)
    record = _find(attempt)
    if record is None or record.expires_at <= now:
        fresh = IdempotencyRecord(principal=attempt.principal, key_digest=attempt.key_digest, method=attempt.method,
                                  path=attempt.path, fingerprint=attempt.fingerprint, created_at=now,
                                  expires_at=now + ttl)
        if _insert(fresh, wait_seconds=wait_seconds):
            return fresh, False
        record = _find(attempt)
        if record is None or record.expires_at <= now:
            # The holder is replacing an expired record of this key right now.
            raise exc.RequestInProgress("Una richiesta con la stessa chiave è ancora in corso: riprova tra poco.")
    same = (record.method == attempt.method and record.path == attempt.path
            and hmac.compare_digest(record.fingerprint, attempt.fingerprint))
    if not same:
        raise exc.KeyReused("Questa chiave di idempotenza è già stata usata per un'altra richiesta.",
                            field="Idempotency-Key")
    if record.response_status is None:  # only this transaction could see it so
        raise exc.RequestInProgress("Una richiesta con la stessa chiave è ancora in corso: riprova tra poco.")
    return record, True


def complete(record: IdempotencyRecord, attempt: Attempt, *, status: int, content_type: str | None, body: bytes,
             secret: str | bytes, headers: dict[str, str] | None = None) -> None:
    """Keep the first answer, sealed (AES-GCM) with a key derived from the server
    secret and the client's idempotency key. Answers hold what must not sit readable
    in a table: plain claim codes (the database otherwise keeps only their HMACs),
    invitation links, credentials. Only the client that holds the key, calling as the
    same principal, gets them back; a copy of the database alone does not.
    ``headers``: those of the answer a replay must carry too (a 202's Location), sealed
    the same way: a link may be as telling as a body."""
    record.response_status = status
    record.response_content_type = content_type
    record.response_sealed = _seal(body, attempt, secret, _associated(attempt))
    record.response_headers_sealed = (_seal(json.dumps(headers).encode("utf-8"), attempt, secret,
                                            _associated(attempt, part=b"headers")) if headers else None)
    db.session.flush()


def stored_answer(record: IdempotencyRecord, attempt: Attempt, *, secret: str | bytes) -> bytes:
    """The body of the first answer. ``ReplayUnavailable`` when it cannot be opened
    (the server secret changed since): the request is not run a second time."""
    return _open(record.response_sealed, attempt, secret, _associated(attempt))


def stored_headers(record: IdempotencyRecord, attempt: Attempt, *, secret: str | bytes) -> dict[str, str]:
    """The headers kept with the first answer (``complete(headers=...)``): none for an
    answer that had none, or that was stored before headers were kept."""
    if record.response_headers_sealed is None:
        return {}
    return json.loads(_open(record.response_headers_sealed, attempt, secret, _associated(attempt, part=b"headers")))


def _seal(plain: bytes, attempt: Attempt, secret: str | bytes, associated: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_seal_key(attempt, secret)).encrypt(nonce, plain, associated)


def _open(sealed: bytes | None, attempt: Attempt, secret: str | bytes, associated: bytes) -> bytes:
    sealed = sealed or b""
    try:
        return AESGCM(_seal_key(attempt, secret)).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], associated)
    except (InvalidTag, ValueError):
        raise exc.ReplayUnavailable("La richiesta è già stata eseguita, ma la sua risposta non è più disponibile: "
                                    "controlla lo stato prima di riprovare con una nuova chiave.") from None


def forget_expired(*, now: datetime, principal: str | None = None) -> int:
    """Delete expired records (one principal's, or all): how many went. Rows another
    request is replacing right now are skipped (PostgreSQL), not waited for."""
    expired = sa.select(IdempotencyRecord.id).where(IdempotencyRecord.expires_at <= now)
    if principal is not None:
        expired = expired.where(IdempotencyRecord.principal == principal)
    expired = expired.with_for_update(skip_locked=True)
    result = db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(expired))
                                .execution_options(synchronize_session=False))
    return result.rowcount


def _find(attempt: Attempt) -> IdempotencyRecord | None:
    return db.session.scalar(sa.select(IdempotencyRecord)
                             .filter_by(principal=attempt.principal, key_digest=attempt.key_digest)
                             .execution_options(populate_existing=True))


def _insert(record: IdempotencyRecord, *, wait_seconds: float) -> bool:
    """Insert under a savepoint: False when the key is taken (by a committed request,
    possibly one we waited for)."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    try:
        with db.session.begin_nested():
            if postgres:
                previous = db.session.scalar(sa.text("SELECT current_setting('lock_timeout')"))
                # 0 would mean "wait for ever".
                _set_lock_timeout(f"{max(1, round(wait_seconds * 1000))}ms")
            db.session.add(record)
            db.session.flush()
            if postgres:
                _set_lock_timeout(previous)  # on failure the savepoint's rollback restores it
    except IntegrityError:
        return False
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise exc.RequestInProgress("Una richiesta con la stessa chiave è ancora in corso: riprova tra poco.") \
                from None
        raise
    return True


def _set_lock_timeout(value: str) -> None:
    db.session.execute(sa.text("SELECT set_config('lock_timeout', :value, true)"), {"value": value})


def _seal_key(attempt: Attempt, secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    material = b"mentoring.idempotency.seal\0" + attempt.principal.encode("ascii") + b"\0" + attempt.key.encode("ascii")
    return hmac.new(secret, material, hashlib.sha256).digest()


def _associated(attempt: Attempt, *, part: bytes = b"") -> bytes:
    """Bound to the request: a sealed answer moved to another row does not open; and to
    its part (a body's seal does not open as headers, nor the other way round)."""
    request = f"{attempt.principal} {attempt.method} {attempt.path}".encode("utf-8")
    return request + b"\0" + part if part else request
