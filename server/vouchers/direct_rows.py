"""The wallets and voucher rows of a direct issuance (``api.issue_direct``).

On PostgreSQL each is one statement the server expands from two packed parameters:
the device keys as one bytea (33 bytes each, cut apart by the server) and the voucher
ids as one text of digits (``bulk.packed_ids``). The wallet ids are looked up by the
server's own join on the unique device key, so no row travels to Python and back and
none is built in Python. (Arrays of 10,000 values cost psycopg a Python call per
element, escaping each bytea by regular expression: in the issuance job that was as
much CPU as the database's own work.) The credentials go in the voucher rows'
statement as one text too, joined by commas (not in the Base45 alphabet) and split by
the server: cutting them out of one text by position instead costs the server a walk
from the start of the text for each (93 s for 10,000). Elsewhere the portable path:
look up, then multi-row inserts (server/bulk.py).
"""
from datetime import datetime, timezone

import sqlalchemy as sa

from server import bulk
from server.accounts.models import Wallet
from server.extensions import db
from server.vouchers.models import Voucher
from signing.tokens import DEVICE_KEY_LENGTH

_KEYS = sa.bindparam("device_keys", type_=sa.LargeBinary)
# The n-th device key (from 0) of the packed parameter.
_KEY_AT = f"substring(:device_keys FROM CAST(%s AS integer) * {DEVICE_KEY_LENGTH} + 1 FOR {DEVICE_KEY_LENGTH})"

# The wallets not seen before. A key seen before keeps its wallet (a student's phone
# gets a second voucher into the wallet it already has).
_NEW_WALLETS = sa.text(
    "INSERT INTO wallet (device_key, created_at)"
    f" SELECT {_KEY_AT % 'k.n'}, :created_at FROM generate_series(0, :count - 1) AS k(n) ORDER BY k.n"
    # The unique index answers per key. (A NOT EXISTS becomes an anti join, which the
    # planner may run as a scan of every wallet when its statistics lag the growth.)
    " ON CONFLICT (device_key) DO NOTHING"
).bindparams(_KEYS, sa.bindparam("created_at", type_=Wallet.__table__.c.created_at.type))

_VOUCHER_TIMES = ("created_at", "credential_issued_at", "credential_valid_until")
_NEW_VOUCHERS = sa.text(
    "INSERT INTO voucher (id, campaign_id, allocation_id, wallet_id, face_value_cents, status, frozen_reason,"
    " created_at, credential_issued_at, credential_valid_until, issued_credential)"
    " SELECT v.id, :campaign_id, :allocation_id,"
    # A lookup per key by the unique index, for the same reason as above (no join).
    f" (SELECT w.id FROM wallet w WHERE w.device_key = {_KEY_AT % '(v.n - 1)'}), :face_value_cents, :status, NULL,"
    " :created_at, :credential_issued_at, :credential_valid_until, v.credential"
    f" FROM unnest({bulk.PACKED_IDS % ':ids'}, string_to_array(:credentials, ','))"
    " WITH ORDINALITY AS v(id, credential, n) ORDER BY v.id"
).bindparams(_KEYS, *(sa.bindparam(name, type_=Voucher.__table__.c[name].type) for name in _VOUCHER_TIMES))


def store(*, voucher_ids: list[int], device_keys: list[bytes], campaign_id: int, allocation_id: int,
          face_value_cents: int, status: str, now: datetime, valid_until: datetime, signing) -> None:
    """Wallets for the device keys not seen before, then voucher ``voucher_ids[i]`` into
    the wallet of ``device_keys[i]`` with its credential, ``signing.result()[i]``: awaited
    only once the wallets are written, so that they are written while it is signed, and
    on PostgreSQL part by part (``in_parts``)."""
    fields = {"campaign_id": campaign_id, "allocation_id": allocation_id, "face_value_cents": face_value_cents,
              "status": status, "created_at": now, "credential_issued_at": now, "credential_valid_until": valid_until}
    if bulk.is_postgresql():
        if any(len(key) != DEVICE_KEY_LENGTH for key in device_keys):
            raise ValueError("device keys are 33-byte compressed points")  # the packing relies on it
        packed = b"".join(device_keys)
        db.session.flush()
        db.session.execute(_NEW_WALLETS, {"device_keys": packed, "count": len(device_keys),
                                          "created_at": datetime.now(timezone.utc)})
        stored = 0
        for start, texts in signing.in_parts():  # a part's rows while the next parts are signed
            credentials = ",".join(texts)
            if credentials.count(",") != len(texts) - 1:  # Base45 has no comma: one text per voucher
                raise ValueError("one Base45 credential per voucher")
            end = start + len(texts)
            stored += db.session.execute(_NEW_VOUCHERS, {
                "ids": bulk.packed_ids(voucher_ids[start:end]), "credentials": credentials,
                "device_keys": packed[start * DEVICE_KEY_LENGTH:end * DEVICE_KEY_LENGTH], **fields}).rowcount
        if stored != len(voucher_ids):
            raise RuntimeError(f"{stored} of {len(voucher_ids)} vouchers stored")
        return
    wallet_ids = wallets_for(device_keys)
    bulk.insert_with_ids(Voucher.__table__, voucher_ids, [
        {**fields, "wallet_id": wallet_ids[key], "frozen_reason": None, "issued_credential": text}
        for key, text in zip(device_keys, signing.result(), strict=True)])


def wallets_for(device_keys: list[bytes], chunk: int = 5_000) -> dict[bytes, int]:
    """Wallet ids by device key, creating the wallets not seen before."""
    found = {}
    for start in range(0, len(device_keys), chunk):
        keys = device_keys[start:start + chunk]
        select = sa.select(Wallet.device_key, Wallet.id).where(bulk.any_of(Wallet.device_key, keys))
        found.update(db.session.execute(select).all())
    missing = [key for key in device_keys if key not in found]
    created = datetime.now(timezone.utc)
    found.update(zip(missing, bulk.insert_returning_ids(
        Wallet.__table__, [{"device_key": key, "created_at": created} for key in missing])))
    return found
