"""Shapes of the catalogue API. An event's ranges and cross-field rules are checked
by the use cases (server/catalogue/api.py), so they fail with their own stable codes."""
import marshmallow as ma
from marshmallow import validate

from server.catalogue import posters, taxonomy
from server.catalogue.models import EVENT_KINDS, EVENT_STATUSES
from server.catalogue.repository import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from server.http.fields import AwareInstant, Day, Id, Instant, Int32, NoControlCharacters, Text
from server.onboarding import validation


def _category_slug(event) -> str | None:
    # A category dropped from the configuration must not break reads of old events.
    slugs = {category.code: slug for slug, category in taxonomy.categories().items()}
    return slugs.get(event.category_code)


def _municipality(event) -> dict:
    try:
        name = validation.municipality(event.municipality_code).name
    except validation.InvalidField:
        name = None
    return {"code": event.municipality_code, "name": name}


def _address(event) -> str | None:
    # The event's own place, else the venue's: what a student types into a map.
    return event.address or event.venue.address


class Poster(ma.Schema):
    src = ma.fields.String(metadata={"description": "URL of a middle width (WebP); changes with every upload"})
    srcset = ma.fields.String(metadata={"description": "every stored width, for <img srcset>"})
    width = Int32(1, metadata={"description": "of the largest stored width, for the layout"})
    height = Int32(1)


class PosterIn(ma.Schema):
    # The size is checked by the use case, so that a file too large is named as such
    # (422 poster_too_large, with max_bytes) rather than as a malformed field.
    content = ma.fields.String(required=True, validate=[validate.Length(min=1), NoControlCharacters(multiline=True)],
                               metadata={"description": "the JPEG, PNG or WebP file, base64", "format": "byte",
                                         "maxLength": (posters.MAX_POSTER_BYTES * 4) // 3 + 4})


class Category(ma.Schema):
    code = Int32(0, 31, metadata={"description": "Bit of the category in voucher credentials"})
    slug = ma.fields.String()
    it = ma.fields.String(metadata={"description": "Italian label"})
    en = ma.fields.String(metadata={"description": "English label"})


class EventIn(ma.Schema):
    title = Text(200, required=True)
    description = Text(2000, multiline=True, allow_none=True)
    category = Text(50, required=True,
                                metadata={"description": "Category slug, see /api/v1/categories"})
    kind = ma.fields.String(load_default="event", validate=validate.OneOf(EVENT_KINDS))
    starts_at = AwareInstant(required=True, metadata={"description": "ISO 8601 with offset"})
    ends_at = AwareInstant(required=True)
    price_cents = Int32(required=True, strict=True)
    capacity = Int32(required=True, strict=True)
    booking_deadline = AwareInstant(allow_none=True, metadata={
        "description": "Last moment to book or cancel a booking; absent: until the event ends"})
    address = Text(300, allow_none=True, metadata={"description": "Where, if not at the venue's address"})


class EventPatch(EventIn):
    """Only the fields sent change (load it with ``partial=True``); ``description``
    and ``booking_deadline`` may be null to clear them."""

    kind = ma.fields.String(validate=validate.OneOf(EVENT_KINDS))


class VenueEvent(ma.Schema):
    """An event as its venue sees it."""

    id = Id()
    venue_id = Id()
    title = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    category = ma.fields.Function(_category_slug)
    kind = ma.fields.String()
    starts_at = Instant()
    ends_at = Instant()
    booking_deadline = Instant(allow_none=True)
    price_cents = Int32(0)
    capacity = Int32(0)
    seats_taken = Int32(0)
    seats_left = Int32()
    municipality_code = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    poster = ma.fields.Function(posters.poster_info, metadata={"description": "Poster or null"})
    status = ma.fields.String()
    created_at = Instant()
    updated_at = Instant()


class Venue(ma.Schema):
    id = Id()
    name = ma.fields.String()


class Municipality(ma.Schema):
    code = ma.fields.String(metadata={"description": "ISTAT code"})
    name = ma.fields.String(allow_none=True)


class CatalogueItem(ma.Schema):
    """An event in the public catalogue: what a student needs to choose it."""

    id = Id()
    title = ma.fields.String()
    category = ma.fields.Function(_category_slug)
    kind = ma.fields.String()
    starts_at = Instant()
    ends_at = Instant()
    booking_deadline = Instant(allow_none=True)
    price_cents = Int32(0)
    seats_left = Int32()
    status = ma.fields.String()
    venue = ma.fields.Nested(Venue)
    municipality = ma.fields.Function(_municipality, metadata={"description": "{code, name}"})
    address = ma.fields.Function(_address, metadata={"description": "The event's, else the venue's; may be null"})
    poster = ma.fields.Function(posters.poster_info, metadata={"description": "Poster or null"})


class CatalogueEvent(CatalogueItem):
    description = ma.fields.String(allow_none=True)


class CataloguePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CatalogueItem))
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "Pass as `cursor`; null on the last page"})


class VenueEventsPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(VenueEvent))
    next_cursor = ma.fields.String(allow_none=True)


class _PageQuery(ma.Schema):
    first_day = Day(data_key="from", metadata={"description": "YYYY-MM-DD, Italian calendar day"})
    last_day = Day(data_key="to", metadata={"description": "YYYY-MM-DD, inclusive"})
    cursor = Text(200)
    page_size = Int32(1, MAX_PAGE_SIZE, load_default=DEFAULT_PAGE_SIZE)


class CatalogueQuery(_PageQuery):
    categories = ma.fields.List(Text(50), data_key="category",
                                validate=validate.Length(max=20),
                              metadata={"description": "Category slug; repeat for several"})
    municipality = Text(100, metadata={"description": "ISTAT code or name"})
    area = Text(100, metadata={"description": "A municipality, a province (\"provincia di Milano\", \"MI\") "
                                              "or a region (\"Lombardia\")"})
    venue_id = Id()
    kind = ma.fields.String(validate=validate.OneOf(EVENT_KINDS))


class VenueEventsQuery(_PageQuery):
    status = ma.fields.String(validate=validate.OneOf(EVENT_STATUSES))
