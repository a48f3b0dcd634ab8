import marshmallow as ma

from server.http.fields import Id, Instant, JsonBoolean, Text
from server.stories.models import MAX_BODY, MAX_HIDDEN_REASON


class StoryIn(ma.Schema):
    event_id = Id(load_default=None, allow_none=True,
                  metadata={"description": "one of the venue's own events, or none"})
    body = Text(MAX_BODY, min_length=1, multiline=True, required=True)
    # Checked by the use case (422 story_minor_confirmation_required) so that the
    # refusal says what is missing. JSON true only: 1, "true" or "yes" is no confirmation.
    no_minor_recognisable = JsonBoolean(
        required=True, metadata={"description": "must be true: no minor can be recognised in the photo"})


class PhotoIn(ma.Schema):
    # A file part: checked by the use case (size, then pixels, then a full decode), so it
    # is not required here and a missing one is 422 story_photo_missing after authorization.
    photo = ma.fields.Raw(load_default=None, metadata={
        "description": "JPEG, PNG or WebP, at most 2 MB and 24 megapixels; stored re-encoded as WebP without EXIF"})


class HideIn(ma.Schema):
    reason = Text(MAX_HIDDEN_REASON, min_length=1, multiline=True, required=True)


class Story(ma.Schema):
    """What a sponsor reads."""

    id = Id()
    venue_name = ma.fields.String()
    event_title = ma.fields.String(allow_none=True)
    body = ma.fields.String()
    photo_url = ma.fields.String(allow_none=True, metadata={"description": "WebP; changes with every upload"})
    posted_at = Instant()


class OwnStory(Story):
    """What the venue and the admins read: also the event's id and whether it was hidden."""

    venue_id = Id()
    event_id = Id(allow_none=True)
    hidden_at = Instant(allow_none=True)
    hidden_reason = ma.fields.String(allow_none=True)
