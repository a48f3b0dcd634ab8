"""The offline bundle: everything a scanner needs to decide at the door with no signal.
Flushes, never commits."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.catalogue.models import PUBLISHED, Event
from server.door import enrolment, revocations, rules
from server.door.models import ScannerDevice
from server.extensions import db
from signing import PublicKeyset
from signing.tokens import STEP_SECONDS


def policy() -> dict:
    """The offline rules every scanner applies (the same numbers the server re-checks)."""
    config = current_app.config
    return {
        "max_data_age_seconds": config["SCANNER_MAX_DATA_AGE_SECONDS"],
        "max_skew_seconds": config["PRESENTATION_MAX_SKEW_SECONDS"],
        "max_clock_correction_seconds": rules.MAX_CLOCK_CORRECTION_SECONDS,
        "step_seconds": STEP_SECONDS,
        "allowance_rule": "per voucher credential, the sum accepted on one scanner never exceeds "
                          "floor(offline_allowance_cents × allowance_share_bp / 10000); a voucher is "
                          "accepted once per time step",
    }


def bootstrap(*, scanner: ScannerDevice, keys: PublicKeyset, since: int, now: datetime) -> dict:
    """Keys, revocations after ``since``, the venue's upcoming events and prices, the
    scanner's share of the offline allowance, the campaigns not good here, and the
    policy. A retired scanner gets none."""
    enrolment.ensure_active(scanner)
    entries, cursor, more = revocations.since(since)
    events = db.session.scalars(
        sa.select(Event).where(Event.venue_id == scanner.venue_id, Event.status == PUBLISHED, Event.ends_at >= now)
        .order_by(Event.starts_at, Event.id).limit(500))
    if not more:
        # A download is what the scanner may decide on: with pages of the revocation list
        # still to fetch it decides nothing (scanner_data_stale) and asks again at once,
        # so only the page that completes the list counts, as for a sync answer (door.sync).
        # Recording every page would push the previous bundle out of the last two.
        scanner.received_whole_list(now)
        scanner.previous_bundle_downloaded_at = scanner.bundle_downloaded_at
        scanner.bundle_downloaded_at = now  # the campaigns it names below are those made by now
        db.session.flush()
    venue = db.session.get(Organisation, scanner.venue_id)
    territories = _campaign_territories(now)
    return {
        "scanner_id": scanner.id,
        "venue_id": scanner.venue_id,
        "status": scanner.status,
        "slot": scanner.slot,
        "slots": current_app.config["SCANNER_SLOTS_PER_VENUE"],
        "allowance_share_bp": scanner.allowance_share_bp,
        # What a voucher may pay for here at the door without an event (a typed price).
        "venue_categories": venue.category_codes,
        # The campaigns whose vouchers are not good here (their territory leaves this
        # municipality out): the scanner refuses them, as the sync would (rules.py).
        "campaigns_not_here": rules.campaigns_not_covering(territories, venue.municipality_code),
        "generated_at": now,
        "issuer_keys": keys.to_jwks(),
        "revocations": revocation_page(entries, cursor, more, full=since == 0),
        "events": [_event(e, venue, territories) for e in events],
        "policy": policy(),
    }


def _event(event: Event, venue: Organisation, territories: dict) -> dict:
    shown = {"id": event.id, "title": event.title, "category_code": event.category_code,
             "starts_at": event.starts_at, "ends_at": event.ends_at, "price_cents": event.price_cents}
    if event.municipality_code != venue.municipality_code:
        # Listed before the venue moved: the sync judges a territory by the event's own
        # municipality, and so must the scanner. Rare, so only such events carry a list.
        shown["campaigns_not_here"] = rules.campaigns_not_covering(territories, event.municipality_code)
    return shown


def _campaign_territories(now: datetime) -> dict[int, list]:
    """Campaign id -> area keys, for the campaigns whose vouchers can still be shown: a
    credential never outlives its campaign's last day (vouchers.api)."""
    rows = db.session.execute(sa.select(Campaign.id, Campaign.territory)
                              .where(Campaign.valid_until >= now.astimezone(timezone.utc).date()))
    return {campaign_id: areas for campaign_id, areas in rows if areas}


def revocation_page(entries, cursor: int, more: bool, *, full: bool) -> dict:
    return {"entries": [{"kind": e.kind, "value": e.value} for e in entries],
            "since": cursor, "more": more, "full": full}
