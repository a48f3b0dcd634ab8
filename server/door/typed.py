"""A typed door code, checked online: ``redeem_typed(scanner, record, now)``.

When the camera cannot read the QR, the volunteer types the voucher number and the six
digits under it (door.typed_code). The scanner signs a scanner record as for any scan,
its scanned text ``typed:<voucher>:<digits>``, and sends it here at once. The server,
not the scanner, checks the digits; then the record goes through the sync's own path
(door.sync: the same rules, the same ledger transfer, the same row), as a presentation
of the voucher's standing credential at the step the code matched, paid from the live
balance. Idempotent by the record id, like a sync. Flushes, never commits.

Guessing: six digits and five steps in the window give a guess 1 in 200,000. Wrong
codes are stored (rejected, ``wrong_typed_code``, not flagged: a typo is no fraud), and
after ``WRONG_CODES_PER_VOUCHER`` of them in ``LOCKOUT`` a voucher takes no typed code
(``typed_code_locked``) until the oldest leaves the window; the route limits each
scanner and address as well (server/http/throttle.py).
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app

from server.accounts.models import Wallet
from server.campaigns.models import Campaign
from server.door import enrolment, sync as door_sync, typed_code
from server.door.models import REJECTED, ScannerDevice, ScanRecord
from server.errors import InvalidInput
from server.extensions import db
from server.vouchers.models import Voucher
from signing import Presentation, TokenError, VoucherCredential, verify_scanner_record

WRONG_CODES_PER_VOUCHER = 5
LOCKOUT = timedelta(minutes=15)
WRONG_CODE = "wrong_typed_code"


def redeem_typed(*, scanner_id: int, record_text: str, secret: bytes, now: datetime,
                 max_skew_seconds: int) -> dict:
    """The outcome of one typed code (door.sync's outcome, plus what was paid)."""
    scanner_key = enrolment.get_scanner(scanner_id).public_key
    db.session.rollback()  # as the sync: no transaction open while checking the signature
    try:
        record = verify_scanner_record(record_text, scanner_key=scanner_key)
    except TokenError:
        raise InvalidInput("Richiesta non firmata da questo scanner.", code="bad_scanner_signature",
                           field="record") from None
    if record.scanner_id != scanner_id:
        raise InvalidInput("Il record nomina un altro scanner.", code="typed_code_wrong_scanner", field="record")
    parsed = typed_code.parse_record_text(record.scanned_text) if record.result == "accepted" else None
    if parsed is None:
        raise InvalidInput("Non è un codice digitato.", code="typed_code_malformed", field="record")
    voucher_id, digits = parsed
    item = door_sync._Item(record_text, record=record, record_id=record.record_id.hex(), typed=True)
    scanner = db.session.scalars(sa.select(ScannerDevice).filter_by(id=scanner_id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
    if not door_sync._new_records(scanner, [item]):
        return _answer(item.outcome, record)  # sent before: its first outcome, nothing moves
    if _wrong_codes(voucher_id, now) >= WRONG_CODES_PER_VOUCHER:
        # Not stored: an attacker's tries must not keep the lock closed forever.
        return _answer(door_sync._outcome(item.record_id, REJECTED, "typed_code_locked"), record)
    voucher, wallet = _holder(voucher_id)
    step = None
    if voucher is not None:
        key = typed_code.code_key(secret, voucher.id, wallet.device_key)
        step = typed_code.matching_step(key, digits, int(now.timestamp()))
    if step is None:
        return _answer(_store_wrong_code(scanner, item, voucher_id if voucher else None, now), record)
    item.presentation = Presentation(credential=_standing_credential(voucher, wallet), time_step=step)
    (outcome,) = door_sync._ingest(scanner, [item], now, max_skew_seconds)
    scanner.last_sync_at = now
    db.session.flush()
    return _answer(outcome, record)


def door_code_key(voucher: Voucher) -> bytes:
    """The key the voucher's wallet makes its door codes with (given with each credential)."""
    wallet = db.session.get(Wallet, voucher.wallet_id)
    return typed_code.code_key(typed_code.door_secret(current_app.secret_key), voucher.id, wallet.device_key)


def _answer(outcome: dict, record) -> dict:
    return {**outcome, "amount_cents": record.amount_cents if outcome["outcome"] == "redeemed" else 0}


def _wrong_codes(voucher_id: int, now: datetime) -> int:
    if voucher_id > door_sync.MAX_ROW_ID:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(ScanRecord).where(
        ScanRecord.voucher_id == voucher_id, ScanRecord.outcome_code == WRONG_CODE,
        ScanRecord.synced_at > now - LOCKOUT))


def _holder(voucher_id: int) -> tuple[Voucher | None, Wallet | None]:
    if voucher_id > door_sync.MAX_ROW_ID:
        return None, None
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None:
        return None, None
    return voucher, db.session.get(Wallet, voucher.wallet_id)


def _store_wrong_code(scanner: ScannerDevice, item, voucher_id: int | None, now: datetime) -> dict:
    """Kept, so the lockout counts it and the venue's log shows what was tried. An
    unknown voucher number is answered as a wrong code: no voucher numbers are probed."""
    row = door_sync._row(scanner, item, now)
    row.update(outcome=REJECTED, outcome_code=WRONG_CODE, voucher_id=voucher_id)
    db.session.execute(sa.insert(ScanRecord), [row])
    scanner.last_sync_at = now
    db.session.flush()
    return door_sync._outcome(item.record_id, REJECTED, WRONG_CODE)


def _standing_credential(voucher: Voucher, wallet: Wallet) -> VoucherCredential:
    """The voucher's latest credential as the server issued it, unsigned: a typed code
    stands for the QR the wallet would show, so validity, scope and revocation are judged
    as for that QR. No credential yet, or its week over: the validity check refuses it."""
    campaign = db.session.get(Campaign, voucher.campaign_id)
    issued = voucher.credential_issued_at or voucher.created_at
    until = voucher.credential_valid_until or issued
    return VoucherCredential(
        key_id=0, voucher_id=voucher.id, campaign_id=campaign.id, categories=frozenset(campaign.category_codes),
        offline_allowance_cents=0, valid_from=int(_utc(issued).timestamp()), valid_until=int(_utc(until).timestamp()),
        device_key=wallet.device_key)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
