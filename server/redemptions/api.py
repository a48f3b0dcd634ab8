"""Ingesting scanner records (README.md beside this file). Flushes, never commits."""
import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.bookings.models import Booking
from server.catalogue.models import Event
from server.extensions import db
from server.ledger import api as ledger
from server.redemptions.models import CHECKED_IN, REDEEMED, REFUSED, REJECTED, ScanRecord
from server.scanners import revocations
from server.scanners.models import VOUCHER, ScannerDevice
from server.vouchers.models import FROZEN, Voucher
from signing import PublicKeyset, Scope, TokenError, VoucherCredential, verify_presentation, verify_scanner_record
from signing.tokens import KIND_PRESENTATION, parse_unverified

log = logging.getLogger(__name__)
MAX_BATCH = 500


def ingest(*, scanner: ScannerDevice, records: list[str], keys: PublicKeyset, now: datetime,
           max_skew_seconds: int) -> list[dict]:
    """One outcome per record, in order. Each record is decided in its own savepoint."""
    outcomes = [_ingest_one(scanner, text, keys, now, max_skew_seconds) for text in records]
    scanner.last_sync_at = now
    db.session.flush()
    return outcomes


def _view(row: ScanRecord, *, duplicate: bool = False) -> dict:
    return {"record_id": row.record_id, "outcome": row.outcome, "code": row.outcome_code,
            "overspend_cents": row.overspend_cents, "duplicate": duplicate}


def _ingest_one(scanner, text, keys, now, max_skew_seconds) -> dict:
    try:
        record = verify_scanner_record(text, scanner_key=scanner.public_key)
    except TokenError as error:
        # Unauthenticated: nothing about it can be believed, so nothing is stored.
        return {"record_id": None, "outcome": REJECTED, "code": error.code, "overspend_cents": 0, "duplicate": False}
    record_id = record.record_id.hex()
    if record.scanner_id != scanner.id:
        return {"record_id": record_id, "outcome": REJECTED, "code": "scanner_mismatch", "overspend_cents": 0,
                "duplicate": False}
    existing = db.session.scalar(sa.select(ScanRecord).filter_by(record_id=record_id))
    if existing is not None:
        return _view(existing, duplicate=True)
    try:
        with db.session.begin_nested():
            row = _decide(scanner, record, record_id, keys, now, max_skew_seconds)
    except IntegrityError:
        # The same record arrived through a concurrent sync, which won: report its outcome.
        return _view(db.session.scalar(sa.select(ScanRecord).filter_by(record_id=record_id)), duplicate=True)
    return _view(row)


def _decide(scanner, record, record_id, keys, now, max_skew_seconds) -> ScanRecord:
    scanned_at = datetime.fromtimestamp(record.scanned_at, timezone.utc)
    row = ScanRecord(record_id=record_id, scanner_id=scanner.id, venue_id=scanner.venue_id, scanned_at=scanned_at,
                     synced_at=now, event_id=record.event_id or None, amount_cents=record.amount_cents,
                     scanner_result=record.result, overspend_cents=0, flagged=False)
    if record.result != "accepted":
        row.outcome, row.outcome_code = REFUSED, record.result
    elif (scanned_at - now).total_seconds() > max_skew_seconds:
        _reject(row, "scanned_in_future")
    else:
        _accepted(scanner, record, row, keys, now, max_skew_seconds)
    # Added only now, decided: queries made while deciding must not autoflush a half row.
    db.session.add(row)
    db.session.flush()
    return row


def _reject(row: ScanRecord, code: str) -> None:
    """The scanner accepted what the rules refuse: the venue is not paid, the scanner is flagged."""
    row.outcome, row.outcome_code, row.flagged = REJECTED, code, True
    log.warning("scanner record rejected", extra={"record_id": row.record_id, "scanner_id": row.scanner_id,
                                                  "code": code})


def _accepted(scanner, record, row, keys, now, max_skew_seconds) -> None:
    try:
        credential = parse_unverified(record.scanned_text, expected_kinds=(KIND_PRESENTATION,)).credential
    except TokenError as error:
        return _reject(row, error.code)
    event = db.session.get(Event, record.event_id) if record.event_id else None
    if record.event_id and (event is None or event.venue_id != scanner.venue_id):
        return _reject(row, "event_not_at_venue")
    is_voucher = isinstance(credential, VoucherCredential)
    # What the scanner could know: revocations published before the scan and before its
    # last download. Later ones cannot make an honest offline decision wrong.
    known = min(row.scanned_at, scanner.last_bootstrap_at or row.scanned_at)
    revoked = revocations.known_at(known, device_key=credential.device_key,
                                   voucher_id=credential.voucher_id if is_voucher else None,
                                   ticket_id=None if is_voucher else credential.ticket_id)
    scope = Scope(venue_id=scanner.venue_id, category=event.category_code if event else None,
                  event_id=record.event_id or None)
    try:
        verify_presentation(record.scanned_text, keys=keys, now=record.scanned_at, scope=scope, revoked=revoked,
                            max_skew_seconds=max_skew_seconds)
    except TokenError as error:
        return _reject(row, error.code)
    if is_voucher:
        _redeem(row, credential, now)
    else:
        _check_in(row, credential)


def _redeem(row: ScanRecord, credential: VoucherCredential, now: datetime) -> None:
    voucher = db.session.get(Voucher, credential.voucher_id)
    if voucher is None:
        return _reject(row, "unknown_voucher")
    row.voucher_id, row.campaign_id, row.credential_valid_from = voucher.id, voucher.campaign_id, credential.valid_from
    if row.amount_cents <= 0:
        return _reject(row, "invalid_amount")
    spent_here = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(ScanRecord.amount_cents), 0)).where(
            ScanRecord.scanner_id == row.scanner_id, ScanRecord.voucher_id == voucher.id,
            ScanRecord.credential_valid_from == credential.valid_from, ScanRecord.outcome == REDEEMED))
    if spent_here + row.amount_cents > credential.offline_allowance_cents:
        return _reject(row, "allowance_exceeded")
    voucher_account = ledger.locked_account("voucher", voucher.id)
    covered = min(row.amount_cents, voucher_account.balance_cents)
    overspend = row.amount_cents - covered
    entries = [(ledger.account("venue_payable", row.venue_id), -row.amount_cents)]
    if covered:
        entries.append((voucher_account, covered))
    if overspend:
        entries.append((ledger.account("campaign_risk", voucher.campaign_id), overspend))
    ledger.post(idempotency_key=f"scan:{row.record_id}", kind="offline_redemption", entries=entries)
    row.outcome = REDEEMED
    if overspend:
        row.overspend_cents, row.flagged = overspend, True
        if voucher.status != FROZEN:
            voucher.status, voucher.frozen_reason = FROZEN, "offline_overspend"
            revocations.add(kind=VOUCHER, value=voucher.id, reason="offline_overspend", now=now)
        log.warning("offline overspend", extra={"voucher_id": voucher.id, "overspend_cents": overspend,
                                                "record_id": row.record_id})


def _check_in(row: ScanRecord, credential) -> None:
    row.ticket_id = credential.ticket_id
    booking = db.session.get(Booking, credential.ticket_id)
    if booking is None:
        return _reject(row, "unknown_ticket")
    if booking.checked_in_at is None or row.scanned_at < booking.checked_in_at:
        booking.checked_in_at = row.scanned_at
    earlier = db.session.scalar(sa.select(ScanRecord.id).where(
        ScanRecord.ticket_id == credential.ticket_id, ScanRecord.outcome == CHECKED_IN))
    row.outcome = CHECKED_IN
    if earlier is not None:
        row.outcome_code, row.flagged = "already_checked_in", True


def flagged_records(limit: int = 200) -> list[ScanRecord]:
    return list(db.session.scalars(sa.select(ScanRecord).filter_by(flagged=True)
                                   .order_by(ScanRecord.id.desc()).limit(limit)))
