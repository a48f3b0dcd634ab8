"""Scanner use cases: enroll a device, build its offline bundle. They flush, never commit."""
import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from server.accounts.models import VENUE, Organisation, User
from server.catalogue.models import PUBLISHED, Event
from server.errors import Conflict, InvalidInput, NotFound
from server.extensions import db
from server.scanners import revocations
from server.scanners.models import ACTIVE, RETIRED, ScannerDevice
from signing import PublicKeyset, device
from signing.tokens import STEP_SECONDS

log = logging.getLogger(__name__)


def enroll(*, venue: Organisation, user: User, public_key_hex: str, label: str, now: datetime) -> ScannerDevice:
    if venue.kind != VENUE or not venue.is_approved:
        raise InvalidInput("Solo le sedi approvate registrano scanner.", code="not_a_venue")
    try:
        key = device.compress(bytes.fromhex(public_key_hex or ""))
    except ValueError:
        raise InvalidInput("Chiave dello scanner non valida.", code="invalid_scanner_key", field="public_key") from None
    if db.session.scalar(sa.select(ScannerDevice.id).filter_by(public_key=key)) is not None:
        raise Conflict("Questo dispositivo è già registrato.", code="scanner_already_enrolled")
    scanner = ScannerDevice(venue_id=venue.id, enrolled_by=user.id, public_key=key,
                            label=(label or "Scanner").strip()[:100], status=ACTIVE, created_at=now)
    db.session.add(scanner)
    db.session.flush()
    log.info("scanner enrolled", extra={"scanner_id": scanner.id, "venue_id": venue.id})
    return scanner


def get_scanner(scanner_id: int, *, retired_too: bool = False) -> ScannerDevice:
    """An enrolled scanner; a retired one only with ``retired_too`` (its sync: what it
    recorded before the retirement is still paid)."""
    scanner = db.session.get(ScannerDevice, scanner_id)
    if scanner is None or (scanner.status != ACTIVE and not retired_too):
        raise NotFound("Scanner non registrato.", code="scanner_not_found")
    return scanner


def venue_scanners(venue: Organisation) -> list[ScannerDevice]:
    """The venue's scanners, active first, newest enrolment first."""
    return list(db.session.scalars(sa.select(ScannerDevice).where(ScannerDevice.venue_id == venue.id).order_by(
        (ScannerDevice.status != ACTIVE), ScannerDevice.created_at.desc(), ScannerDevice.id.desc())))


def retire(*, venue: Organisation, scanner_id: int, now: datetime) -> ScannerDevice:
    """Retire a lost or replaced phone (once: retiring again changes nothing)."""
    scanner = db.session.get(ScannerDevice, scanner_id)
    if scanner is None or scanner.venue_id != venue.id:
        raise NotFound("Scanner non registrato.", code="scanner_not_found")
    if scanner.status != RETIRED:
        scanner.status, scanner.retired_at = RETIRED, now
        db.session.flush()
        log.info("scanner retired", extra={"scanner_id": scanner.id, "venue_id": venue.id})
    return scanner


def policy() -> dict:
    """The offline rules every scanner applies (the same numbers the server re-checks)."""
    config = current_app.config
    return {
        "max_data_age_seconds": config["SCANNER_MAX_DATA_AGE_SECONDS"],
        "max_skew_seconds": config["PRESENTATION_MAX_SKEW_SECONDS"],
        "step_seconds": STEP_SECONDS,
        "allowance_rule": "per voucher credential, the sum accepted on one scanner never exceeds its "
                          "offline_allowance_cents; a voucher is accepted once per time step",
    }


def bootstrap(*, scanner: ScannerDevice, keys: PublicKeyset, since: int, now: datetime) -> dict:
    """Everything a scanner needs to decide offline: keys, revocations after ``since``,
    the venue's upcoming events and prices, and the policy."""
    entries, cursor, more = revocations.since(since)
    events = db.session.scalars(
        sa.select(Event).where(Event.venue_id == scanner.venue_id, Event.status == PUBLISHED, Event.ends_at >= now)
        .order_by(Event.starts_at, Event.id).limit(500))
    scanner.last_bootstrap_at = now
    db.session.flush()
    return {
        "scanner_id": scanner.id,
        "venue_id": scanner.venue_id,
        # What a voucher may pay for here at the door without an event (a typed price).
        "venue_categories": db.session.get(Organisation, scanner.venue_id).category_codes,
        "generated_at": now,
        "issuer_keys": keys.to_jwks(),
        "revocations": {"entries": [{"kind": e.kind, "value": e.value} for e in entries],
                        "since": cursor, "more": more, "full": since == 0},
        "events": [{"id": e.id, "title": e.title, "category_code": e.category_code, "starts_at": e.starts_at,
                    "ends_at": e.ends_at, "price_cents": e.price_cents} for e in events],
        "policy": policy(),
    }
