"""Use cases for venues' events. They flush, never commit.

Rules worth knowing:

- Only an approved venue lists events; the municipality is copied from the venue.
- An event cannot be created (or moved) entirely into the past: its end must be
  after ``now``. It may already have started, so a museum can list an exhibition
  that is running when it joins.
- An event that has ended, or was cancelled, is frozen: bookings, settlements and
  ratings refer to what it was.
- Capacity never drops below the seats already taken. The check runs on a row
  locked like the bookings that raise ``seats_taken`` lock it, so the two cannot
  interleave.
- Cancelling is idempotent (a retried request gets the same answer). Refunding the
  bookings of a cancelled event is the bookings domain's job.
"""
import logging
from datetime import datetime, timezone

import sqlalchemy as sa

from server.accounts import exceptions as accounts_exc
from server.accounts.models import VENUE, Organisation
from server.catalogue import exceptions as exc
from server.catalogue import taxonomy
from server.catalogue.models import CANCELLED, EVENT_KINDS, PUBLISHED, Event
from server.extensions import db

log = logging.getLogger(__name__)

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
MAX_ADDRESS_LENGTH = 300
# Ceilings that catch typos (an extra zero) rather than model any real limit:
# a year of music school costs a few thousand euros, a stadium holds 80,000.
MAX_PRICE_CENTS = 1_000_000
MAX_CAPACITY = 100_000

_UNSET = object()  # "not in the PATCH": distinct from None, which clears a field


def check_venue(venue: Organisation) -> None:
    """The organisation may list events: it is a venue and it is approved."""
    if venue.kind != VENUE:
        raise exc.NotAVenue("Solo i luoghi della cultura possono pubblicare eventi e corsi.")
    if not venue.is_approved:
        raise accounts_exc.OrganisationNotApproved("L'organizzazione è in attesa di approvazione.")


def create_event(*, venue: Organisation, title: str, category: str, kind: str, starts_at: datetime,
                 ends_at: datetime, price_cents: int, capacity: int, now: datetime,
                 description: str | None = None, booking_deadline: datetime | None = None,
                 address: str | None = None) -> Event:
    check_venue(venue)
    event = Event(venue=venue, municipality_code=venue.municipality_code, status=PUBLISHED, seats_taken=0,
                  created_at=now, updated_at=now)
    _apply(event, now=now, title=title, description=description, category=category, kind=kind,
           starts_at=starts_at, ends_at=ends_at, price_cents=price_cents, capacity=capacity,
           booking_deadline=booking_deadline, address=address)
    db.session.add(event)
    db.session.flush()
    log.info("event created", extra={"event_id": event.id, "venue_id": venue.id, "starts_at": event.starts_at})
    return event


def update_event(*, event: Event, now: datetime, title=_UNSET, description=_UNSET, category=_UNSET, kind=_UNSET,
                 starts_at=_UNSET, ends_at=_UNSET, price_cents=_UNSET, capacity=_UNSET,
                 booking_deadline=_UNSET, address=_UNSET) -> Event:
    """Change the given fields; the others keep their value. ``event`` should be
    loaded with ``get_event(..., for_update=True)``."""
    check_venue(event.venue)
    _check_still_open(event, now=now)
    _apply(event, now=now, title=title, description=description, category=category, kind=kind,
           starts_at=starts_at, ends_at=ends_at, price_cents=price_cents, capacity=capacity,
           booking_deadline=booking_deadline, address=address)
    event.updated_at = now
    db.session.flush()
    log.info("event updated", extra={"event_id": event.id, "venue_id": event.venue_id})
    return event


def cancel_event(*, event: Event, now: datetime) -> Event:
    check_venue(event.venue)
    if event.status == CANCELLED:
        return event
    _check_still_open(event, now=now)
    event.status = CANCELLED
    event.updated_at = now
    db.session.flush()
    log.info("event cancelled", extra={"event_id": event.id, "venue_id": event.venue_id,
                                       "seats_taken": event.seats_taken})
    return event


def get_event(event_id: int, *, venue: Organisation | None = None, for_update: bool = False) -> Event:
    """The event; with ``venue``, only if it belongs to that venue (else not found,
    so one venue cannot probe another's ids)."""
    select = sa.select(Event).filter_by(id=event_id)
    if venue is not None:
        select = select.filter_by(venue_id=venue.id)
    if for_update:
        select = select.with_for_update()
    event = db.session.scalar(select)
    if event is None:
        raise exc.EventNotFound("Evento non trovato.")
    return event


def _check_still_open(event: Event, *, now: datetime) -> None:
    if event.status == CANCELLED:
        raise exc.EventCancelled("L'evento è stato annullato e non si può più modificare.")
    if event.ends_at <= now:
        raise exc.EventOver("L'evento è già concluso e non si può più modificare.")


def _apply(event: Event, *, now: datetime, **fields) -> None:
    """Validate the given fields against each other and the event's current values,
    then set them. Nothing is changed if any of them is refused."""
    given = {name: value for name, value in fields.items() if value is not _UNSET}
    changes = {}
    if "title" in given:
        title = (given["title"] or "").strip()
        if not 1 <= len(title) <= MAX_TITLE_LENGTH:
            raise exc.InvalidEvent(f"Il titolo deve avere da 1 a {MAX_TITLE_LENGTH} caratteri.",
                                   code="invalid_title", field="title", params={"max_length": MAX_TITLE_LENGTH})
        changes["title"] = title
    if "description" in given:
        description = (given["description"] or "").strip() or None
        if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
            raise exc.InvalidEvent(f"La descrizione può avere al massimo {MAX_DESCRIPTION_LENGTH} caratteri.",
                                   code="invalid_description", field="description",
                                   params={"max_length": MAX_DESCRIPTION_LENGTH})
        changes["description"] = description
    if "address" in given:
        address = " ".join((given["address"] or "").split()) or None
        if address is not None and len(address) > MAX_ADDRESS_LENGTH:
            raise exc.InvalidEvent(f"L'indirizzo può avere al massimo {MAX_ADDRESS_LENGTH} caratteri.",
                                   code="invalid_address", field="address",
                                   params={"max_length": MAX_ADDRESS_LENGTH})
        changes["address"] = address
    if "category" in given:
        changes["category_code"] = taxonomy.by_slug(given["category"]).code
    if "kind" in given:
        if given["kind"] not in EVENT_KINDS:
            raise exc.InvalidEvent("Il tipo deve essere «event» o «course».", code="invalid_kind", field="kind")
        changes["kind"] = given["kind"]
    if "price_cents" in given:
        if not 0 <= given["price_cents"] <= MAX_PRICE_CENTS:
            raise exc.InvalidEvent(f"Il prezzo deve essere tra 0 e {MAX_PRICE_CENTS // 100} euro.",
                                   code="invalid_price", field="price_cents", params={"max_cents": MAX_PRICE_CENTS})
        changes["price_cents"] = given["price_cents"]
    if "capacity" in given:
        if not 1 <= given["capacity"] <= MAX_CAPACITY:
            raise exc.InvalidEvent(f"I posti devono essere tra 1 e {MAX_CAPACITY}.",
                                   code="invalid_capacity", field="capacity", params={"max": MAX_CAPACITY})
        if given["capacity"] < (event.seats_taken or 0):
            raise exc.InvalidEvent(f"I posti non possono scendere sotto quelli già prenotati ({event.seats_taken}).",
                                   code="capacity_below_seats_taken", field="capacity",
                                   params={"seats_taken": event.seats_taken})
        changes["capacity"] = given["capacity"]
    _check_times(event, now=now, given=given, changes=changes)
    for name, value in changes.items():
        setattr(event, name, value)


def _check_times(event: Event, *, now: datetime, given: dict, changes: dict) -> None:
    for name in ("starts_at", "ends_at", "booking_deadline"):
        value = given.get(name)
        if value is not None and value.tzinfo is None:
            raise exc.InvalidEvent("Indica data e ora con il fuso orario.", code="invalid_datetime", field=name)
    starts_at = given.get("starts_at", event.starts_at)
    ends_at = given.get("ends_at", event.ends_at)
    if starts_at is None or ends_at is None:
        raise exc.InvalidEvent("Indica inizio e fine.", code="invalid_datetime",
                               field="starts_at" if starts_at is None else "ends_at")
    if ends_at <= starts_at:
        raise exc.InvalidEvent("La fine deve essere successiva all'inizio.", code="ends_before_starts",
                               field="ends_at")
    if ("starts_at" in given or "ends_at" in given) and ends_at <= now:
        raise exc.InvalidEvent("L'evento è già concluso: controlla data e ora.", code="event_in_past",
                               field="ends_at")
    booking_deadline = given.get("booking_deadline", event.booking_deadline)
    if booking_deadline is not None and booking_deadline > ends_at:
        raise exc.InvalidEvent("Il termine per prenotare non può essere dopo la fine dell'evento.",
                               code="invalid_booking_deadline", field="booking_deadline")
    for name in ("starts_at", "ends_at", "booking_deadline"):
        if name in given:  # in UTC already, as it will read back from the database
            changes[name] = given[name] and given[name].astimezone(timezone.utc)
