"""The door rules the server judges a synced record by: every rejection is decided here.

Pure functions over plain data, with no database and no clock of their own: the sync
(door.sync) gathers the facts, under the voucher's lock where they are sums, and asks
``judge``. The door decision vectors (tests/vectors/door/) run this module and the
scanner's decide.js on the same cases, so the two sides cannot drift.
"""
from dataclasses import dataclass, field
from datetime import datetime

from server.door.models import (
    CHECKED_IN, DEVICE_KEY, FULL_SHARE_BP, REDEEMED, REFUSED, REJECTED, TICKET, VOUCHER,
)
from server.onboarding import territory as territory_api
from signing import Revocations, Scope, TokenError, VoucherCredential
from signing.verify import check_presentation

# A redemption paid although its campaign's territory leaves the place out: the campaign
# was made after the scanner's last bundle download, so the bundle could not name it
# (campaigns_not_here) and the scanner, following its rules, accepted. The venue is paid;
# the operator sees the record (door.flags), the scanner is not flagged.
OUTSIDE_AREA_NOT_KNOWN = "outside_campaign_area_not_known"

# A record's amount is an unsigned 32-bit field; no offline allowance reaches past 16 bits.
MAX_OFFLINE_AMOUNT_CENTS = 0xFFFF
# The most a scanner may correct its own clock by the server's time (docs/scanner-protocol.md,
# "Time"): a day covers every wrong time zone and summer-time setting. Beyond it the phone's
# clock is no clock (reset to 1970, a year off) and the scanner decides red
# (`scanner_clock_wrong`), so no honest scanner accepts what this bound rejects.
MAX_CLOCK_CORRECTION_SECONDS = 86_400


@dataclass(frozen=True)
class Scanner:
    """The scanner that signed the record, as the server knows it."""

    venue_id: int
    enrolled_at: int  # Unix seconds
    retired_at: int | None
    allowance_share_bp: int
    venue_categories: tuple[int, ...] = ()
    municipality_code: str = ""  # the venue's (ISTAT): where a campaign's territory is judged


@dataclass(frozen=True)
class Event:
    id: int
    venue_id: int
    category_code: int
    municipality_code: str = ""  # copied from the venue when listed (catalogue.api)


@dataclass
class Ledger:
    """What has been paid already, read after the voucher's lock was taken (and kept up
    to date by the sync as it pays a batch in scan order)."""

    paid_presentations: set = field(default_factory=set)  # (voucher id, time step)
    scanner_spent: dict = field(default_factory=dict)  # (voucher id, valid from) -> cents on this scanner
    venue_spent: dict = field(default_factory=dict)  # (voucher id, valid from) -> cents at this venue
    known_vouchers: set = field(default_factory=set)
    overspent_vouchers: set = field(default_factory=set)  # some redemption was not fully covered
    known_tickets: set = field(default_factory=set)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # redeemed | checked_in | refused | rejected
    code: str | None = None  # the scanner's refusal, or why the server rejected
    category_code: int | None = None  # what a redemption paid for


def share_limit(allowance_cents: int, share_bp: int) -> int:
    """The most one scanner may accept on one voucher credential (decide.js: the same)."""
    return allowance_cents * share_bp // FULL_SHARE_BP


def door_category(credential, venue_categories) -> int | None:
    """What a voucher pays for at the door with no event picked (a typed price): one of
    the venue's own categories that the voucher allows, the lowest such code; None when
    they share none, and the voucher cannot be spent there. decide.js (doorCategory)
    decides the same offline, from the bundle's venue categories."""
    if not isinstance(credential, VoucherCredential):
        return None
    common = set(credential.categories) & set(venue_categories)
    return min(common) if common else None


def scan_time_problem(record, *, now: int, max_skew_seconds: int) -> str | None:
    """Why the scan time of an accepted record cannot be believed, or None. The record is
    judged on its corrected time (``scanned_at``); the phone's own clock (``phone_at``, the
    clock trailer) only bounds the correction. ``now`` is the sync's arrival."""
    phone_at = getattr(record, "phone_at", None)
    if phone_at is not None and abs(record.scanned_at - phone_at) > MAX_CLOCK_CORRECTION_SECONDS:
        return "clock_correction_too_large"
    if record.scanned_at - now > max_skew_seconds:
        return "scanned_in_future"  # not even a corrected clock runs ahead of the server's
    return None


def outside_campaign_area(credential, *, scanner: Scanner, event: Event | None, territories: dict) -> bool:
    """Whether a voucher's campaign targets a territory (server/onboarding/territory.py)
    that leaves out where it was presented: the event's municipality, else the venue's.
    ``territories``: campaign id -> its area keys (empty or absent: everywhere). A ticket
    was checked when booked. decide.js refuses the same offline, from the bundle's list of
    campaigns not valid here (bundle.campaigns_not_here)."""
    if not isinstance(credential, VoucherCredential):
        return False
    place = (event.municipality_code if event else "") or scanner.municipality_code
    return not territory_api.covers(territories.get(credential.campaign_id) or (), place or "")


def download_before(scanned_at: int, downloads, max_data_age_seconds: int) -> float | None:
    """The scanner's download whose data it decided on at the scan: the latest of
    ``downloads`` at or before the scan. ``downloads``: moments of its latest downloads as
    the server recorded them (Unix seconds, None for none), never what the phone says; a
    phone back online downloads and syncs at once, so a record may have been scanned with
    the download before the last. None with no recorded download before the scan, or one
    older than the data age past which an honest scanner refuses every code
    (``max_data_age_seconds``, the bundle's policy: ``scanner_data_stale``): then nothing
    the scanner could not know is waived, so a scanner gains nothing by not downloading.
    The territory and the revocation rules both read it (campaign_known_offline,
    revocations_known_at), each with the downloads that carried its data."""
    latest = max((moment for moment in downloads if moment is not None and moment <= scanned_at), default=None)
    if latest is None or scanned_at - latest > max_data_age_seconds:
        return None
    return latest


def campaign_known_offline(created_at: float, *, scanned_at: int, downloads, max_data_age_seconds: int) -> bool:
    """Whether the scanner's bundle could name a campaign when it scanned: the campaign
    existed at the scanner's bundle download before the scan (download_before; bundle
    downloads only: a sync answer carries no campaigns). With no such download, or a stale
    one, the campaign counts as known: a campaign is waived at most a data age long."""
    bundle_at = download_before(scanned_at, downloads, max_data_age_seconds)
    return bundle_at is None or created_at <= bundle_at


def revocations_known_at(scanned_at: int, *, downloads, max_data_age_seconds: int) -> float:
    """Up to when revocations count against a scanned record: the scanner's download of the
    whole revocation list before the scan (download_before; ``downloads``: its bundles and
    the sync answers that carried the whole list since its cursor). Later ones it could not
    know. With no such download, or a stale one, every revocation published up to the scan
    counts: a revocation is ignored at most a data age after the scanner's last download."""
    known = download_before(scanned_at, downloads, max_data_age_seconds)
    return scanned_at if known is None else known


def territory_verdict(credential, *, scanner: Scanner, event: Event | None, territories: dict,
                      campaigns_unknown=frozenset()) -> str | None:
    """None when the voucher's campaign covers the place (or it is a ticket);
    ``outside_campaign_area`` when it does not: not paid; ``OUTSIDE_AREA_NOT_KNOWN`` when it
    does not but the campaign is in ``campaigns_unknown`` (campaign_known_offline said the
    scanner could not know it): paid as if the campaign had no territory, and noted."""
    if not outside_campaign_area(credential, scanner=scanner, event=event, territories=territories):
        return None
    return OUTSIDE_AREA_NOT_KNOWN if credential.campaign_id in campaigns_unknown else "outside_campaign_area"


def campaigns_not_covering(territories: dict, municipality_code: str) -> list[int]:
    """The campaigns whose territory leaves the municipality out, in id order: what the
    bundle tells a scanner to refuse there (bundle.campaigns_not_here). Campaigns for
    everywhere are never listed, so the list stays short."""
    return sorted(campaign_id for campaign_id, areas in territories.items()
                  if areas and not territory_api.covers(areas, municipality_code or ""))


def judge_before_payment(*, record, presentation, signature_error: str | None, scanner: Scanner,
                         event: Event | None, revoked: Revocations, now: int, max_skew_seconds: int,
                         territories: dict, campaigns_unknown=frozenset()) -> Verdict | None:
    """The checks that need no sums: None when the record may go on to payment.
    ``revoked`` holds what the scanner could have known at the scan; ``territories`` the
    areas of the batch's campaigns (campaign id -> area keys); ``campaigns_unknown`` the
    campaigns its bundle could not name (campaign_known_offline), whose territory is waived."""
    if record.result != "accepted":
        return Verdict(REFUSED, record.result)  # a refusal is stored as such; no money moves
    scanned_at = record.scanned_at  # corrected by the server's time when the record says so
    problem = scan_time_problem(record, now=now, max_skew_seconds=max_skew_seconds)
    if problem:
        return Verdict(REJECTED, problem)
    if scanned_at < scanner.enrolled_at - max_skew_seconds:
        # A phone cannot have scanned before it existed; without this a new phone could
        # backdate scans into a retired slot's credentials.
        return Verdict(REJECTED, "scanned_before_enrolment")
    if scanner.retired_at is not None and scanned_at > scanner.retired_at:
        # A retired phone cannot backdate a scan of a fresh presentation: the time step
        # is checked against the scan time below, within the skew window.
        return Verdict(REJECTED, "scanner_retired")
    if signature_error:
        return Verdict(REJECTED, signature_error)
    if record.event_id and (event is None or event.venue_id != scanner.venue_id):
        return Verdict(REJECTED, "event_not_at_venue")
    credential = presentation.credential
    category = event.category_code if event else door_category(credential, scanner.venue_categories)
    scope = Scope(venue_id=scanner.venue_id, category=category, event_id=record.event_id or None)
    try:
        check_presentation(presentation, now=scanned_at, scope=scope, revoked=revoked,
                           max_skew_seconds=max_skew_seconds)
    except TokenError as error:
        return Verdict(REJECTED, error.code)
    if territory_verdict(credential, scanner=scanner, event=event, territories=territories,
                         campaigns_unknown=campaigns_unknown) == "outside_campaign_area":
        # The sponsor's money stays where the sponsor sent it: the venue is not paid.
        return Verdict(REJECTED, "outside_campaign_area")
    return None


def judge_payment(*, record, presentation, scanner: Scanner, event: Event | None, ledger: Ledger) -> Verdict:
    """A presentation that passed every other check: is it paid (a voucher) or let in (a
    ticket)? Updates ``ledger`` when it is paid, so the next record of the batch sees it."""
    credential = presentation.credential
    if not isinstance(credential, VoucherCredential):
        if credential.ticket_id not in ledger.known_tickets:
            return Verdict(REJECTED, "unknown_ticket")
        return Verdict(CHECKED_IN)
    refused = _unpayable(record, presentation, ledger)
    if refused:
        return refused
    amount = record.amount_cents
    presentation_key = (credential.voucher_id, presentation.time_step)
    credential_key = (credential.voucher_id, credential.valid_from)
    on_scanner = ledger.scanner_spent.get(credential_key, 0) + amount
    at_venue = ledger.venue_spent.get(credential_key, 0) + amount
    allowance = credential.offline_allowance_cents
    # The scanner's own share first (the rule its bundle states); the venue's total is
    # the bound itself, which shares adding up to one allowance keep for honest scanners.
    if on_scanner > share_limit(allowance, scanner.allowance_share_bp) or at_venue > allowance:
        return Verdict(REJECTED, "allowance_exceeded")
    ledger.paid_presentations.add(presentation_key)
    ledger.scanner_spent[credential_key] = on_scanner
    ledger.venue_spent[credential_key] = at_venue
    category = event.category_code if event else door_category(credential, scanner.venue_categories)
    return Verdict(REDEEMED, None, category)


def _unpayable(record, presentation, ledger: Ledger) -> Verdict | None:
    """What refuses paying a voucher presentation however it came (QR or typed code): an
    unknown voucher, an amount out of range, a presentation already paid."""
    voucher_id = presentation.credential.voucher_id
    if voucher_id not in ledger.known_vouchers:
        return Verdict(REJECTED, "unknown_voucher")
    if not 0 < record.amount_cents <= MAX_OFFLINE_AMOUNT_CENTS:
        return Verdict(REJECTED, "invalid_amount")
    if (voucher_id, presentation.time_step) in ledger.paid_presentations:
        return Verdict(REJECTED, "presentation_replayed")
    return None


def judge_typed_payment(*, record, presentation, scanner: Scanner, event: Event | None, ledger: Ledger,
                        available: dict) -> Verdict:
    """A typed door code that passed every other check, checked online: paid from the
    voucher's live balance (``available``: voucher id -> cents, read under its lock), so
    it never overspends and needs no offline allowance. Once per presentation (voucher,
    time step), like a QR: a code and a QR of the same step are one presentation."""
    credential = presentation.credential
    refused = _unpayable(record, presentation, ledger)
    if refused:
        return refused
    if record.amount_cents > available.get(credential.voucher_id, 0):
        return Verdict(REJECTED, "insufficient_balance")
    ledger.paid_presentations.add((credential.voucher_id, presentation.time_step))
    category = event.category_code if event else door_category(credential, scanner.venue_categories)
    return Verdict(REDEEMED, None, category)


def revocations_known(credential, revoked_at: dict, known: datetime) -> Revocations:
    """The revocations of this credential published by ``known`` (``revoked_at``: first
    revocation time by (kind, value)). Later ones cannot make an honest offline decision wrong."""
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
