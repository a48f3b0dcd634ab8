"""HTTP for categories, the public catalogue and venues' events: parse, call one use
case or query, shape the answer."""
from datetime import datetime, timezone
from functools import wraps

import base64
import binascii

from flask import Response, request
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER
from server.catalogue import api as catalogue_api
from server.catalogue import exceptions as catalogue_exc
from server.catalogue import posters, repository, schemas, taxonomy
from server.http import auth, idempotency

bp = Blueprint("catalogue", __name__, url_prefix="/api/v1",
               description="Categories, the public catalogue, venues' events and courses")

CATALOGUE_MAX_AGE = 60  # seconds: seats left go stale no faster than a student reads
CATEGORIES_MAX_AGE = 3600  # configuration: changes with a deploy
# A poster's URL carries its version, so a new upload is a new URL: a week is safe.
POSTER_MAX_AGE = 7 * 24 * 3600
CACHE_HEADERS = {
    "ETag": {"description": "Send back as If-None-Match to get 304 when unchanged", "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=…", "schema": {"type": "string"}},
}
NOT_MODIFIED = "Unchanged since the ETag sent in If-None-Match"


def cacheable(max_age: int):
    """Public, shared-cacheable answer with a strong ETag of its body; 304 when the
    client's If-None-Match names it.

    Goes above ``@bp.response``, whose Response it finishes. flask-smorest's own
    ``@bp.etag`` answers 304 by raising, which drops ETag and Cache-Control from the
    304, and a cache needs them to refresh its copy. Hashing the body costs a few
    microseconds per page and needs no bookkeeping of what changed.
    """
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            response.cache_control.public = True
            response.cache_control.max_age = max_age
            response.add_etag()
            return response.make_conditional(request)
        return wrapper
    return decorator


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _venue(venue_id: int):
    """The venue the caller acts for: they are its owner or member (scanner staff
    are not) and it is an approved venue."""
    user = auth.require_user()
    venue = accounts_api.get_organisation(venue_id)
    accounts_api.membership(user=user, organisation=venue, roles=(OWNER, MEMBER))
    catalogue_api.check_venue(venue)
    return venue


@bp.get("/categories")
@bp.alt_response(304, description=NOT_MODIFIED)
@cacheable(CATEGORIES_MAX_AGE)
@bp.response(200, schemas.Category(many=True), headers=CACHE_HEADERS)
def categories():
    """The category taxonomy, with Italian and English labels. Public."""
    return sorted(taxonomy.categories().values(), key=lambda category: category.code)


@bp.get("/catalogue")
@bp.arguments(schemas.CatalogueQuery, location="query")
@bp.alt_response(304, description=NOT_MODIFIED)
@cacheable(CATALOGUE_MAX_AGE)
@bp.response(200, schemas.CataloguePage, headers=CACHE_HEADERS)
def catalogue(query):
    """Published events and courses not yet over, by start time. Public: no login.

    Follow `next_cursor` for the next page. Days are Italian calendar days; an
    event matches `from`/`to` if it is on at any moment between them."""
    return repository.catalogue(now=_now(), **query)


@bp.get("/catalogue/<int:event_id>")
@bp.alt_response(304, description=NOT_MODIFIED)
@cacheable(CATALOGUE_MAX_AGE)
@bp.response(200, schemas.CatalogueEvent, headers=CACHE_HEADERS)
def catalogue_event(event_id):
    """One event, also once cancelled or over (a wallet holding a ticket must
    learn that it was cancelled). Public."""
    return catalogue_api.get_event(event_id)


@bp.get("/venues/<int:venue_id>/events")
@bp.arguments(schemas.VenueEventsQuery, location="query")
@bp.response(200, schemas.VenueEventsPage)
def venue_events(query, venue_id):
    """The venue's own events, cancelled and past ones included, by start time."""
    return repository.venue_events(venue_id=_venue(venue_id).id, **query)


@bp.post("/venues/<int:venue_id>/events")
@idempotency.idempotent(idempotency.member, required=False)
@bp.arguments(schemas.EventIn)
@bp.response(201, schemas.VenueEvent)
def create_event(body, venue_id):
    """List an event or course; it is published at once."""
    return catalogue_api.create_event(venue=_venue(venue_id), now=_now(), **body)


@bp.patch("/venues/<int:venue_id>/events/<int:event_id>")
@bp.arguments(schemas.EventPatch(partial=True), required=False)  # only the fields sent change
@bp.response(200, schemas.VenueEvent)
def update_event(body, venue_id, event_id):
    """Change some fields of an event that is neither cancelled nor over."""
    event = catalogue_api.get_event(event_id, venue=_venue(venue_id), for_update=True)
    return catalogue_api.update_event(event=event, now=_now(), **body)


@bp.post("/venues/<int:venue_id>/events/<int:event_id>/cancel")
@idempotency.idempotent(idempotency.member, required=False)
@bp.response(200, schemas.VenueEvent)
def cancel_event(venue_id, event_id):
    """Cancel an event; repeating the request is harmless."""
    event = catalogue_api.get_event(event_id, venue=_venue(venue_id), for_update=True)
    return catalogue_api.cancel_event(event=event, now=_now())


@bp.put("/venues/<int:venue_id>/events/<int:event_id>/poster")
@bp.arguments(schemas.PosterIn)
@bp.response(200, schemas.VenueEvent)
def put_poster(body, venue_id, event_id):
    """Upload the event's poster (JPEG, PNG or WebP, base64, at most 2 MB and 24
    megapixels), replacing any other. We store it re-encoded as WebP at a few widths,
    without its metadata (no EXIF, so no GPS position). Repeating it is harmless."""
    try:
        data = base64.b64decode(body["content"], validate=True)
    except (binascii.Error, ValueError):
        raise catalogue_exc.PosterRefused("Il file non è in base64.", code="poster_unreadable",
                                          field="content") from None
    event = catalogue_api.get_event(event_id, venue=_venue(venue_id), for_update=True)
    return posters.set_poster(event=event, data=data, now=_now())


@bp.delete("/venues/<int:venue_id>/events/<int:event_id>/poster")
@bp.response(200, schemas.VenueEvent)
def delete_poster(venue_id, event_id):
    """Remove the event's poster; removing none is harmless."""
    event = catalogue_api.get_event(event_id, venue=_venue(venue_id), for_update=True)
    return posters.remove_poster(event=event, now=_now())


@bp.get("/events/<int:event_id>/poster/<int:width>.webp")
@bp.response(200, description="image/webp; the widths are in the event's `poster.srcset`")
def poster(event_id, width):
    """An event's poster at one of its stored widths. Public, like the catalogue."""
    response = Response(posters.poster_image(event_id, width), mimetype="image/webp")
    response.headers["X-Content-Type-Options"] = "nosniff"  # read as image/webp, never sniffed
    response.cache_control.public = True
    response.cache_control.max_age = POSTER_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)
