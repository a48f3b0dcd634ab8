"""Venue stories: who posts, what is refused, what sponsors read, and the admins' hiding."""
import io

import pytest
from PIL import Image

from server.extensions import db
from server.stories.models import Story, StoryPhoto
from tests.server.stories.conftest import as_person, photo, post_story, upload


def _posted(app, world, email=None, **fields):
    response = post_story(as_person(app, email or world["owner"]), world["venue_id"], **fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- posting --------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["owner", "member"])
def test_a_venues_owner_or_member_posts_a_story_about_one_of_its_events(app, world, who):
    story = _posted(app, world, world[who], event_id=world["event_id"])

    assert story["event_title"] == "La locandiera" and story["venue_name"] == "Teatro Franco Parenti"
    assert story["photo_url"] is None and story["hidden_at"] is None
    listed = as_person(app, world["owner"]).get(f"/api/v1/venues/{world['venue_id']}/stories").get_json()
    assert [s["id"] for s in listed] == [story["id"]]


def test_scanner_staff_do_not_post_stories(app, world):
    response = post_story(as_person(app, world["staff"]), world["venue_id"])
    assert response.status_code == 403 and response.get_json()["code"] == "not_a_member"


def test_an_event_of_another_venue_is_refused_by_name(app, world):
    response = post_story(as_person(app, world["owner"]), world["venue_id"], event_id=world["other_event_id"])
    assert response.status_code == 422
    assert response.get_json()["code"] == "story_event_not_at_venue"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Story)) == 0


@pytest.mark.parametrize("confirmation", [False, None])
def test_the_no_minor_confirmation_must_be_true(app, world, confirmation):
    response = post_story(as_person(app, world["owner"]), world["venue_id"], no_minor_recognisable=confirmation)
    assert response.status_code == 422
    assert response.get_json()["code"] in ("story_minor_confirmation_required", "invalid_input")
    if confirmation is False:
        assert response.get_json()["code"] == "story_minor_confirmation_required"


def test_the_confirmation_cannot_be_left_out(app, world):
    api = as_person(app, world["owner"])
    response = api.post(f"/api/v1/venues/{world['venue_id']}/stories", json={"body": "Bello"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("body", ["x" * 501, "Serata\x00speciale", "Vai su \u202egro.elpmaxe", ""])
def test_a_body_too_long_or_with_control_characters_is_refused(app, world, body):
    response = post_story(as_person(app, world["owner"]), world["venue_id"], body=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_a_blank_body_is_refused_by_name(app, world):
    response = post_story(as_person(app, world["owner"]), world["venue_id"], body="   \n ")
    assert response.status_code == 422 and response.get_json()["code"] == "story_body_empty"


def test_a_body_of_500_characters_with_line_breaks_is_kept(app, world):
    body = ("Riga\n" * 100)[:500]
    assert _posted(app, world, body=body)["body"] == body.strip()


def test_a_venue_deletes_its_own_story_and_no_other_venue_can(app, world):
    story = _posted(app, world)
    other = as_person(app, world["other_owner"])
    refused = other.delete(f"/api/v1/venues/{world['other_venue_id']}/stories/{story['id']}")
    assert refused.status_code == 404 and refused.get_json()["code"] == "story_not_found"

    response = as_person(app, world["member"]).delete(f"/api/v1/venues/{world['venue_id']}/stories/{story['id']}")

    assert response.status_code == 204
    with app.app_context():
        assert db.session.get(Story, story["id"]) is None


# --- the photo ------------------------------------------------------------------------------

def test_the_photo_is_stored_as_webp_without_exif_and_served_with_revalidation(app, world):
    story = _posted(app, world)
    api = as_person(app, world["owner"])
    original = photo()
    assert b"PhoneMaker" in original  # the test's own premise: the upload carries EXIF

    response = upload(api, story["id"], original)

    assert response.status_code == 200, response.get_json()
    url = response.get_json()["photo_url"]
    assert url.startswith(f"/api/v1/stories/{story['id']}/photo.webp?v=1")
    with app.app_context():
        stored = db.session.get(StoryPhoto, story["id"])
        assert b"PhoneMaker" not in stored.data and b"Exif" not in stored.data
        decoded = Image.open(io.BytesIO(stored.data))
        assert decoded.format == "WEBP" and decoded.size == (960, 640) and not decoded.getexif()
    served = api.get(url)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert "private" in served.headers["Cache-Control"] and "no-cache" in served.headers["Cache-Control"]
    again = api.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_a_new_photo_gets_a_new_url(app, world):
    story = _posted(app, world)
    api = as_person(app, world["owner"])
    upload(api, story["id"], photo("PNG", (400, 300), exif=False))
    second = upload(api, story["id"], photo("WEBP", (300, 300), exif=False)).get_json()
    assert second["photo_url"].endswith("?v=2")


@pytest.mark.parametrize("data, code", [
    (b"\xff\xd8\xff" + b"\x00" * 2_000_001, "story_photo_too_large"),
    (b"%PDF-1.7 not an image", "story_photo_unsupported"),
    (b"\x89PNG\r\n\x1a\n" + b"garbage" * 10, "story_photo_unreadable"),
])
def test_a_hostile_photo_is_refused_with_a_stable_code(app, world, data, code):
    story = _posted(app, world)
    response = upload(as_person(app, world["owner"]), story["id"], data)
    assert response.status_code == 422 and response.get_json()["code"] == code
    with app.app_context():
        assert db.session.get(StoryPhoto, story["id"]) is None


def test_a_request_without_a_photo_says_so(app, world):
    story = _posted(app, world)
    api = as_person(app, world["owner"])
    response = api.post(f"/api/v1/stories/{story['id']}/photo", json={})
    assert response.status_code == 422 and response.get_json()["code"] == "story_photo_missing"


def test_another_venue_cannot_add_a_photo(app, world):
    story = _posted(app, world)
    response = upload(as_person(app, world["other_owner"]), story["id"], photo())
    assert response.status_code == 403


# --- what sponsors read -----------------------------------------------------------------------

def test_sponsors_read_the_stories_of_venues_their_vouchers_went_to_newest_first(app, world):
    first = _posted(app, world, event_id=world["event_id"])
    second = _posted(app, world, body="Il secondo racconto.")
    post_story(as_person(app, world["other_owner"]), world["other_venue_id"])  # no voucher went there

    response = as_person(app, world["sponsor"]).get(f"/api/v1/campaigns/{world['campaign_id']}/stories")

    assert response.status_code == 200
    stories = response.get_json()
    assert [s["id"] for s in stories] == [second["id"], first["id"]]
    assert set(stories[0]) == {"id", "venue_name", "event_title", "body", "photo_url", "posted_at"}
    assert stories[1]["event_title"] == "La locandiera"


def test_a_campaign_whose_vouchers_went_nowhere_has_no_stories(app, world):
    _posted(app, world)
    response = as_person(app, world["other_sponsor"]).get(f"/api/v1/campaigns/{world['other_campaign_id']}/stories")
    assert response.status_code == 200 and response.get_json() == []


def test_another_sponsor_reads_neither_the_campaigns_stories_nor_their_photos(app, world):
    story = _posted(app, world)
    owner = as_person(app, world["owner"])
    url = upload(owner, story["id"], photo(exif=False)).get_json()["photo_url"]
    other = as_person(app, world["other_sponsor"])

    assert other.get(f"/api/v1/campaigns/{world['campaign_id']}/stories").status_code == 403
    refused = other.get(url)
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_a_member"
    assert as_person(app, world["sponsor"]).get(url).status_code == 200


def test_a_redemption_at_the_door_lets_the_sponsor_read_the_venue(app, door, now):
    from server.accounts.models import Membership, User
    from server.campaigns.models import Campaign

    a, _ = door.scanners
    with app.app_context():
        owner = db.session.scalar(db.select(User.email).join(Membership).where(
            Membership.organisation_id == door.venue_id, Membership.role == "owner"))
        sponsor_id = db.session.get(Campaign, door.campaign_id).sponsors[0].id
        sponsor = db.session.scalar(db.select(User.email).join(Membership).where(
            Membership.organisation_id == sponsor_id))
    story = post_story(as_person(app, owner), door.venue_id).get_json()
    api = as_person(app, sponsor)
    assert api.get(f"/api/v1/campaigns/{door.campaign_id}/stories").get_json() == []

    door.sync(a, door.record(a, at=now))

    assert [s["id"] for s in api.get(f"/api/v1/campaigns/{door.campaign_id}/stories").get_json()] == [story["id"]]


# --- hiding -----------------------------------------------------------------------------------

def test_an_admin_hides_a_story_sponsors_lose_it_and_the_venue_is_told_why(app, world):
    story = _posted(app, world)
    owner = as_person(app, world["owner"])
    url = upload(owner, story["id"], photo(exif=False)).get_json()["photo_url"]
    admin = as_person(app, world["admin"])

    response = admin.post(f"/api/v1/admin/stories/{story['id']}/hide", json={"reason": "Si riconosce un volto."})

    assert response.status_code == 200 and response.get_json()["hidden_at"] is not None
    sponsor = as_person(app, world["sponsor"])
    assert sponsor.get(f"/api/v1/campaigns/{world['campaign_id']}/stories").get_json() == []
    for reader in (sponsor, owner, admin):
        gone = reader.get(url)
        assert gone.status_code == 404 and gone.get_json()["code"] == "story_photo_not_found"
    (own,) = owner.get(f"/api/v1/venues/{world['venue_id']}/stories").get_json()
    assert own["hidden_reason"] == "Si riconosce un volto." and own["photo_url"] is None
    (listed,) = admin.get("/api/v1/admin/stories").get_json()
    assert listed["hidden_at"] is not None


def test_hiding_needs_a_reason(app, world):
    story = _posted(app, world)
    admin = as_person(app, world["admin"])
    for body in ({}, {"reason": "  "}, {"reason": "a\x00b"}):
        response = admin.post(f"/api/v1/admin/stories/{story['id']}/hide", json=body)
        assert response.status_code == 422, body


def test_only_platform_admins_hide(app, world):
    story = _posted(app, world)
    response = as_person(app, world["sponsor"]).post(f"/api/v1/admin/stories/{story['id']}/hide",
                                                     json={"reason": "No"})
    assert response.status_code == 403 and response.get_json()["code"] == "admin_only"
