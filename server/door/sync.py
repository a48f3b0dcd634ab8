"""Records arriving from scanners: ``sync(scanner, records, now)``, the door's one use case
for them (README.md beside this file). Flushes, never commits.

1. **Verify** every signature of every record with no transaction open: that is the
   costly part, and on SQLite an open transaction locks the whole file.
2. **Decide** under locks: the scanner's row (one sync per scanner at a time, so a
   record sent twice at once is stored once) and every account the batch may move,
   all taken before any sum is read. ``rules`` judges each record, in scan order.
3. **Settle**: one ledger transfer, freezes, overspend attributed by scan time, and
   the new records in one bulk insert.

A batch is decided after a fixed number of queries whatever its size: per-record
round trips would cost more than the three signature checks each record needs.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import sqlalchemy as sa

from server import bulk
from server.accounts.models import Organisation
from server.bookings.models import Booking
from server.campaigns.models import Campaign
from server.catalogue.models import Event
from server.door import bundle, enrolment, overspend, revocations, rules, typed_code
from server.door.models import (
    CHECKED_IN, DEVICE_KEY, REDEEMED, REJECTED, TICKET, VOUCHER, RevocationEntry, ScannerDevice, ScanRecord,
)
from server.extensions import db
from server.ledger import api as ledger
from server.observability import metrics
from server.vouchers.models import Voucher
from signing import PublicKeyset, TokenError, VoucherCredential, verify_scanner_record
from signing.verify import verify_presentation_signatures

log = logging.getLogger(__name__)


@dataclass
class _Item:
    """One record on its way through a batch."""

    text: str
    record: object = None  # the scanner record, once its signature checked out
    record_id: str | None = None
    presentation: object = None  # signatures verified, rules not yet checked
    signature_error: str | None = None
    verdict: rules.Verdict | None = None
    row: dict = field(default_factory=dict)  # the ScanRecord to insert
    outcome: dict | None = None  # set when answered without storing anything new
    first: "_Item | None" = None  # the earlier copy of this record in the same batch
    # A typed door code (door.typed), checked online: its "presentation" is the voucher's
    # standing credential and the step the code matched, judged against the live balance.
    typed: bool = False
    # Set when its campaign's territory leaves the place out but the scanner's bundle could
    # not name the campaign (rules.territory_verdict): paid, and the row says so.
    note: str | None = None


def sync(*, scanner_id: int, records: list[str], since: int | None, keys: PublicKeyset, now: datetime,
         max_skew_seconds: int) -> dict:
    """Judge and store a batch of signed records; one outcome per record, in order, plus
    the scanner's status and (with ``since``) the revocations newer than its bundle."""
    scanner_key = enrolment.get_scanner(scanner_id).public_key
    db.session.rollback()  # no transaction (on SQLite, no file lock) while checking signatures
    items = _verify(scanner_id, scanner_key, records, keys)
    scanner = db.session.scalars(sa.select(ScannerDevice).filter_by(id=scanner_id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
    results = _ingest(scanner, items, now, max_skew_seconds)
    answer = {"results": results, "revocations": None,
              "scanner": {"status": scanner.status, "retired_at": scanner.retired_at}}
    if since is not None:
        # What froze in this very batch included: the scanner refuses it from its next scan.
        entries, cursor, more = revocations.since(since)
        answer["revocations"] = bundle.revocation_page(entries, cursor, more, full=False)
        if not more and any(item.record is not None for item in items):
            scanner.received_whole_list(now)
    db.session.flush()
    return answer


def _outcome(record_id, outcome, code=None, overspend=0, duplicate=False) -> dict:
    return {"record_id": record_id, "outcome": outcome, "code": code, "overspend_cents": overspend,
            "duplicate": duplicate}


def _verify(scanner_id: int, scanner_key: bytes, texts: list[str], keys: PublicKeyset) -> list[_Item]:
    items = [_Item(text) for text in texts]
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
            if typed_code.parse_record_text(item.record.scanned_text):
                # Only the server checks a typed code, online (door.typed): one accepted
                # offline is a rule broken, whatever the digits.
                item.signature_error = "typed_code_needs_connection"
                continue
            try:
                item.presentation = verify_presentation_signatures(item.record.scanned_text, keys=keys,
                                                                   now=item.record.scanned_at)
            except TokenError as error:
                item.signature_error = error.code
    return items


def _ingest(scanner: ScannerDevice, items: list[_Item], now: datetime, max_skew_seconds: int) -> list[dict]:
    fresh = _new_records(scanner, items)
    venue = db.session.get(Organisation, scanner.venue_id)
    facts = rules.Scanner(
        venue_id=scanner.venue_id, enrolled_at=int(scanner.created_at.timestamp()),
        retired_at=int(scanner.retired_at.timestamp()) if scanner.retired_at else None,
        allowance_share_bp=scanner.allowance_share_bp,
        venue_categories=tuple(venue.category_codes), municipality_code=venue.municipality_code or "")
    events = {row.id: rules.Event(row.id, row.venue_id, row.category_code, row.municipality_code or "")
              for row in _by_id(Event, {item.record.event_id for item in fresh if item.record.event_id})}
    revoked_at = _revocation_times([item.presentation.credential for item in fresh if item.presentation])
    campaigns = _campaigns([item.presentation.credential for item in fresh if item.presentation])
    territories = {campaign_id: areas for campaign_id, (areas, _) in campaigns.items()}
    # The server's own record of the scanner's downloads (the phone's word counts for
    # nothing here), against the data age its bundle's policy states: its last two bundles
    # name campaigns; they and its latest whole revocation list (last_bootstrap_at: a
    # bundle, or a sync answer that carried it) tell the revocations it held.
    downloads = _seconds(scanner.bundle_downloaded_at, scanner.previous_bundle_downloaded_at)
    revocation_downloads = downloads + _seconds(scanner.last_bootstrap_at, scanner.previous_bootstrap_at)
    max_data_age_seconds = bundle.policy()["max_data_age_seconds"]
    for item in fresh:
        item.row = _row(scanner, item, now)
        record = item.record
        # Checked online, a typed code knows every revocation up to now; a scanner offline
        # only those it had downloaded before the scan (rules.revocations_known_at).
        known = now if item.typed else datetime.fromtimestamp(rules.revocations_known_at(
            record.scanned_at, downloads=revocation_downloads, max_data_age_seconds=max_data_age_seconds),
            timezone.utc)
        revoked = (rules.revocations_known(item.presentation.credential, revoked_at, known)
                   if item.presentation else None)
        unknown = _campaigns_unknown(item, campaigns, downloads, max_data_age_seconds)
        item.verdict = rules.judge_before_payment(
            record=record, presentation=item.presentation, signature_error=item.signature_error, scanner=facts,
            event=events.get(record.event_id), revoked=revoked, now=int(now.timestamp()),
            max_skew_seconds=max_skew_seconds, territories=territories, campaigns_unknown=unknown)
        if item.verdict is None and unknown:
            item.note = rules.territory_verdict(item.presentation.credential, scanner=facts,
                                                event=events.get(record.event_id), territories=territories,
                                                campaigns_unknown=unknown)
    book = _pay(scanner, facts, events, [item for item in fresh if item.verdict is None], now)
    for item in fresh:
        _apply(item)
    overspend.attribute([item.row for item in fresh], overspent_before=book.overspent_vouchers)
    if fresh:
        bulk.insert(ScanRecord.__table__, [item.row for item in fresh])
    if any(item.record is not None for item in items):
        scanner.last_sync_at = now  # only what this scanner signed says it was here
    db.session.flush()
    results = [item.outcome or _row_outcome(item.first or item, duplicate=item.first is not None) for item in items]
    metrics.count_door_outcomes(results)  # synced and typed records alike (server/observability)
    return results


def _row(scanner: ScannerDevice, item: _Item, now: datetime) -> dict:
    record = item.record
    credential = item.presentation.credential if item.presentation else None
    return {"record_id": item.record_id, "scanner_id": scanner.id, "venue_id": scanner.venue_id,
            "scanned_at": datetime.fromtimestamp(record.scanned_at, timezone.utc), "synced_at": now,
            "phone_scanned_at": (datetime.fromtimestamp(record.phone_at, timezone.utc)
                                 if record.phone_at is not None else None),
            "event_id": record.event_id or None, "category_code": None, "amount_cents": record.amount_cents,
            "scanner_result": record.result, "outcome": None, "outcome_code": None, "voucher_id": None,
            "ticket_id": None, "campaign_id": None,
            # A typed code is paid from the live balance, not from an offline allowance:
            # it counts against no credential's allowance.
            "credential_valid_from": (credential.valid_from if isinstance(credential, VoucherCredential)
                                      and not item.typed else None),
            "time_step": item.presentation.time_step if item.presentation else None,
            "overspend_cents": 0, "crossed_balance": False, "flagged": False, "typed": item.typed}


def _apply(item: _Item) -> None:
    verdict = item.verdict
    # A redemption has no code of its own; one outside a territory the scanner could not
    # know is marked, for the operator (door.flags), not flagged: its scanner broke no rule.
    code = item.note if verdict.outcome == REDEEMED and item.note else verdict.code
    item.row.update(outcome=verdict.outcome, outcome_code=code, category_code=verdict.category_code)
    if verdict.outcome == REJECTED and not item.typed:
        # The scanner accepted what the rules refuse: the venue is not paid, the scanner is
        # flagged. (A typed code only asks the server, which decides: nothing to flag.)
        item.row["flagged"] = True
        log.warning("scanner record rejected", extra={"record_id": item.record_id, "code": verdict.code})


def _row_outcome(item: _Item, *, duplicate: bool) -> dict:
    row = item.row
    return _outcome(item.record_id, row["outcome"], row["outcome_code"], row["overspend_cents"], duplicate)


def _new_records(scanner: ScannerDevice, items: list[_Item]) -> list[_Item]:
    """The authenticated records new to the server; the others get their first outcome.
    Read under the scanner's lock: a concurrent sync of the same records has committed."""
    signed = [item for item in items if item.outcome is None]
    ids = list({item.record_id for item in signed})
    stored = {row.record_id: row for row in db.session.scalars(sa.select(ScanRecord).where(
        ScanRecord.scanner_id == scanner.id, bulk.any_of(ScanRecord.record_id, ids)))} if ids else {}
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


def _pay(scanner: ScannerDevice, facts: rules.Scanner, events: dict, items: list[_Item],
         now: datetime) -> rules.Ledger:
    """Redemptions and check-ins for records that passed every check but the sums; the
    book of what was paid before them."""
    voucher_ids = {i.presentation.credential.voucher_id for i in items
                   if isinstance(i.presentation.credential, VoucherCredential)}
    # Columns, not objects: a batch touches dozens of vouchers and needs only their campaign.
    vouchers = {row.id: row for row in db.session.execute(sa.select(Voucher.id, Voucher.campaign_id).where(
        bulk.any_of(Voucher.id, _row_ids(voucher_ids))))}
    accounts = _lock_accounts(scanner, vouchers, items)
    book = _paid_so_far(scanner, list(vouchers))  # read after the locks: no sync can add to it meanwhile
    book.known_vouchers = set(vouchers)
    bookings = {b.id: b for b in _by_id(Booking, {i.presentation.credential.ticket_id for i in items
                                                  if not isinstance(i.presentation.credential, VoucherCredential)})}
    book.known_tickets = set(bookings)
    available = {voucher_id: accounts[("voucher", voucher_id)].balance_cents for voucher_id in vouchers}
    for item in sorted(items, key=lambda i: (i.record.scanned_at, i.record_id)):  # earliest scans first
        if item.typed:
            item.verdict = rules.judge_typed_payment(record=item.record, presentation=item.presentation,
                                                     scanner=facts, event=events.get(item.record.event_id),
                                                     ledger=book, available=available)
        else:
            item.verdict = rules.judge_payment(record=item.record, presentation=item.presentation, scanner=facts,
                                               event=events.get(item.record.event_id), ledger=book)
        if item.verdict.outcome == REDEEMED:
            voucher_id = item.presentation.credential.voucher_id
            available[voucher_id] = available.get(voucher_id, 0) - item.record.amount_cents
    redeemed = [item for item in items if item.verdict.outcome == REDEEMED]
    if redeemed:
        _redeem(scanner, redeemed, vouchers, accounts, now)
    _check_in([item for item in items if item.verdict.outcome == CHECKED_IN], bookings)
    return book


def _lock_accounts(scanner: ScannerDevice, vouchers: dict, items: list[_Item]) -> dict:
    """The vouchers' and the venue's accounts, and the campaigns' risk accounts only if the
    batch may overspend. A campaign has one risk account: were it locked by every sync,
    every door of the campaign, nationwide, would queue on that one row (the national-peak
    bench showed syncs waiting seconds on it). Whether a batch may overspend is known
    only once the vouchers' balances are read under their locks; if it may, those locks
    are let go (the savepoint) and all are taken again in id order with the risk
    accounts, the order every locker uses, so no deadlock."""
    wanted = [("voucher", v) for v in vouchers] + ([("venue_payable", scanner.venue_id)] if vouchers else [])
    risk = [("campaign_risk", campaign_id) for campaign_id in {v.campaign_id for v in vouchers.values()}]
    if vouchers:
        # Made before the savepoint (a venue's first sync): an account inserted inside it
        # and rolled back with it would stay in the session's identity map.
        ledger.account("venue_payable", scanner.venue_id)
        db.session.flush()
    savepoint = db.session.begin_nested()
    accounts = ledger.lock_accounts(wanted)
    asked: dict[int, int] = {}
    for item in items:
        if isinstance(item.presentation.credential, VoucherCredential):
            voucher_id = item.presentation.credential.voucher_id
            asked[voucher_id] = asked.get(voucher_id, 0) + item.record.amount_cents
    if all(cents <= accounts[("voucher", v)].balance_cents for v, cents in asked.items() if v in vouchers):
        savepoint.commit()  # the locks stay until the sync's transaction ends
        return accounts
    savepoint.rollback()
    return ledger.lock_accounts(wanted + risk)


def _paid_so_far(scanner: ScannerDevice, voucher_ids: list[int]) -> rules.Ledger:
    book = rules.Ledger()
    if not voucher_ids:
        return book
    rows = db.session.execute(
        sa.select(ScanRecord.voucher_id, ScanRecord.credential_valid_from, ScanRecord.time_step,
                  ScanRecord.scanner_id, ScanRecord.venue_id, ScanRecord.amount_cents, ScanRecord.overspend_cents)
        .where(bulk.any_of(ScanRecord.voucher_id, voucher_ids), ScanRecord.outcome == REDEEMED))
    for voucher_id, valid_from, step, scanner_id, venue_id, amount, over in rows:
        book.paid_presentations.add((voucher_id, step))
        if over:
            book.overspent_vouchers.add(voucher_id)
        key = (voucher_id, valid_from)
        if scanner_id == scanner.id:
            book.scanner_spent[key] = book.scanner_spent.get(key, 0) + amount
        if venue_id == scanner.venue_id:
            book.venue_spent[key] = book.venue_spent.get(key, 0) + amount
    return book


def _redeem(scanner: ScannerDevice, items: list[_Item], vouchers: dict, accounts: dict, now: datetime) -> None:
    """Pay the venue; the voucher covers what it still holds, the campaign's risk
    account the rest (the overspend), and the voucher is frozen."""
    balances = {voucher_id: accounts[("voucher", voucher_id)].balance_cents for voucher_id in vouchers}
    voucher_debits: dict[int, int] = {}
    risk_debits: dict[int, int] = {}
    for item in sorted(items, key=lambda i: (i.record.scanned_at, i.record_id)):
        voucher = vouchers[item.presentation.credential.voucher_id]
        amount = item.record.amount_cents
        item.row.update(voucher_id=voucher.id, campaign_id=voucher.campaign_id)
        covered = min(amount, balances[voucher.id])
        balances[voucher.id] -= covered
        voucher_debits[voucher.id] = voucher_debits.get(voucher.id, 0) + covered
        if amount > covered:
            risk_debits[voucher.campaign_id] = risk_debits.get(voucher.campaign_id, 0) + amount - covered
            item.row["overspend_cents"] = amount - covered  # attributed by scan time afterwards
            overspend.freeze(db.session.get(Voucher, voucher.id), now)
    paid = sum(item.record.amount_cents for item in items)
    entries = [(accounts[("venue_payable", scanner.venue_id)], -paid)]
    entries += [(accounts[("voucher", voucher_id)], amount) for voucher_id, amount in voucher_debits.items() if amount]
    entries += [(accounts[("campaign_risk", campaign_id)], amount) for campaign_id, amount in risk_debits.items()]
    # Unique per batch: a record id is new to this scanner in one batch only.
    first_record = min(item.record_id for item in items)
    ledger.post(idempotency_key=f"sync:{scanner.id}:{first_record}", kind="offline_redemptions", entries=entries)


def _check_in(items: list[_Item], bookings: dict) -> None:
    if not items:
        return
    checked_in = set(db.session.scalars(sa.select(ScanRecord.ticket_id).where(
        ScanRecord.ticket_id.in_(list(bookings)), ScanRecord.outcome == CHECKED_IN)))
    for item in sorted(items, key=lambda i: (i.record.scanned_at, i.record_id)):
        booking = bookings[item.presentation.credential.ticket_id]
        item.row["ticket_id"] = booking.id
        if booking.id in checked_in:
            item.verdict = rules.Verdict(CHECKED_IN, "already_checked_in")
            item.row["flagged"] = True
        checked_in.add(booking.id)
        if booking.checked_in_at is None or item.row["scanned_at"] < booking.checked_in_at:
            booking.checked_in_at = item.row["scanned_at"]


MAX_ROW_ID = 2**31 - 1  # ids are 32-bit signed integers; a record's fields are unsigned 32 bits


def _row_ids(ids) -> list[int]:
    """The ids a row can have: beyond, there is no such row, and PostgreSQL refuses the comparison."""
    return [i for i in ids if 0 < i <= MAX_ROW_ID]


def _by_id(model, ids) -> list:
    ids = _row_ids(ids)
    return list(db.session.scalars(sa.select(model).where(bulk.any_of(model.id, ids)))) if ids else []


def _campaigns(credentials) -> dict[int, tuple[list[str], datetime]]:
    """The territory of each voucher campaign in the batch and when the campaign was made
    (campaign id -> (area keys, created at)), in one query. The credential names its
    campaign, signed by the issuer. A territory is set only when a campaign is made
    (campaigns.api.create_campaign), so its creation is when a bundle could first name it."""
    ids = _row_ids({c.campaign_id for c in credentials if isinstance(c, VoucherCredential)})
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Campaign.id, Campaign.territory, Campaign.created_at)
                              .where(bulk.any_of(Campaign.id, ids)))
    return {campaign_id: (territory or [], _utc(created_at)) for campaign_id, territory, created_at in rows}


def _campaigns_unknown(item: _Item, campaigns: dict, downloads: tuple, max_data_age_seconds: int) -> frozenset:
    """The record's campaign when its scanner's bundle could not name it at the scan
    (rules.campaign_known_offline): its territory is waived, as for the revocations
    published after the scanner's download. A typed code was checked online, by a server
    that knows every campaign: never."""
    credential = item.presentation.credential if item.presentation else None
    if item.typed or not isinstance(credential, VoucherCredential) or credential.campaign_id not in campaigns:
        return frozenset()
    _, created_at = campaigns[credential.campaign_id]
    known = rules.campaign_known_offline(created_at.timestamp(), scanned_at=item.record.scanned_at,
                                         downloads=downloads, max_data_age_seconds=max_data_age_seconds)
    return frozenset() if known else frozenset({credential.campaign_id})


def _revocation_times(credentials) -> dict[tuple[str, str], datetime]:
    """When each relevant voucher, ticket or device key was first revoked."""
    by_kind: dict[str, set[str]] = {}
    for credential in credentials:
        by_kind.setdefault(DEVICE_KEY, set()).add(credential.device_key.hex())
        if isinstance(credential, VoucherCredential):
            by_kind.setdefault(VOUCHER, set()).add(str(credential.voucher_id))
        else:
            by_kind.setdefault(TICKET, set()).add(str(credential.ticket_id))
    if not by_kind:
        return {}
    # One (kind, value IN ...) branch per kind: PostgreSQL plans a tuple IN list of a
    # hundred pairs slowly, while each branch is a plain lookup on the (kind, value) index.
    rows = db.session.execute(
        sa.select(RevocationEntry.kind, RevocationEntry.value, sa.func.min(RevocationEntry.created_at))
        .where(sa.or_(*(sa.and_(RevocationEntry.kind == kind, bulk.any_of(RevocationEntry.value, sorted(values)))
                        for kind, values in by_kind.items())))
        .group_by(RevocationEntry.kind, RevocationEntry.value)).all()
    return {(kind, value): _utc(first) for kind, value, first in rows}


def _seconds(*moments: datetime | None) -> tuple[float | None, ...]:
    # Not rounded: a download a fraction of a second after a revocation carried it.
    return tuple(moment.timestamp() if moment else None for moment in moments)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)  # SQLite returns naive aggregates
