"""Ingesting scanner records in batches (README.md beside this file). Flushes, never commits.

A batch is decided in memory after a fixed number of queries (existing records,
events, vouchers, bookings, revocations, what each voucher already spent on this
scanner, the voucher accounts locked in id order), then written with bulk inserts
and one ledger transfer. Per-record round trips would cost more than the three
signature checks each record needs, and the sync rate must stay close to those.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from server import bulk
from server.accounts.models import Organisation
from server.bookings.models import Booking
from server.catalogue.models import Event
from server.extensions import db
from server.ledger import api as ledger
from server.redemptions.models import CHECKED_IN, REDEEMED, REFUSED, REJECTED, ScanRecord
from server.scanners import revocations
from server.scanners.models import DEVICE_KEY, TICKET, VOUCHER, RevocationEntry, ScannerDevice
from server.vouchers.models import FROZEN, Voucher
from signing import PublicKeyset, Revocations, Scope, TokenError, VoucherCredential, verify_scanner_record
from signing.verify import check_presentation, verify_presentation_signatures

log = logging.getLogger(__name__)


@dataclass
class _Item:
    """One record on its way through a batch."""

    text: str
    record: object = None
    record_id: str | None = None
    presentation: object = None  # signatures verified, rules not yet checked
    signature_error: str | None = None
    credential: object = None  # set once the record is acceptable, cleared if rejected
    row: dict = field(default_factory=dict)  # the ScanRecord to insert
    outcome: dict | None = None  # set when decided without storing anything new
    first: "_Item | None" = None  # the earlier copy of this record in the same batch


def _outcome(record_id, outcome, code=None, overspend=0, duplicate=False) -> dict:
    return {"record_id": record_id, "outcome": outcome, "code": code, "overspend_cents": overspend,
            "duplicate": duplicate}


def prepare(*, scanner_id: int, scanner_key: bytes, records: list[str], keys: PublicKeyset) -> list[_Item]:
    """The costly part, with no database: every signature of every record. The caller
    holds no transaction meanwhile (on SQLite a transaction locks the whole file)."""
    items = [_Item(text) for text in records]
    for item in items:
        try:
            item.record = verify_scanner_record(item.text, scanner_key=scanner_key)
        except TokenError as error:
            # Unauthenticated: nothing about it can be believed, so nothing is stored.
            item.outcome = _outcome(None, REJECTED, error.code)
            continue
        item.record_id = item.record.record_id.hex()
        if item.record.scanner_id != scanner_id:
            item.outcome = _outcome(item.record_id, REJECTED, "scanner_mismatch")
        elif item.record.result == "accepted":
            try:
                item.presentation = verify_presentation_signatures(item.record.scanned_text, keys=keys,
                                                                   now=item.record.scanned_at)
            except TokenError as error:
                item.signature_error = error.code
    return items


def ingest(*, scanner: ScannerDevice, items: list[_Item], now: datetime, max_skew_seconds: int) -> list[dict]:
    """Decide and store a prepared batch; one outcome per record, in order."""
    fresh = _new_records(items)
    _decide(scanner, fresh, now, max_skew_seconds)
    _settle(scanner, fresh, now)
    if fresh:
        bulk.insert(ScanRecord.__table__, [item.row for item in fresh])
    scanner.last_sync_at = now
    db.session.flush()
    return [item.outcome or _row_outcome(item.first or item, duplicate=item.first is not None) for item in items]


def _row_outcome(item: _Item, *, duplicate: bool) -> dict:
    row = item.row
    return _outcome(item.record_id, row["outcome"], row["outcome_code"], row["overspend_cents"], duplicate)


def _new_records(items: list[_Item]) -> list[_Item]:
    """The authenticated records new to the server; the others get their first outcome."""
    signed = [item for item in items if item.outcome is None]
    ids = list({item.record_id for item in signed})
    stored = {row.record_id: row for row in db.session.scalars(
        sa.select(ScanRecord).where(ScanRecord.record_id.in_(ids)))} if ids else {}
    fresh, firsts = [], {}
    for item in signed:
        row = stored.get(item.record_id)
        if row is not None:
            item.outcome = _outcome(row.record_id, row.outcome, row.outcome_code, row.overspend_cents, True)
        elif item.record_id in firsts:
            item.first = firsts[item.record_id]  # repeated within the batch: the first copy's outcome
        else:
            firsts[item.record_id] = item
            fresh.append(item)
    return fresh


def _decide(scanner, fresh: list[_Item], now, max_skew_seconds) -> None:
    for item in fresh:
        record = item.record
        scanned_at = datetime.fromtimestamp(record.scanned_at, timezone.utc)
        item.row = {"record_id": item.record_id, "scanner_id": scanner.id, "venue_id": scanner.venue_id,
                    "scanned_at": scanned_at, "synced_at": now, "event_id": record.event_id or None,
                    "category_code": None, "amount_cents": record.amount_cents, "scanner_result": record.result,
                    "outcome": REFUSED, "outcome_code": record.result, "voucher_id": None, "ticket_id": None,
                    "campaign_id": None, "credential_valid_from": None, "overspend_cents": 0, "flagged": False}
        if record.result != "accepted":
            continue
        if (scanned_at - now).total_seconds() > max_skew_seconds:
            _reject(item, "scanned_in_future")
        elif scanner.retired_at is not None and scanned_at > scanner.retired_at:
            # A retired phone cannot backdate a scan of a fresh presentation: the time step
            # is checked against the scan time below, within the skew window.
            _reject(item, "scanner_retired")
        elif item.signature_error:
            _reject(item, item.signature_error)
        else:
            item.credential = item.presentation.credential
    accepted = [item for item in fresh if item.credential is not None]
    events = _by_id(Event, {item.record.event_id for item in accepted if item.record.event_id})
    venue_categories = db.session.get(Organisation, scanner.venue_id).category_codes
    revoked_at = _revocation_times(accepted)
    for item in accepted:
        record, credential = item.record, item.credential
        event = events.get(record.event_id)
        if record.event_id and (event is None or event.venue_id != scanner.venue_id):
            _reject(item, "event_not_at_venue")
            continue
        # What the scanner could know: revocations published before the scan and before its
        # last download. Later ones cannot make an honest offline decision wrong.
        known = min(item.row["scanned_at"], scanner.last_bootstrap_at or item.row["scanned_at"])
        category = event.category_code if event else door_category(credential, venue_categories)
        scope = Scope(venue_id=scanner.venue_id, category=category, event_id=record.event_id or None)
        try:
            check_presentation(item.presentation, now=record.scanned_at, scope=scope,
                               revoked=_revocations(credential, revoked_at, known), max_skew_seconds=max_skew_seconds)
        except TokenError as error:
            _reject(item, error.code)
            continue
        if isinstance(credential, VoucherCredential):
            item.row["category_code"] = category


def door_category(credential, venue_categories: list[int]) -> int | None:
    """What a voucher pays for at the door with no event picked (a typed price): one of
    the venue's own categories that the voucher allows, the lowest such code; None when
    they share none, and the voucher cannot be spent there. decide.js (doorCategory)
    decides the same offline, from the bundle's venue categories."""
    if not isinstance(credential, VoucherCredential):
        return None
    common = set(credential.categories) & set(venue_categories)
    return min(common) if common else None


def _reject(item: _Item, code: str) -> None:
    """The scanner accepted what the rules refuse: the venue is not paid, the scanner is flagged."""
    item.row.update(outcome=REJECTED, outcome_code=code, flagged=True)
    item.credential = None  # nothing more to settle for it
    log.warning("scanner record rejected", extra={"record_id": item.record_id, "code": code})


def _by_id(model, ids) -> dict:
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}


def _revocation_times(items) -> dict[tuple[str, str], datetime]:
    """When each relevant voucher, ticket or device key was first revoked."""
    wanted = set()
    for item in items:
        credential = item.credential
        wanted.add((DEVICE_KEY, credential.device_key.hex()))
        if isinstance(credential, VoucherCredential):
            wanted.add((VOUCHER, str(credential.voucher_id)))
        else:
            wanted.add((TICKET, str(credential.ticket_id)))
    if not wanted:
        return {}
    by_kind: dict[str, set[str]] = {}
    for kind, value in wanted:
        by_kind.setdefault(kind, set()).add(value)
    # One (kind, value IN ...) branch per kind: PostgreSQL plans a tuple IN list of a
    # hundred pairs slowly, while each branch is a plain lookup on the (kind, value) index.
    rows = db.session.execute(
        sa.select(RevocationEntry.kind, RevocationEntry.value, sa.func.min(RevocationEntry.created_at))
        .where(sa.or_(*(sa.and_(RevocationEntry.kind == kind, RevocationEntry.value.in_(sorted(values)))
                        for kind, values in by_kind.items())))
        .group_by(RevocationEntry.kind, RevocationEntry.value)).all()
    return {(kind, value): _utc(first) for kind, value, first in rows}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite returns naive aggregates


def _revocations(credential, revoked_at, known: datetime) -> Revocations:
    def revoked(kind, value):
        return (kind, value) in revoked_at and revoked_at[(kind, value)] <= known

    if isinstance(credential, VoucherCredential):
        vouchers = frozenset({credential.voucher_id} if revoked(VOUCHER, str(credential.voucher_id)) else ())
        tickets = frozenset()
    else:
        vouchers = frozenset()
        tickets = frozenset({credential.ticket_id} if revoked(TICKET, str(credential.ticket_id)) else ())
    devices = frozenset({credential.device_key} if revoked(DEVICE_KEY, credential.device_key.hex()) else ())
    return Revocations(vouchers, tickets, devices)


def _settle(scanner, fresh: list[_Item], now: datetime) -> None:
    """Money for the redemptions, check-ins for the tickets."""
    valid = [item for item in fresh if item.credential is not None]
    redemptions = [item for item in valid if isinstance(item.credential, VoucherCredential)]
    check_ins = [item for item in valid if not isinstance(item.credential, VoucherCredential)]
    if redemptions:
        _redeem(scanner, redemptions, now)
    if check_ins:
        _check_in(check_ins)


def _redeem(scanner, items: list[_Item], now: datetime) -> None:
    vouchers = _by_id(Voucher, {item.credential.voucher_id for item in items})
    spent = {(voucher_id, valid_from): total for voucher_id, valid_from, total in db.session.execute(
        sa.select(ScanRecord.voucher_id, ScanRecord.credential_valid_from, sa.func.sum(ScanRecord.amount_cents))
        .where(ScanRecord.scanner_id == scanner.id, ScanRecord.voucher_id.in_(list(vouchers)),
               ScanRecord.outcome == REDEEMED)
        .group_by(ScanRecord.voucher_id, ScanRecord.credential_valid_from))}
    accounts = {acc.owner_id: acc for acc in ledger.locked_accounts("voucher", sorted(vouchers))}
    balances = {owner: acc.balance_cents for owner, acc in accounts.items()}
    voucher_debits: dict[int, int] = {}
    risk_debits: dict[int, int] = {}
    paid = 0
    for item in sorted(items, key=lambda i: i.record.scanned_at):  # the earliest scans are covered first
        credential, row = item.credential, item.row
        voucher = vouchers.get(credential.voucher_id)
        if voucher is None:
            _reject(item, "unknown_voucher")
            continue
        row.update(voucher_id=voucher.id, campaign_id=voucher.campaign_id, credential_valid_from=credential.valid_from)
        if row["amount_cents"] <= 0:
            _reject(item, "invalid_amount")
            continue
        key = (voucher.id, credential.valid_from)
        if spent.get(key, 0) + row["amount_cents"] > credential.offline_allowance_cents:
            _reject(item, "allowance_exceeded")
            continue
        spent[key] = spent.get(key, 0) + row["amount_cents"]
        covered = min(row["amount_cents"], balances[voucher.id])
        overspend = row["amount_cents"] - covered
        balances[voucher.id] -= covered
        voucher_debits[voucher.id] = voucher_debits.get(voucher.id, 0) + covered
        if overspend:
            risk_debits[voucher.campaign_id] = risk_debits.get(voucher.campaign_id, 0) + overspend
            row.update(overspend_cents=overspend, flagged=True)
            _freeze(voucher, now)
        paid += row["amount_cents"]
        row.update(outcome=REDEEMED, outcome_code=None)
    if not paid:
        return
    entries = [(ledger.account("venue_payable", scanner.venue_id), -paid)]
    entries += [(accounts[voucher_id], amount) for voucher_id, amount in voucher_debits.items() if amount]
    entries += [(ledger.account("campaign_risk", campaign_id), amount) for campaign_id, amount in risk_debits.items()]
    first_record = min(item.record_id for item in items if item.row["outcome"] == REDEEMED)
    # Unique per batch: its first new record can be decided in one batch only.
    ledger.post(idempotency_key=f"sync:{first_record}", kind="offline_redemptions", entries=entries)


def _freeze(voucher: Voucher, now: datetime) -> None:
    if voucher.status == FROZEN:
        return
    voucher.status, voucher.frozen_reason = FROZEN, "offline_overspend"
    revocations.add(kind=VOUCHER, value=voucher.id, reason="offline_overspend", now=now)
    log.warning("voucher frozen after offline overspend", extra={"voucher_id": voucher.id})


def _check_in(items: list[_Item]) -> None:
    bookings = _by_id(Booking, {item.credential.ticket_id for item in items})
    checked_in = set(db.session.scalars(sa.select(ScanRecord.ticket_id).where(
        ScanRecord.ticket_id.in_(list(bookings)), ScanRecord.outcome == CHECKED_IN)))
    for item in sorted(items, key=lambda i: i.record.scanned_at):
        booking = bookings.get(item.credential.ticket_id)
        item.row["ticket_id"] = item.credential.ticket_id
        if booking is None:
            _reject(item, "unknown_ticket")
            continue
        item.row.update(outcome=CHECKED_IN, outcome_code=None)
        if booking.id in checked_in:
            item.row.update(outcome_code="already_checked_in", flagged=True)
        checked_in.add(booking.id)
        if booking.checked_in_at is None or item.row["scanned_at"] < booking.checked_in_at:
            booking.checked_in_at = item.row["scanned_at"]


def flagged_records(limit: int = 200) -> list[ScanRecord]:
    return list(db.session.scalars(sa.select(ScanRecord).filter_by(flagged=True)
                                   .order_by(ScanRecord.id.desc()).limit(limit)))
