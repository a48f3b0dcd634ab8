"""The offline bundle: everything a scanner needs to decide at the door with no signal.
Flushes, never commits."""
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from server.accounts.models import Organisation
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
    scanner's share of the offline allowance, and the policy. A retired scanner gets none."""
    enrolment.ensure_active(scanner)
    entries, cursor, more = revocations.since(since)
    events = db.session.scalars(
        sa.select(Event).where(Event.venue_id == scanner.venue_id, Event.status == PUBLISHED, Event.ends_at >= now)
        .order_by(Event.starts_at, Event.id).limit(500))
    scanner.last_bootstrap_at = now
    db.session.flush()
    return {
        "scanner_id": scanner.id,
        "venue_id": scanner.venue_id,
        "status": scanner.status,
        "slot": scanner.slot,
        "slots": current_app.config["SCANNER_SLOTS_PER_VENUE"],
        "allowance_share_bp": scanner.allowance_share_bp,
        # What a voucher may pay for here at the door without an event (a typed price).
        "venue_categories": db.session.get(Organisation, scanner.venue_id).category_codes,
        "generated_at": now,
        "issuer_keys": keys.to_jwks(),
        "revocations": revocation_page(entries, cursor, more, full=since == 0),
        "events": [{"id": e.id, "title": e.title, "category_code": e.category_code, "starts_at": e.starts_at,
                    "ends_at": e.ends_at, "price_cents": e.price_cents} for e in events],
        "policy": policy(),
    }


def revocation_page(entries, cursor: int, more: bool, *, full: bool) -> dict:
    return {"entries": [{"kind": e.kind, "value": e.value} for e in entries],
            "since": cursor, "more": more, "full": full}
