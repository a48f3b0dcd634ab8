from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db


class IdempotencyRecord(db.Model):
    """What one principal sent under one Idempotency-Key and, once it succeeded, the
    answer (sealed: see api.seal). Inserted before the route runs, so a concurrent
    retry waits on the unique index; committed in the route's own transaction, so the
    record never exists without the effect, nor the effect without the record."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("principal", "key_digest", name="uq_idempotency_record_principal_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "user:<id>" or "wallet:<id>": keys of two principals never meet.
    principal: Mapped[str] = mapped_column(sa.String(40))
    # SHA-256 of the key (hex): the key itself opens the sealed answer, so it is not kept.
    key_digest: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(255))
    # HMAC of method, path and body under the key (hex): same request or not.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    # Null only inside the transaction that runs the request (never seen by others).
    response_status: Mapped[int | None] = mapped_column(sa.SmallInteger)
    response_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    response_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    # The answer's headers a replay must carry too (Location of a 202's job), sealed as
    # the body is; null when it had none of them, and for answers stored before they were kept.
    response_headers_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
