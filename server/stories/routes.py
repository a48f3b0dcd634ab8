"""HTTP for venue stories: parse, check who is calling, call one use case, shape."""
from datetime import datetime, timezone

from flask import Response, request
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER
from server.campaigns import api as campaigns_api
from server.catalogue import api as catalogue_api
from server.catalogue.models import Event
from server.extensions import db
from server.http import auth, idempotency
from server.stories import api as stories_api
from server.stories import schemas
from server.stories.models import Story

bp = Blueprint("stories", __name__, url_prefix="/api/v1", description="Venues' stories of their events")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _venue(venue_id: int):
    """The venue the caller posts for: its owner or member (not scanner staff), approved."""
    user = auth.require_user()
    venue = accounts_api.get_organisation(venue_id)
    accounts_api.membership(user=user, organisation=venue, roles=(OWNER, MEMBER))
    catalogue_api.check_venue(venue)
    return user, venue


def _view(story: Story) -> dict:
    venue = accounts_api.get_organisation(story.venue_id)
    event = db.session.get(Event, story.event_id) if story.event_id else None
    return {"id": story.id, "venue_id": story.venue_id, "venue_name": venue.name, "event_id": story.event_id,
            "event_title": event.title if event else None, "body": story.body,
            "photo_url": stories_api.photo_url(story), "posted_at": story.posted_at,
            "hidden_at": story.hidden_at, "hidden_reason": story.hidden_reason}


@bp.get("/venues/<int:venue_id>/stories")
@bp.response(200, schemas.OwnStory(many=True))
def venue_stories(venue_id):
    """The venue's own stories, newest first, hidden ones too (with the admins' reason)."""
    _, venue = _venue(venue_id)
    return [_view(story) for story in stories_api.of_venue(venue)]


@bp.post("/venues/<int:venue_id>/stories")
@idempotency.idempotent(idempotency.member, required=False)
@bp.arguments(schemas.StoryIn)
@bp.response(201, schemas.OwnStory)
def post_story(body, venue_id):
    """Tell the sponsors how an event went: up to 500 characters, optionally about one
    of the venue's events; `no_minor_recognisable` must be true. Add a photo with
    `POST /stories/<id>/photo`."""
    user, venue = _venue(venue_id)
    return _view(stories_api.post(venue=venue, user=user, now=_now(), **body))


@bp.delete("/venues/<int:venue_id>/stories/<int:story_id>")
@bp.response(204)
def delete_story(venue_id, story_id):
    _, venue = _venue(venue_id)
    stories_api.delete(story=stories_api.venue_story(venue=venue, story_id=story_id, for_update=True))


@bp.post("/stories/<int:story_id>/photo")
@bp.arguments(schemas.PhotoIn, location="files")
@bp.response(200, schemas.OwnStory)
def put_photo(files, story_id):
    """Add or replace the story's photo (multipart/form-data, part `photo`)."""
    auth.require_user()  # 401 before anything is looked up
    story = stories_api.get(story_id, for_update=True)
    _venue(story.venue_id)
    upload = files.get("photo")
    data = upload.read(stories_api.posters.MAX_POSTER_BYTES + 1) if upload is not None else None
    return _view(stories_api.set_photo(story=story, data=data, now=_now()))


@bp.get("/stories/<int:story_id>/photo.webp")
@bp.response(200, description="image/webp")
def photo(story_id):
    """A story's photo, for the people who may read the story. Revalidated at every
    view (`private, no-cache` with an ETag, so mostly a 304): once hidden it is gone.
    `X-Content-Type-Options: nosniff`: the browser takes it as image/webp only."""
    story = stories_api.get(story_id)
    stories_api.check_reader(user=auth.require_user(), story=story)
    response = Response(stories_api.photo(story).data, mimetype="image/webp")
    # Our own WebP, but a browser that sniffed the bytes could still be talked into
    # treating them as something else: it takes the content type as given.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    response.cache_control.no_cache = True
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/campaigns/<int:campaign_id>/stories")
@bp.response(200, schemas.Story(many=True))
def campaign_stories(campaign_id):
    """Stories of the venues where the campaign's vouchers were used, newest first
    (the campaign's sponsors' members and platform admins)."""
    campaign = campaigns_api.get_campaign(campaign_id)
    campaigns_api.require_sponsor_member(user=auth.require_user(), campaign=campaign)
    return [_view(story) for story in stories_api.for_campaign(campaign.id)]


@bp.get("/admin/stories")
@bp.response(200, schemas.OwnStory(many=True))
def admin_stories():
    """Every story, newest first (the latest 200), hidden ones too."""
    auth.require_admin()
    return [_view(story) for story in stories_api.all_stories()]


@bp.post("/admin/stories/<int:story_id>/hide")
@bp.arguments(schemas.HideIn)
@bp.response(200, schemas.OwnStory)
def hide_story(body, story_id):
    """Hide a story from sponsors; the venue sees it hidden, with the reason."""
    admin = auth.require_admin()
    story = stories_api.get(story_id, for_update=True)
    return _view(stories_api.hide(story=story, admin=admin, reason=body["reason"], now=_now()))
