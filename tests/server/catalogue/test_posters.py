"""Posters: a venue uploads one; we keep only pixels we re-encoded, refuse hostile files
with a stable code, and serve the result publicly with cache headers."""
import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from server.catalogue import posters
from server.catalogue.models import EventPoster
from server.extensions import db
from tests.server.catalogue import factories as catalogue_factories
from tests.server.photos import phone_photo as _photo
from tests.server.catalogue.factories import ApiClient


@pytest.fixture
def world(app):
    with app.app_context():
        owner = catalogue_factories.person()
        venue = catalogue_factories.venue(owner=owner)
        venue.address = "Via Rovello 2, Milano"
        event = catalogue_factories.event(venue, title="La locandiera")
        other_owner = catalogue_factories.person()
        catalogue_factories.venue(owner=other_owner)
        db.session.commit()
        return {"venue_id": venue.id, "event_id": event.id, "owner": owner.email, "other_owner": other_owner.email}


def _upload(app, world, data: bytes, email=None):
    api = ApiClient(app.test_client()).login(email or world["owner"])
    return api.put(f"/api/v1/venues/{world['venue_id']}/events/{world['event_id']}/poster",
                   json={"content": base64.b64encode(data).decode()})


def test_a_poster_is_stored_without_its_metadata_and_served_publicly(app, world):
    photo = _photo()
    assert b"PhoneMaker" in photo  # the test's own premise: the upload carries EXIF
    response = _upload(app, world, photo)
    assert response.status_code == 200, response.get_json()
    poster = response.get_json()["poster"]
    assert poster["width"] == 960 and poster["height"] == 640
    assert [part.split()[-1] for part in poster["srcset"].split(", ")] == ["320w", "640w", "960w"]

    public = app.test_client()
    item = public.get(f"/api/v1/catalogue/{world['event_id']}").get_json()
    assert item["poster"] == poster and item["address"] == "Via Rovello 2, Milano"
    image = public.get(poster["src"])
    assert image.status_code == 200 and image.mimetype == "image/webp"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "public" in image.headers["Cache-Control"] and "max-age=604800" in image.headers["Cache-Control"]
    assert b"PhoneMaker" not in image.data and b"Exif" not in image.data
    decoded = Image.open(io.BytesIO(image.data))
    assert decoded.format == "WEBP" and decoded.size == (640, 427) and not decoded.getexif()
    again = public.get(poster["src"], headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304


def test_a_new_upload_is_a_new_url_and_removing_it_leaves_none(app, world):
    first = _upload(app, world, _photo("PNG", (400, 300), exif=False)).get_json()["poster"]
    assert first["width"] == 400 and first["srcset"].count(",") == 1  # 320 and 400: never enlarged
    second = _upload(app, world, _photo("WEBP", (300, 300), exif=False)).get_json()["poster"]
    assert second["src"] != first["src"] and second["width"] == 300
    api = ApiClient(app.test_client()).login(world["owner"])
    removed = api.delete(f"/api/v1/venues/{world['venue_id']}/events/{world['event_id']}/poster")
    assert removed.status_code == 200 and removed.get_json()["poster"] is None
    gone = app.test_client().get(f"/api/v1/events/{world['event_id']}/poster/300.webp")
    assert gone.status_code == 404 and gone.get_json()["code"] == "poster_not_found"
    with app.app_context():
        assert db.session.query(EventPoster).count() == 0


def test_another_venue_cannot_set_the_poster(app, world):
    response = _upload(app, world, _photo(), email=world["other_owner"])
    assert response.status_code in (403, 404)
    assert app.test_client().get(f"/api/v1/catalogue/{world['event_id']}").get_json()["poster"] is None


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares huge dimensions and holds a tiny compressed stream: a bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def _truncated_jpeg() -> bytes:
    data = _photo(exif=False)
    return data[: len(data) // 2]


@pytest.mark.parametrize("data, code", [
    (_png_header_only(50_000, 50_000), "poster_too_large"),  # 2.5 gigapixels declared
    (_png_header_only(9_000, 5_000), "poster_too_large"),  # 45 megapixels: under Pillow's own limit
    (_png_header_only(2_000, 2_000), "poster_unreadable"),  # plausible size, data missing
    (_truncated_jpeg(), "poster_unreadable"),
    (b"\xff\xd8\xff" + b"\0" * 100, "poster_unreadable"),
    (b"GIF89a" + b"\0" * 100, "poster_unsupported"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "poster_unsupported"),
    (b"%PDF-1.4 not an image", "poster_unsupported"),
    (b"\0" * (posters.MAX_POSTER_BYTES + 1), "poster_too_large"),
], ids=["bomb", "huge", "empty_png", "truncated", "jpeg_magic_only", "gif", "svg", "pdf", "too_many_bytes"])
def test_hostile_images_are_refused_with_a_stable_code(app, world, data, code):
    response = _upload(app, world, data)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == code
    assert app.test_client().get(f"/api/v1/catalogue/{world['event_id']}").get_json()["poster"] is None


def test_a_strip_is_refused_for_its_shape(app, world):
    response = _upload(app, world, _photo("PNG", (2000, 100), exif=False))
    assert response.status_code == 422 and response.get_json()["code"] == "poster_unsupported"


def test_content_that_is_not_base64_is_unreadable(app, world):
    api = ApiClient(app.test_client()).login(world["owner"])
    response = api.put(f"/api/v1/venues/{world['venue_id']}/events/{world['event_id']}/poster",
                       json={"content": "non è base64!"})
    assert response.status_code == 422 and response.get_json()["code"] == "poster_unreadable"


def test_an_event_of_its_own_at_another_address_shows_that_one(app, world):
    api = ApiClient(app.test_client()).login(world["owner"])
    response = api.patch(f"/api/v1/venues/{world['venue_id']}/events/{world['event_id']}",
                         json={"address": "  Piazza   del Duomo 1,  Milano "})
    assert response.status_code == 200, response.get_json()
    item = app.test_client().get(f"/api/v1/catalogue/{world['event_id']}").get_json()
    assert item["address"] == "Piazza del Duomo 1, Milano"


@pytest.mark.parametrize("width", [0, 1, 959, 961, 32767, 2**31 - 1])
def test_widths_not_stored_are_not_found(app, world, width):
    _upload(app, world, _photo(exif=False))
    response = app.test_client().get(f"/api/v1/events/{world['event_id']}/poster/{width}.webp")
    assert response.status_code == 404
