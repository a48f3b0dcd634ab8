"""Catalogue queries: events in a stable order, a page at a time.

Pages are keyset pages: the cursor names the last event shown by (starts_at, id)
and the next page starts after it. Unlike page numbers, an event published or sold
out while a student scrolls neither repeats nor skips a row, and a page costs the
same index range scan however deep it is.

Days in filters are Italian calendar days (Europe/Rome), and an event matches a
range of days if it is on at any moment in it: a three-month exhibition shows up
for "this weekend".
"""
import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from server.catalogue import exceptions as exc
from server.catalogue import taxonomy
from server.catalogue.models import PUBLISHED, Event
from server.errors import InvalidInput
from server.extensions import db
from server.onboarding import territory, validation

ITALY = ZoneInfo("Europe/Rome")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Page:
    items: list[Event]
    next_cursor: str | None  # None on the last page


def catalogue(*, now: datetime, categories: list[str] = (), municipality: str | None = None,
              area: str | None = None, venue_id: int | None = None, kind: str | None = None, first_day: date | None = None,
              last_day: date | None = None, cursor: str | None = None,
              page_size: int = DEFAULT_PAGE_SIZE) -> Page:
    """What a student can still attend: published events not yet over at ``now``.
    ``categories`` are slugs (any of them matches); ``municipality`` an ISTAT code
    or a name; ``area`` a municipality, a province or a region (onboarding/territory.py)."""
    category_codes = [taxonomy.by_slug(slug).code for slug in categories]
    municipality_code = validation.municipality(municipality).istat_code if municipality else None
    return _page(statuses=(PUBLISHED,), not_ended_at=now, category_codes=category_codes,
                 municipality_code=municipality_code, area=territory.area(area, field="area") if area else None,
                 venue_id=venue_id, kind=kind, first_day=first_day,
                 last_day=last_day, cursor=cursor, page_size=page_size)


def venue_events(*, venue_id: int, status: str | None = None, first_day: date | None = None,
                 last_day: date | None = None, cursor: str | None = None,
                 page_size: int = DEFAULT_PAGE_SIZE) -> Page:
    """A venue's own events, cancelled and past ones included unless filtered out."""
    return _page(statuses=(status,) if status else (), venue_id=venue_id, first_day=first_day,
                 last_day=last_day, cursor=cursor, page_size=page_size)


def day_start(day: date) -> datetime:
    """Midnight in Italy at the start of ``day`` (23 or 25 hours from the next one
    when the clocks change)."""
    return datetime.combine(day, time.min, tzinfo=ITALY)


def encode_cursor(event: Event) -> str:
    raw = f"{event.starts_at.astimezone(timezone.utc).isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        stamp, _, event_id = raw.partition("|")
        starts_at, event_id = datetime.fromisoformat(stamp), int(event_id)
    except ValueError:  # bad Base64, bad ASCII, bad date or bad number alike
        starts_at = event_id = None
    if starts_at is None or starts_at.tzinfo is None or not 0 < event_id <= _MAX_ID:
        raise exc.InvalidCursor("Segnalibro di pagina non valido: ricarica l'elenco.", field="cursor")
    return starts_at, event_id


def _page(*, statuses=(), not_ended_at: datetime | None = None, category_codes=(),
          municipality_code: str | None = None, area: territory.Area | None = None, venue_id: int | None = None,
          kind: str | None = None, first_day: date | None = None, last_day: date | None = None, cursor: str | None = None,
          page_size: int) -> Page:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"Si possono chiedere da 1 a {MAX_PAGE_SIZE} eventi per pagina.",
                           code="invalid_page_size", field="page_size", params={"max": MAX_PAGE_SIZE})
    if first_day and last_day and first_day > last_day:
        raise InvalidInput("La data iniziale è successiva a quella finale.", code="invalid_date_range",
                           field="from")
    select = sa.select(Event).options(joinedload(Event.venue))
    if statuses:
        select = select.where(Event.status.in_(statuses))
    if not_ended_at is not None:
        select = select.where(Event.ends_at > not_ended_at)
    if category_codes:
        select = select.where(Event.category_code.in_(category_codes))
    if municipality_code:
        select = select.filter_by(municipality_code=municipality_code)
    if area and area.level == territory.MUNICIPALITY:
        select = select.filter_by(municipality_code=area.key)
    elif area:  # a province is a prefix of its municipalities' codes; a region, a few provinces
        select = select.where(sa.func.substr(Event.municipality_code, 1, 3).in_(area.province_codes()))
    if venue_id is not None:
        select = select.filter_by(venue_id=venue_id)
    if kind:
        select = select.filter_by(kind=kind)
    if first_day:
        select = select.where(Event.ends_at > day_start(first_day))
    if last_day:
        select = select.where(Event.starts_at < day_start(last_day + timedelta(days=1)))
    if cursor:
        starts_at, event_id = decode_cursor(cursor)
        select = select.where(sa.or_(Event.starts_at > starts_at,
                                     sa.and_(Event.starts_at == starts_at, Event.id > event_id)))
    # One row more than asked tells whether there is a next page without a COUNT.
    rows = db.session.scalars(select.order_by(Event.starts_at, Event.id).limit(page_size + 1)).all()
    items = list(rows[:page_size])
    return Page(items=items, next_cursor=encode_cursor(items[-1]) if len(rows) > page_size else None)
