"""Scanner phones of a venue: enrolment into a slot, retirement. They flush, never commit.

A venue's offline allowance is shared among its scanner slots (``SCANNER_SLOTS_PER_VENUE``):
each slot may accept ``allowance × share`` per voucher credential and the shares add up
to at most one allowance, so a venue cannot widen the loss bound by enrolling phones.
A retired phone's slot stays taken until every credential it could have accepted has
expired: a new phone in that slot cannot know what the old one already took.
"""
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from server.accounts.models import VENUE, Organisation, User
from server.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.extensions import db
from server.door.models import ACTIVE, FULL_SHARE_BP, RETIRED, ScannerDevice
from server.vouchers.api import CREDENTIAL_LIFETIME
from signing import device

# Voucher credentials are widened to whole hours on both sides; a retired slot is free
# again once every credential it could have seen has expired.
SLOT_COOLDOWN = CREDENTIAL_LIFETIME + timedelta(hours=3)

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
    slots = current_app.config["SCANNER_SLOTS_PER_VENUE"]
    slot = _free_slot(venue, slots, now)
    scanner = ScannerDevice(venue_id=venue.id, enrolled_by=user.id, public_key=key,
                            label=(label or "Scanner").strip()[:100], status=ACTIVE, created_at=now,
                            slot=slot, allowance_share_bp=FULL_SHARE_BP // slots)
    db.session.add(scanner)
    db.session.flush()
    log.info("scanner enrolled", extra={"scanner_id": scanner.id, "venue_id": venue.id})
    return scanner


def _free_slot(venue: Organisation, slots: int, now: datetime) -> int:
    """The lowest slot no scanner holds. Locks the venue's scanners, so two phones
    enrolled at once cannot take the same slot."""
    taken = set()
    for scanner in db.session.scalars(sa.select(ScannerDevice).where(ScannerDevice.venue_id == venue.id)
                                      .with_for_update()):
        if scanner.status == ACTIVE or (scanner.retired_at and scanner.retired_at + SLOT_COOLDOWN > now):
            taken.add(scanner.slot)
    free = [slot for slot in range(1, slots + 1) if slot not in taken]
    if not free:
        raise Conflict(f"La sede ha già {slots} scanner attivi (o ritirati da meno di 7 giorni): ritira un "
                       "telefono che non usate più. Il suo posto si libera quando scadono i buoni che può aver visto.",
                       code="no_scanner_slot", params={"slots": slots})
    return free[0]


def get_scanner(scanner_id: int) -> ScannerDevice:
    """An enrolled scanner, active or retired."""
    scanner = db.session.get(ScannerDevice, scanner_id)
    if scanner is None:
        raise NotFound("Scanner non registrato.", code="scanner_not_found")
    return scanner


def ensure_active(scanner: ScannerDevice) -> None:
    """A retired phone gets no new bundle: it must know it is out of service."""
    if scanner.status != ACTIVE:
        raise Forbidden("Questo telefono è stato ritirato dalla sede: non può più fare da scanner.",
                        code="scanner_retired")


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
