"""Venue stories attacked: photos that carry who took them and where, files that are
not what they say, bombs, a photo's URL after the story is hidden or deleted, and
people of the wrong venue, sponsor or role."""
import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from server.extensions import db
from server.stories.models import Story, StoryPhoto
from tests.server.stories.conftest import as_person, photo, post_story, upload

# What a phone or an editing app writes beside the pixels of a minor's photo.
OWNER_NAME = b"Giulia Bianchi 12 anni"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="45,28.0N" '
       b'tiff:Model="PhoneModel" dc:creator="' + OWNER_NAME + b'"/></rdf:RDF></x:xmpmeta>')
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script></svg>')


def _posted(app, world):
    response = post_story(as_person(app, world["owner"]), world["venue_id"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _exif() -> bytes:
    tags = Image.Exif()
    tags[0x010F] = "PhoneMaker"  # Make
    tags[0x0110] = "PhoneModel"  # Model
    tags[0x013B] = OWNER_NAME.decode()  # Artist
    tags[0x8298] = OWNER_NAME.decode()  # Copyright
    tags[0x8825] = {2: (45.0, 28.0, 0.0), 1: "N", 4: (9.0, 11.0, 0.0), 3: "E"}  # GPSInfo
    return tags.tobytes()


def _icc() -> bytes:
    from PIL import ImageCms
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _jpeg_with_everything() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(out, "JPEG", exif=_exif(), icc_profile=_icc(),
                                                     comment=OWNER_NAME, xmp=XMP)
    return out.getvalue()


def _png_with_everything() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", OWNER_NAME.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 200, 30)).save(out, "PNG", pnginfo=info, exif=_exif(), icc_profile=_icc())
    return out.getvalue()


def _webp_with_everything() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 30, 200)).save(out, "WEBP", exif=_exif(), xmp=XMP, icc_profile=_icc())
    return out.getvalue()


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` × ``height`` pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
            + chunk(b"IEND", b""))


def _real_bomb() -> bytes:
    """A genuine PNG of 25 megapixels, all black: a few kilobytes that decode to ~75 MB."""
    out = io.BytesIO()
    Image.new("1", (6_250, 4_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


# --- what is stored and served -------------------------------------------------------------

@pytest.mark.parametrize("make", [_jpeg_with_everything, _png_with_everything, _webp_with_everything])
def test_no_metadata_of_the_upload_is_stored_or_served(app, world, make):
    """EXIF (GPS, phone, artist), XMP, ICC and comments of a minor's photo stay behind."""
    original = make()
    assert OWNER_NAME in original or b"PhoneMaker" in original  # the premise: the upload carries them
    story = _posted(app, world)
    owner = as_person(app, world["owner"])

    response = upload(owner, story["id"], original)

    assert response.status_code == 200, response.get_json()
    served = owner.get(response.get_json()["photo_url"])
    with app.app_context():
        stored = db.session.get(StoryPhoto, story["id"]).data
    for data in (stored, served.data):
        for trace in (OWNER_NAME, b"PhoneMaker", b"PhoneModel", b"Exif", b"XMP ", b"xmpmeta", b"ICCP", b"GPS"):
            assert trace not in data, trace
        image = Image.open(io.BytesIO(data))
        assert image.format == "WEBP" and not image.getexif() and "icc_profile" not in image.info
        assert "xmp" not in image.info and "exif" not in image.info


def test_the_served_photo_is_webp_that_no_browser_sniffs_and_no_shared_cache_keeps(app, world):
    story = _posted(app, world)
    owner = as_person(app, world["owner"])
    url = upload(owner, story["id"], photo(exif=False)).get_json()["photo_url"]

    for reader in (owner, as_person(app, world["sponsor"]), as_person(app, world["admin"])):
        served = reader.get(url)
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/webp"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.cache_control.private and served.cache_control.no_cache
        assert not served.cache_control.public


@pytest.mark.parametrize("data, name, mimetype, code", [
    (HTML, "foto.jpg", "image/jpeg", "story_photo_unsupported"),
    (SVG, "foto.png", "image/png", "story_photo_unsupported"),
    (SVG, "foto.svg", "image/svg+xml", "story_photo_unsupported"),
    (b"GIF89a" + HTML, "foto.gif", "image/gif", "story_photo_unsupported"),
    (b"\xff\xd8\xff" + HTML, "foto.jpg", "image/jpeg", "story_photo_unreadable"),  # a JPEG's magic, then a page
    (b"RIFF\x00\x00\x00\x00WEBP" + HTML, "foto.webp", "image/webp", "story_photo_unreadable"),
    (_png_declaring(100_000, 100_000), "bomba.png", "image/png", "story_photo_too_large"),
    (_png_declaring(2**31 - 1, 1), "bomba.png", "image/png", "story_photo_too_large"),
    (_png_declaring(10, 40_000), "striscia.png", "image/png", "story_photo_unsupported"),
    (_png_declaring(0, 0), "vuota.png", "image/png", "story_photo_unreadable"),
    (_real_bomb(), "bomba.png", "image/png", "story_photo_too_large"),
])
def test_a_file_disguised_as_a_photo_or_a_bomb_is_refused_and_nothing_is_stored(app, world, data, name, mimetype,
                                                                                  code):
    story = _posted(app, world)
    owner = as_person(app, world["owner"])

    response = owner.client.post(f"/api/v1/stories/{story['id']}/photo",
                                 data={"photo": (io.BytesIO(data), name, mimetype)},
                                 content_type="multipart/form-data", headers=owner._headers(None))

    assert response.status_code == 422 and response.get_json()["code"] == code
    with app.app_context():
        assert db.session.get(StoryPhoto, story["id"]) is None
        assert db.session.get(Story, story["id"]).photo_version is None


def test_a_polyglot_keeps_only_its_pixels(app, world):
    """A real JPEG with a web page after its end and in its comment: the new WebP is
    encoded from the pixels, so the page is not stored, whatever the client called it."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 90, 90)).save(out, "JPEG", comment=HTML)
    polyglot = out.getvalue() + HTML
    story = _posted(app, world)
    owner = as_person(app, world["owner"])

    response = owner.client.post(f"/api/v1/stories/{story['id']}/photo",
                                 data={"photo": (io.BytesIO(polyglot), "pagina.html", "text/html")},
                                 content_type="multipart/form-data", headers=owner._headers(None))

    assert response.status_code == 200, response.get_json()
    served = owner.get(response.get_json()["photo_url"])
    assert b"<script" not in served.data and b"<html" not in served.data
    assert served.headers["Content-Type"] == "image/webp"


# --- a photo's URL once the story is gone --------------------------------------------------

def test_a_hidden_storys_photo_is_not_revalidated_into_a_304(app, world):
    """A browser holding the photo asks with its ETag: once hidden the answer is 404, not
    a 304 that would let it keep showing its copy."""
    story = _posted(app, world)
    owner = as_person(app, world["owner"])
    url = upload(owner, story["id"], photo(exif=False)).get_json()["photo_url"]
    sponsor = as_person(app, world["sponsor"])
    etag = sponsor.get(url).headers["ETag"]
    as_person(app, world["admin"]).post(f"/api/v1/admin/stories/{story['id']}/hide", json={"reason": "Un volto."})

    again = sponsor.get(url, headers={"If-None-Match": etag})

    assert again.status_code == 404 and again.get_json()["code"] == "story_photo_not_found"
    assert not again.cache_control.public and again.cache_control.max_age is None


def test_a_deleted_storys_photo_is_gone_from_its_url_and_the_database(app, world):
    story = _posted(app, world)
    owner = as_person(app, world["owner"])
    url = upload(owner, story["id"], photo(exif=False)).get_json()["photo_url"]
    etag = owner.get(url).headers["ETag"]

    assert owner.delete(f"/api/v1/venues/{world['venue_id']}/stories/{story['id']}").status_code == 204

    for reader in (owner, as_person(app, world["sponsor"]), as_person(app, world["admin"])):
        gone = reader.get(url, headers={"If-None-Match": etag})
        assert gone.status_code == 404 and gone.get_json()["code"] == "story_not_found"
    with app.app_context():
        assert db.session.get(StoryPhoto, story["id"]) is None


# --- the wrong people ----------------------------------------------------------------------

def test_without_a_login_nothing_is_read_or_written(app, world):
    story = _posted(app, world)
    url = upload(as_person(app, world["owner"]), story["id"], photo(exif=False)).get_json()["photo_url"]
    anyone = app.test_client()

    assert anyone.get(url).status_code == 401
    assert anyone.get(f"/api/v1/campaigns/{world['campaign_id']}/stories").status_code == 401
    assert anyone.post(f"/api/v1/stories/{story['id']}/photo", data={"photo": (io.BytesIO(photo()), "f.jpg")},
                       content_type="multipart/form-data").status_code == 401
    assert anyone.delete(f"/api/v1/venues/{world['venue_id']}/stories/{story['id']}").status_code == 401


def test_a_forged_cross_site_upload_or_delete_is_refused(app, world):
    """A multipart POST is a request another site's form can send with the cookie: the
    CSRF token decides."""
    story = _posted(app, world)
    owner = as_person(app, world["owner"])

    forged_upload = owner.client.post(f"/api/v1/stories/{story['id']}/photo",
                                      data={"photo": (io.BytesIO(photo()), "f.jpg")}, content_type="multipart/form-data")
    forged_delete = owner.client.delete(f"/api/v1/venues/{world['venue_id']}/stories/{story['id']}")

    assert forged_upload.status_code == 403 and forged_upload.get_json()["code"] == "csrf_failed"
    assert forged_delete.status_code == 403 and forged_delete.get_json()["code"] == "csrf_failed"
    with app.app_context():
        assert db.session.get(Story, story["id"]).photo_version is None


def test_another_venue_posts_nothing_for_this_venue_nor_about_its_event(app, world):
    other = as_person(app, world["other_owner"])

    as_this_venue = post_story(other, world["venue_id"])
    about_its_event = post_story(other, world["other_venue_id"], event_id=world["event_id"])

    assert as_this_venue.status_code == 403 and as_this_venue.get_json()["code"] == "not_a_member"
    assert about_its_event.status_code == 422 and about_its_event.get_json()["code"] == "story_event_not_at_venue"
    with app.app_context():
        assert db.session.query(Story).count() == 0


def test_another_venue_deletes_no_story_through_its_own_venue_or_this_one(app, world):
    story = _posted(app, world)
    other = as_person(app, world["other_owner"])

    through_its_own = other.delete(f"/api/v1/venues/{world['other_venue_id']}/stories/{story['id']}")
    through_this_one = other.delete(f"/api/v1/venues/{world['venue_id']}/stories/{story['id']}")

    assert through_its_own.status_code == 404 and through_its_own.get_json()["code"] == "story_not_found"
    assert through_this_one.status_code == 403
    with app.app_context():
        assert db.session.get(Story, story["id"]) is not None


@pytest.mark.parametrize("who", ["staff", "other_owner", "other_sponsor"])
def test_the_wrong_people_see_no_photo_and_replace_none(app, world, who):
    story = _posted(app, world)
    url = upload(as_person(app, world["owner"]), story["id"], photo(exif=False)).get_json()["photo_url"]
    intruder = as_person(app, world[who])

    assert intruder.get(url).status_code == 403
    assert upload(intruder, story["id"], photo(exif=False)).status_code == 403
    assert intruder.get(f"/api/v1/venues/{world['venue_id']}/stories").status_code == 403
    with app.app_context():
        assert db.session.get(Story, story["id"]).photo_version == 1


def test_a_sponsor_sees_nothing_of_a_venue_where_its_only_booking_was_cancelled(app, world):
    """The sponsor's voucher booked a seat and the booking was cancelled: the voucher was
    not used there, so the venue's stories stay with the venue."""
    from server.bookings.models import CANCELLED, Booking

    story = _posted(app, world)
    url = upload(as_person(app, world["owner"]), story["id"], photo(exif=False)).get_json()["photo_url"]
    with app.app_context():
        db.session.query(Booking).update({"status": CANCELLED})
        db.session.commit()
    sponsor = as_person(app, world["sponsor"])

    assert sponsor.get(f"/api/v1/campaigns/{world['campaign_id']}/stories").get_json() == []
    assert sponsor.get(url).status_code == 403


@pytest.mark.parametrize("confirmation", ["true", "yes", 1, "1", "on", [True], {"value": True}])
def test_only_json_true_confirms_that_no_minor_is_recognisable(app, world, confirmation):
    """marshmallow's Boolean would read 1, "yes" or "on" as true: a confirmation is
    given in so many words or not at all."""
    response = post_story(as_person(app, world["owner"]), world["venue_id"], no_minor_recognisable=confirmation)

    assert response.status_code == 422 and response.get_json()["code"] == "invalid_input"
    with app.app_context():
        assert db.session.query(Story).count() == 0


def test_a_suspended_sponsors_member_reads_no_photo_by_its_url(app, world):
    """The campaign's stories list refuses a sponsor no longer approved; the photo, whose
    URL is only a story id and a version to guess, must refuse it too."""
    from server.accounts.models import PENDING, Membership, Organisation, User

    story = _posted(app, world)
    url = upload(as_person(app, world["owner"]), story["id"], photo(exif=False)).get_json()["photo_url"]
    sponsor = as_person(app, world["sponsor"])
    assert sponsor.get(url).status_code == 200  # the premise
    with app.app_context():
        sponsor_id = db.session.scalar(db.select(Membership.organisation_id).join(User)
                                       .where(User.email == world["sponsor"]))
        db.session.get(Organisation, sponsor_id).status = PENDING
        db.session.commit()

    assert sponsor.get(f"/api/v1/campaigns/{world['campaign_id']}/stories").status_code == 403
    refused = sponsor.get(url)
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_a_member"
