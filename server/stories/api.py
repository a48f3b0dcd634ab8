"""Use cases of venue stories: post, add a photo, delete, list, hide.

Who reads a story: the venue's owners and members, platform admins, and the members of
a sponsor whose campaign's vouchers were used at the venue (redeemed at the door, or a
booking not cancelled). Hidden stories reach only the venue (with the reason) and the
admins' list; their photo is served to nobody.
"""
import io
import logging
from datetime import datetime

import sqlalchemy as sa
from PIL import Image

from server.accounts import api as accounts_api
from server.accounts.models import APPROVED, MEMBER, OWNER, Membership, Organisation, User
from server.bookings.models import CANCELLED as BOOKING_CANCELLED
from server.bookings.models import Booking
from server.campaigns.models import Campaign
from server.catalogue import exceptions as catalogue_exc
from server.catalogue import posters
from server.catalogue.models import Event
from server.door.models import ScanRecord
from server.extensions import db
from server.stories import exceptions as exc
from server.stories.models import Story, StoryPhoto
from server.vouchers.models import Voucher

log = logging.getLogger(__name__)

PHOTO_WIDTH = 960  # a story on a tablet; a phone shows it smaller
PHOTO_QUALITY = 80
ADMIN_LIST_LIMIT = 200


def post(*, venue: Organisation, user: User, body: str, no_minor_recognisable: bool, now: datetime,
         event_id: int | None = None) -> Story:
    if no_minor_recognisable is not True:
        raise exc.MinorConfirmationRequired("Conferma che nessun minore è riconoscibile.",
                                            field="no_minor_recognisable")
    text = body.strip()
    if not text:
        raise exc.EmptyStory("Scrivi qualcosa dell'evento.", field="body")
    if event_id is not None:
        event = db.session.scalar(sa.select(Event).filter_by(id=event_id, venue_id=venue.id))
        if event is None:
            raise exc.EventNotAtVenue("L'evento non è di questo luogo.", field="event_id")
    story = Story(venue_id=venue.id, event_id=event_id, body=text, no_minor_recognisable=True,
                  posted_by_id=user.id, posted_at=now)
    db.session.add(story)
    db.session.flush()
    log.info("story posted", extra={"story_id": story.id, "venue_id": venue.id})
    return story


def venue_story(*, venue: Organisation, story_id: int, for_update: bool = False) -> Story:
    """The venue's own story (another venue's is not found, whatever its id)."""
    select = sa.select(Story).filter_by(id=story_id, venue_id=venue.id)
    story = db.session.scalar(select.with_for_update() if for_update else select)
    if story is None:
        raise exc.StoryNotFound("Racconto non trovato.")
    return story


def get(story_id: int, *, for_update: bool = False) -> Story:
    select = sa.select(Story).filter_by(id=story_id)
    story = db.session.scalar(select.with_for_update() if for_update else select)
    if story is None:
        raise exc.StoryNotFound("Racconto non trovato.")
    return story


def _photo_refused(refusal: catalogue_exc.PosterRefused) -> exc.PhotoRefused:
    return exc.PhotoRefused(refusal.message, code=refusal.code.replace("poster_", "story_photo_"),
                            field="photo", params=refusal.params)


def encode_photo(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, WebP) of an uploaded photo, under the posters' rules: size and
    pixel count checked before decoding, EXIF orientation applied, and a new file
    encoded from the pixels alone, so EXIF, XMP and ICC stay behind."""
    try:
        image = posters.decode(data)
    except catalogue_exc.PosterRefused as refusal:
        raise _photo_refused(refusal) from None
    if image.width > PHOTO_WIDTH:
        image = image.resize((PHOTO_WIDTH, max(1, round(image.height * PHOTO_WIDTH / image.width))),
                             Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "WEBP", quality=PHOTO_QUALITY, method=4)
    return image.width, image.height, out.getvalue()


def set_photo(*, story: Story, data: bytes | None, now: datetime) -> Story:
    """Add or replace the story's photo. ``story`` should be loaded for update."""
    if not data:
        raise exc.PhotoRefused("Scegli una foto.", code="story_photo_missing", field="photo")
    width, height, webp = encode_photo(data)
    db.session.execute(sa.delete(StoryPhoto).where(StoryPhoto.story_id == story.id))
    db.session.add(StoryPhoto(story_id=story.id, width=width, height=height, data=webp, created_at=now))
    story.photo_version = (story.photo_version or 0) + 1
    db.session.flush()
    return story


def delete(*, story: Story) -> None:
    db.session.execute(sa.delete(StoryPhoto).where(StoryPhoto.story_id == story.id))
    db.session.delete(story)
    db.session.flush()
    log.info("story deleted", extra={"story_id": story.id, "venue_id": story.venue_id})


def hide(*, story: Story, admin: User, reason: str, now: datetime) -> Story:
    """Hide a story from sponsors. Hiding again keeps the first time and admin but takes
    the new reason."""
    text = reason.strip()
    if not text:
        raise exc.EmptyStory("Scrivi perché il racconto viene nascosto.", code="story_hide_reason_required",
                             field="reason")
    if story.hidden_at is None:
        story.hidden_at, story.hidden_by_id = now, admin.id
    story.hidden_reason = text
    db.session.flush()
    log.info("story hidden", extra={"story_id": story.id, "venue_id": story.venue_id, "admin_id": admin.id})
    return story


def venues_of_campaign(campaign_id: int) -> sa.Select:
    """The venues where the campaign's vouchers were used: a redemption at the door, or
    a booking still standing (booked, checked in or not)."""
    redeemed = sa.select(ScanRecord.venue_id).where(ScanRecord.campaign_id == campaign_id,
                                                    ScanRecord.outcome == "redeemed")
    booked = (sa.select(Event.venue_id).join(Booking, Booking.event_id == Event.id)
              .join(Voucher, Voucher.id == Booking.voucher_id)
              .where(Voucher.campaign_id == campaign_id, Booking.status != BOOKING_CANCELLED))
    return sa.union(redeemed, booked)


def for_campaign(campaign_id: int) -> list[Story]:
    """What the campaign's sponsors read: visible stories of its venues, newest first."""
    venues = venues_of_campaign(campaign_id).subquery()
    return list(db.session.scalars(
        sa.select(Story).where(Story.venue_id.in_(sa.select(venues.c[0])), Story.hidden_at.is_(None))
        .order_by(Story.posted_at.desc(), Story.id.desc())))


def of_venue(venue: Organisation) -> list[Story]:
    return list(db.session.scalars(sa.select(Story).filter_by(venue_id=venue.id)
                                   .order_by(Story.posted_at.desc(), Story.id.desc())))


def all_stories(*, limit: int = ADMIN_LIST_LIMIT) -> list[Story]:
    return list(db.session.scalars(sa.select(Story).order_by(Story.posted_at.desc(), Story.id.desc()).limit(limit)))


def check_reader(*, user: User, story: Story) -> None:
    """``NotAStoryReader`` unless the user may see this story (module docstring)."""
    if user.is_platform_admin:
        return
    venue = accounts_api.get_organisation(story.venue_id)
    try:
        accounts_api.membership(user=user, organisation=venue, roles=(OWNER, MEMBER))
        return
    except accounts_api.exc.NotAMember:
        pass
    # As for the campaign's list (campaigns_api.require_sponsor_member): an owner or
    # member of an approved sponsor. A photo's URL is a guessable story id, so a sponsor
    # suspended, or a role that may not read the list, must not read photos either.
    sponsors = (sa.select(Membership.organisation_id)
                .join(Organisation, Organisation.id == Membership.organisation_id)
                .where(Membership.user_id == user.id, Membership.removed_at.is_(None),
                       Membership.role.in_((OWNER, MEMBER)), Organisation.status == APPROVED))
    campaigns = db.session.scalars(sa.select(Campaign).where(Campaign.sponsors.any(
        Organisation.id.in_(sponsors)))).all()
    for campaign in campaigns:
        venues = venues_of_campaign(campaign.id).subquery()
        if db.session.scalar(sa.select(sa.func.count()).select_from(venues).where(venues.c[0] == story.venue_id)):
            return
    raise exc.NotAStoryReader("Non puoi vedere questo racconto.")


def photo(story: Story) -> StoryPhoto:
    """The photo of a visible story (a hidden story's is served to nobody)."""
    found = db.session.get(StoryPhoto, story.id) if story.hidden_at is None else None
    if found is None:
        raise exc.StoryPhotoNotFound("Foto non trovata.")
    return found


def photo_url(story: Story) -> str | None:
    if not story.photo_version or story.hidden_at is not None:
        return None
    return f"/api/v1/stories/{story.id}/photo.webp?v={story.photo_version}"
